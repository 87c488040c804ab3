"""The report's words and numbers in the reader's language: one message catalogue per language
(report/locales/<lang>.yaml, flat keys) and Babel's CLDR rules for numbers and dates.

`Tr(lang, tz)` is passed to everything that writes text for the reader: `tr("key", n=...)` looks
up a message (English when a key is missing, so a gap shows in English, never as a key), and
`tr.num`, `tr.pct`, `tr.date`, `tr.datetime` format values for the locale, times in the
workspace's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo

import yaml

from shailoo.errors import UsageError

LANGUAGES = ("en", "ru", "ky")


@cache
def catalogue(lang: str) -> dict[str, str]:
    text = resources.files("shailoo.report").joinpath("locales", f"{lang}.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text) or {}
    return {str(k): str(v) for k, v in data.items()}


def check_language(lang: str) -> str:
    lang = (lang or "en").strip().lower()
    if lang not in LANGUAGES:
        raise UsageError(f"The report is written in {', '.join(LANGUAGES)}, not '{lang}'; use --lang en, ru or ky.")
    return lang


class Tr:
    """Messages and formats of one language (en, ru, ky) and one time zone."""

    def __init__(self, lang: str = "en", tz: str = "UTC") -> None:
        from babel import Locale

        self.lang = check_language(lang)
        self.locale = Locale.parse(self.lang)
        self.tz = ZoneInfo(tz)
        self.messages = catalogue(self.lang)
        self.fallback = catalogue("en")

    def __call__(self, key: str, **values) -> str:
        text = self.messages.get(key) or self.fallback.get(key)
        if text is None:
            raise KeyError(f"no message '{key}' in the report's catalogue")
        if not values:
            return text
        # "… 2026 г.." : a value ending in a full stop before the message's own
        return text.format(**{k: self._value(v) for k, v in values.items()}).replace("..", ".")

    def has(self, key: str) -> bool:
        return key in self.fallback

    def _value(self, v):
        if isinstance(v, bool):
            return v
        if isinstance(v, (int, float)):
            return self.num(v)
        if isinstance(v, datetime):
            return self.datetime(v)
        if isinstance(v, date):
            return self.date(v)
        return v

    # -- numbers ---------------------------------------------------------------------------------
    def num(self, value, digits: int | None = None) -> str:
        from babel.numbers import format_decimal

        if value is None:
            return "—"
        if isinstance(value, int) or digits == 0:
            return format_decimal(round(value), format="#,##0", locale=self.locale)
        fmt = "#,##0." + "0" * (digits if digits is not None else 1)
        return format_decimal(value, format=fmt, locale=self.locale)

    def pct(self, value, digits: int = 1) -> str:
        """A value already in percent (12.5 -> '12.5%'); small rates keep significant digits."""
        from babel.numbers import format_decimal

        if value is None:
            return "—"
        if value != 0 and abs(value) < 0.1:
            digits = 3
        text = format_decimal(value, format="#,##0." + "0" * digits, locale=self.locale)
        return text + ("\u00a0%" if self.lang != "en" else "%")

    def compact(self, value) -> str:
        """1,234,567 -> '1.2M' / '1,2 млн' for the summary strip."""
        from babel.numbers import format_compact_decimal

        if value is None:
            return "—"
        if abs(value) < 10_000:
            return self.num(value)
        return format_compact_decimal(value, locale=self.locale, fraction_digits=1)

    # -- dates -----------------------------------------------------------------------------------
    def date(self, value, fmt: str = "medium") -> str:
        from babel.dates import format_date

        if value is None:
            return "—"
        if isinstance(value, datetime):
            value = self.local(value).date()
        return format_date(value, fmt, locale=self.locale)

    def short_date(self, value) -> str:
        """A day without its year, for weeks and axes ('16 Feb', '16 февр.')."""
        from babel.dates import format_skeleton

        return format_skeleton("MMMd", value, locale=self.locale)

    def local(self, value: datetime) -> datetime:
        if value.tzinfo is None:  # naive times from the store are UTC
            value = value.replace(tzinfo=UTC)
        return value.astimezone(self.tz)

    def datetime(self, value) -> str:
        from babel.dates import format_datetime

        if value is None:
            return "—"
        return format_datetime(self.local(value), "short", tzinfo=self.tz, locale=self.locale)

    def span(self, start, end) -> str:
        if start is None:
            return "—"
        return f"{self.date(start, 'long')} – {self.date(end, 'long')}"

    # -- names -----------------------------------------------------------------------------------
    def column(self, name: str) -> str:
        if self.has(f"col.{name}"):
            return self(f"col.{name}")
        if self.has(f"cats.{name}"):  # a column per category (weekly tables)
            return self(f"cats.{name}")
        return name

    def category(self, name: str | None, plural: bool = False) -> str:
        key = f"{'cats' if plural else 'cat'}.{name or 'unregistered'}"
        return self(key) if self.has(key) else str(name)

    def platform(self, name: str | None) -> str:
        key = f"platform.{name}"
        return self(key) if self.has(key) else str(name)

    def language_name(self, code: str | None) -> str:
        """A language code of the identifier ('ru', 'kk-Latn', 'ru+ky', 'other') in the reader's language."""
        if not code or code == "other":
            return self("lang.other")
        if "+" in code:
            return " + ".join(self.language_name(c) for c in code.split("+"))
        base, _, script = code.partition("-")
        name = self.locale.languages.get(base) or code
        if script:
            name += f" ({self.locale.scripts.get(script, script)})"
        return name

    def post_type(self, value: str | None) -> str:
        if not value:
            return "—"
        key = "ptype." + value.strip().lower().replace(" ", "_")
        return self(key) if self.has(key) else value

    def vega_format_locale(self) -> dict:
        """d3-format locale for vl-convert: the CLDR decimal and group symbols."""
        sym = self.locale.number_symbols.get("latn", self.locale.number_symbols) \
            if hasattr(self.locale.number_symbols, "get") else {}
        group = sym.get("group", ",")
        return {"decimal": sym.get("decimal", "."), "thousands": "\u00a0" if group.isspace() else group,
                "grouping": [3], "currency": ["", ""]}

    def vega_time_locale(self) -> dict:
        """d3-time-format locale from CLDR month and day names."""
        loc = self.locale
        months = [loc.months["stand-alone"]["wide"][i] for i in range(1, 13)]
        short = [loc.months["format"]["abbreviated"][i] for i in range(1, 13)]
        days = [loc.days["stand-alone"]["wide"][i] for i in (6, 0, 1, 2, 3, 4, 5)]  # d3 starts on Sunday
        sdays = [loc.days["stand-alone"]["abbreviated"][i] for i in (6, 0, 1, 2, 3, 4, 5)]
        return {"dateTime": "%x %X", "date": "%d.%m.%Y" if self.lang != "en" else "%m/%d/%Y", "time": "%H:%M:%S",
                "periods": ["AM", "PM"], "days": days, "shortDays": sdays, "months": months, "shortMonths": short}
