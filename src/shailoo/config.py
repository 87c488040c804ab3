"""The workspace's small TOML config: project name, time zone, languages, periods, privacy."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import tomli_w

from shailoo.errors import UsageError

CONFIG_NAME = "shailoo.toml"
DEFAULT_TIMEZONE = "Asia/Bishkek"
DEFAULT_LANGUAGES = ["ru", "ky", "kk", "uz", "en"]


@dataclass
class Period:
    name: str
    start: date
    end: date  # inclusive


@dataclass
class Config:
    project: str
    timezone: str = DEFAULT_TIMEZONE
    languages: list[str] = field(default_factory=lambda: list(DEFAULT_LANGUAGES))
    # Authors who are not registered actors are stored under a keyed pseudonym unless this is False.
    pseudonymise: bool = True
    # Engagement snapshot rule: the first snapshot measured this many hours or more after posting.
    snapshot_min_hours: float = 72.0
    periods: list[Period] = field(default_factory=list)

    def __post_init__(self) -> None:
        check_timezone(self.timezone)

    @classmethod
    def load(cls, folder: Path) -> "Config":
        with open(folder / CONFIG_NAME, "rb") as fh:
            data = tomllib.load(fh)
        project = data.get("project", {})
        privacy = data.get("privacy", {})
        metrics = data.get("metrics", {})
        periods = [Period(p["name"], _as_date(p["start"]), _as_date(p["end"])) for p in data.get("periods", [])]
        return cls(
            project=project.get("name", folder.name),
            timezone=project.get("timezone", DEFAULT_TIMEZONE),
            languages=list(project.get("languages", DEFAULT_LANGUAGES)),
            pseudonymise=bool(privacy.get("pseudonymise", True)),
            snapshot_min_hours=float(metrics.get("snapshot_min_hours", 72.0)),
            periods=periods,
        )

    def save(self, folder: Path) -> None:
        data = {
            "project": {"name": self.project, "timezone": self.timezone, "languages": self.languages},
            "privacy": {"pseudonymise": self.pseudonymise},
            "metrics": {"snapshot_min_hours": self.snapshot_min_hours},
            "periods": [{"name": p.name, "start": p.start, "end": p.end} for p in self.periods],
        }
        tmp = folder / (CONFIG_NAME + ".tmp")
        with open(tmp, "wb") as fh:
            tomli_w.dump(data, fh)
        tmp.replace(folder / CONFIG_NAME)  # atomic: an interrupted save leaves the old file


def check_timezone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"'{name}' is not a time zone name; use an IANA name such as Asia/Bishkek.") from None


def _as_date(value: object) -> date:
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
