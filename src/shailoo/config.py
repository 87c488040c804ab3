"""The workspace's small TOML config: project name, time zone, languages, periods, privacy.

The whole file is checked when it is loaded: a value that is not what shailoo expects stops with one
sentence naming the key and what it should be (ConfigError), never later in some analysis.

`Config` manages a few keys (MANAGED); `save()` rewrites those and keeps every other table and key
as the file holds them when it is saved ([collect], a team's own tables), so a command that saves
the config never drops what the user wrote. (Comments are not kept: TOML is rewritten from values.)
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import tomli_w

from shailoo.errors import ConfigError, UsageError, printable

CONFIG_NAME = "shailoo.toml"
DEFAULT_TIMEZONE = "Asia/Bishkek"
DEFAULT_LANGUAGES = ["ru", "ky", "kk", "uz", "en"]
MAX_SNAPSHOT_HOURS = 24 * 366  # a snapshot rule of more than a year measures nothing useful
# Files written by shailoo before 0.x began with `periods = []`; a `[[periods]]` block appended to
# them (as the docs show) redefines the key. Such a line is dropped when it makes the file invalid.
# The keys Config reads and writes; everything else in the file is the user's and is kept on save.
MANAGED = {"project": ("name", "timezone", "languages"), "privacy": ("pseudonymise",),
           "metrics": ("snapshot_min_hours",)}
_EMPTY_PERIODS = re.compile(r"(?m)^[ \t]*periods[ \t]*=[ \t]*\[[ \t]*\][ \t]*(#.*)?$")


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
    # The file's other tables and keys as loaded; kept on save (see the module docstring).
    extra: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        check_timezone(self.timezone)

    @classmethod
    def load(cls, folder: Path) -> "Config":
        path = folder / CONFIG_NAME
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            raise ConfigError(f"{printable(path)} is not UTF-8 text; save it as UTF-8.") from None
        except IsADirectoryError:
            raise ConfigError(f"{printable(path)} is a folder, not the workspace's config file.") from None
        except OSError as exc:
            raise ConfigError(f"Cannot read {printable(path)} ({exc.strerror or exc}); "
                              "check its permissions.") from None
        return cls.from_dict(_parse(text, path), folder)

    @classmethod
    def from_dict(cls, data: dict, folder: Path) -> "Config":
        v = _Validator(folder / CONFIG_NAME)
        project = v.table(data, "project")
        privacy = v.table(data, "privacy")
        metrics = v.table(data, "metrics")
        timezone = v.string(project, "project.timezone", DEFAULT_TIMEZONE, "an IANA time zone name such as Asia/Bishkek")
        try:
            check_timezone(timezone)
        except UsageError:
            v.fail("project.timezone", "an IANA time zone name such as Asia/Bishkek", timezone)
        languages = project.get("languages", DEFAULT_LANGUAGES)
        if not isinstance(languages, list) or not all(isinstance(x, str) for x in languages):
            v.fail("project.languages", 'a list of language codes such as ["ru", "ky"]', languages)
        pseudonymise = privacy.get("pseudonymise", True)
        if not isinstance(pseudonymise, bool):
            v.fail("privacy.pseudonymise", "true or false", pseudonymise)
        hours = metrics.get("snapshot_min_hours", 72.0)
        if (isinstance(hours, bool) or not isinstance(hours, (int, float)) or not math.isfinite(hours)
                or not 0 <= hours <= MAX_SNAPSHOT_HOURS):
            v.fail("metrics.snapshot_min_hours", f"a number of hours from 0 to {MAX_SNAPSHOT_HOURS}", hours)
        return cls(
            project=v.string(project, "project.name", printable(folder.name) or "workspace", "a text"),
            timezone=timezone,
            languages=list(languages),
            pseudonymise=pseudonymise,
            snapshot_min_hours=float(hours),
            periods=v.periods(data.get("periods", [])),
            extra=data,
        )

    def save(self, folder: Path) -> None:
        managed = {
            "project": {"name": self.project, "timezone": self.timezone, "languages": self.languages},
            "privacy": {"pseudonymise": self.pseudonymise},
            "metrics": {"snapshot_min_hours": self.snapshot_min_hours},
        }
        data = _unmanaged(_current(folder / CONFIG_NAME, self.extra))
        for table, values in managed.items():
            data[table] = {**values, **data.get(table, {})}  # managed keys first, the user's after them
            data[table].update(values)
        if self.periods:  # never `periods = []`: a [[periods]] block appended by hand would clash with it
            data["periods"] = [{"name": p.name, "start": p.start, "end": p.end} for p in self.periods]
        text = tomli_w.dumps(data)
        tmp = folder / (CONFIG_NAME + ".tmp")
        try:
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.write(text)
            tmp.replace(folder / CONFIG_NAME)  # atomic: an interrupted save leaves the old file
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise


def _current(path: Path, loaded: dict) -> dict:
    """The file's content now (a hand edit since loading is kept), else what was loaded."""
    try:
        return _parse(path.read_bytes().decode("utf-8"), path)
    except (OSError, UnicodeDecodeError, ConfigError):
        return loaded


def _unmanaged(data: dict) -> dict:
    """A copy of `data` without the keys Config writes itself (and without periods)."""
    import copy

    out = {k: copy.deepcopy(v) for k, v in data.items() if k != "periods"}
    for table, keys in MANAGED.items():
        if isinstance(out.get(table), dict):
            out[table] = {k: v for k, v in out[table].items() if k not in keys}
        else:
            out.pop(table, None)
    return out


def _parse(text: str, path: Path) -> dict:
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise ConfigError(f"{printable(path)} nests tables or arrays too deeply; fix it.") from None
    except tomllib.TOMLDecodeError as exc:
        if _EMPTY_PERIODS.search(text):
            try:
                return tomllib.loads(_EMPTY_PERIODS.sub("", text))
            except tomllib.TOMLDecodeError:
                pass
        raise ConfigError(f"{printable(path)} is not valid TOML ({exc}); fix that line "
                          "(see docs/workspace.md for the layout).") from None


class _Validator:
    """Checks values of one config file; every failure names the key and what it should be."""

    def __init__(self, path: Path) -> None:
        self.path = printable(path)

    def fail(self, key: str, expected: str, got: object) -> None:
        shown = repr(got) if not isinstance(got, (dict, list)) else type(got).__name__
        raise ConfigError(f"In {self.path}, {key} must be {expected}, not {shown[:80]}.")

    def table(self, data: dict, key: str) -> dict:
        value = data.get(key, {})
        if not isinstance(value, dict):
            self.fail(key, f"a table ([{key}])", value)
        return value

    def string(self, table: dict, key: str, default: str, expected: str) -> str:
        value = table.get(key.rsplit(".", 1)[-1], default)
        if not isinstance(value, str) or not value.strip():
            self.fail(key, expected, value)
        return value

    def periods(self, items: object) -> list[Period]:
        if not isinstance(items, list):
            self.fail("periods", "[[periods]] tables with name, start and end", items)
        periods: list[Period] = []
        for i, item in enumerate(items, start=1):
            where = f"period {i}"
            if not isinstance(item, dict):
                self.fail(where, "a table with name, start and end", item)
            name = item.get("name")
            if not isinstance(name, str) or not name.strip():
                self.fail(f"{where}: name", "a non-empty text", name)
            where = f"period '{name}'"
            start, end = (self._date(item.get(k), f"{where}: {k}") for k in ("start", "end"))
            if end < start:
                raise ConfigError(f"In {self.path}, {where} ends ({end}) before it starts ({start}); swap the dates.")
            if any(p.name == name for p in periods):
                raise ConfigError(f"In {self.path}, the period name '{name}' is used twice; give each period its own name.")
            periods.append(Period(name, start, end))
        return periods

    def _date(self, value: object, key: str) -> date:
        day = None
        if isinstance(value, date) and not isinstance(value, datetime):
            day = value
        elif isinstance(value, str):
            try:
                day = date.fromisoformat(value)
            except ValueError:
                pass
        if day is None or not period_day_ok(day):
            self.fail(key, f"a date written YYYY-MM-DD between {PERIOD_RANGE[0]} and {PERIOD_RANGE[1]}", value)
        return day


# Period dates outside this range are typos (0001-01-01, 9999-12-31) and would overflow date arithmetic.
PERIOD_RANGE = (date(2004, 1, 1), date(2100, 12, 31))


def period_day_ok(day: date) -> bool:
    return PERIOD_RANGE[0] <= day <= PERIOD_RANGE[1]


def check_timezone(name: str) -> ZoneInfo:
    try:
        if not isinstance(name, str):
            raise ValueError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError):
        raise UsageError(f"'{name}' is not a time zone name; use an IANA name such as Asia/Bishkek.") from None
