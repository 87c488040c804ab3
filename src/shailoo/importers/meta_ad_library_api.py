"""Meta Ad Library API JSON: ads from the Graph API's `ads_archive` edge (developers.facebook.com/docs/
graph-api/reference/archived-ad).

Accepted shapes: API pages (`{"data": [ads…], "paging": {…}}`), one per line or several in a file, a
bare array of ads, or one ad per line. Fields read: `id`, `page_id`, `page_name`, `bylines` (the paying
entity; the older `funding_entity` when `bylines` is absent), `ad_creation_time`,
`ad_delivery_start_time`, `ad_delivery_stop_time`, `spend`, `impressions` and
`estimated_audience_size` (each `{lower_bound, upper_bound}`, strings; a bound left out is unknown),
`currency`, `ad_creative_bodies`, `ad_creative_link_titles`, `publisher_platforms`, `languages`,
`ad_snapshot_url` is not kept (it carries the collector's access token): the ad's public Ad Library
page is stored instead. Times are ISO (`2021-01-05T08:00:00+0000`) or dates (`2021-01-05`, taken as midnight
UTC). An ad seen again in a later file is updated (its spend grows while it runs).

The file is read through the bounded JSON reader (importers/jsonstream.py): a broken ad is quarantined
and reading goes on at the next one.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator

from shailoo.errors import WrongFormat
from shailoo.importers.base import ImporterInfo, Source, row_error, shown
from shailoo.importers.jsonstream import Item, JsonProblem, PageStart, Paging, bounded_first_object, \
    iter_json_documents
from shailoo.importers.meta_ad_library_common import KIND, AdRecord, bounds, require_loader
from shailoo.importers.parse import BadValue, clean_text, parse_time
from shailoo.records import RowError, Skipped

FORMAT = ImporterInfo(
    id="meta_ad_library_api",
    name="Meta Ad Library API JSON",
    description="Meta Ad Library API (ads_archive) responses or their ads: spend and impressions ranges, bylines",
    extensions=(".json", ".jsonl"),
)
KIND = KIND

_AD_KEYS = ("ad_delivery_start_time", "ad_snapshot_url", "bylines", "ad_creative_bodies", "spend",
            "ad_creation_time", "funding_entity", "publisher_platforms")
_AD_HINT = re.compile(r'"(?:%s)"\s*:' % "|".join(_AD_KEYS))
MAX_LIST = 100  # creative bodies, titles, platforms, languages kept per ad
MAX_TEXT = 20_000  # characters of one creative body


def _looks_like_ad(obj: Any) -> bool:
    return isinstance(obj, dict) and "id" in obj and any(k in obj for k in _AD_KEYS)


def _looks_like_page(obj: Any) -> bool:
    return isinstance(obj, dict) and isinstance(obj.get("data"), list)


_PAGING = Paging(items="data", looks_like_item=_looks_like_ad, looks_like_page=_looks_like_page, item_noun="ad")


def sniff(head: str, path: Path) -> bool:
    if len(_AD_HINT.findall(head[:20000])) < 2 or '"page_id"' not in head:
        return False
    first = bounded_first_object(head)
    return first is None or _looks_like_ad(first) or _looks_like_page(first) or "data" in head[:200]


def _ads(source: Source) -> Iterator[tuple[str, Any]]:
    for where, doc in iter_json_documents(source, lambda o: _looks_like_ad(o) or _looks_like_page(o), "ad", _PAGING):
        if isinstance(doc, PageStart):
            if "error" in doc.header:
                yield "bad", f"{where} is an API error response, not ads"
        elif isinstance(doc, Item):
            yield "ad", doc.value
        elif isinstance(doc, JsonProblem):
            yield "bad", doc
        elif _looks_like_page(doc):
            for item in doc["data"]:
                yield "ad", item
        elif isinstance(doc, list):
            for item in doc:
                yield "ad", item
        elif isinstance(doc, dict) and "error" in doc and "id" not in doc:
            yield "bad", f"{where} is an API error response, not ads"
        else:
            yield "ad", doc


def read(source: Source) -> Iterator[AdRecord | RowError | Skipped]:
    require_loader(source, "Meta Ad Library API data")
    number = 0
    recognised = False
    for what, item in _ads(source):
        number += 1
        if what == "bad":
            if isinstance(item, JsonProblem):
                if not recognised and number >= 20:
                    raise WrongFormat(f"{source.path.name} is not JSON ({item.reason}); expected Ad Library API "
                                      "responses ({\"data\": [ads…]}) or their ads.")
                yield RowError(number, item.reason, scrub(item.raw))
            else:
                yield RowError(number, item, "")
            continue
        if not _looks_like_ad(item):
            if not recognised and number == 1:
                raise WrongFormat(f"{source.path.name} is not Ad Library API data: expected ads with 'id', 'page_id', "
                                  "'spend' and delivery times (a response of the ads_archive edge).")
            yield _error(number, "not an ad (no 'id' with ad fields such as 'spend' or 'ad_delivery_start_time')", item)
            continue
        recognised = True
        try:
            yield _ad(item)
        except Exception as exc:  # BadValue, or hostile content: this ad is quarantined, the file goes on
            reason = str(exc) if isinstance(exc, BadValue) else f"the ad could not be read ({type(exc).__name__})"
            yield _error(number, reason[:300], item)


_TOKEN = re.compile(r"(access_token(?:=|%3D|\\?\"\s*:\s*\\?\"))[^&\"\\\s]*", re.IGNORECASE)


def scrub(raw: str) -> str:
    """`raw` without any access token (ad_snapshot_url carries the collector's: it must not be stored)."""
    return _TOKEN.sub(r"\1[removed]", raw) if "access_token" in raw.lower() else raw


def _error(number: int, reason: str, item: Any) -> RowError:
    error = row_error(number, reason, item)  # advertisers are public: nothing to pseudonymise
    error.raw = scrub(error.raw)
    return error


def _text(item: dict, key: str, size: int = 1000) -> str | None:
    value = item.get(key)
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and key.endswith("id"):
        value = str(value)
    if not isinstance(value, str):
        raise BadValue(f"'{key}' is {shown(value)}, not text")
    value = clean_text(value.strip())
    if value is not None and len(value) > size:
        raise BadValue(f"'{key}' is {len(value):,} characters long, more than {size:,}")
    return value


def _texts(item: dict, key: str) -> list[str]:
    value = item.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise BadValue(f"'{key}' is {shown(value)}, not a list")
    out = []
    for v in value[:MAX_LIST]:
        if not isinstance(v, str):
            raise BadValue(f"'{key}' holds {shown(v)}, not text")
        out.append(v[:MAX_TEXT])
    return out


def _time(item: dict, key: str):
    value = item.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, str) and re.fullmatch(r"\s*\d{4}-\d{2}-\d{2}\s*", value):
        value = value.strip() + "T00:00:00+00:00"
    return parse_time(value, key)


def _ad(item: dict) -> AdRecord:
    ad_id = _text(item, "id", 64)
    if not ad_id or not re.fullmatch(r"[0-9]{1,30}", ad_id):
        raise BadValue(f"ad id is {shown(item.get('id'))}, not an Ad Library id (digits)")
    page_id = _text(item, "page_id", 64)
    if page_id is not None and not page_id.isdigit():
        raise BadValue(f"page_id is {shown(page_id)}, not a Facebook page id (digits)")
    start, stop = _time(item, "ad_delivery_start_time"), _time(item, "ad_delivery_stop_time")
    if start and stop and stop < start:
        raise BadValue("ad_delivery_stop_time is before ad_delivery_start_time")
    spend = bounds(item.get("spend"), "spend", money=True)
    currency = _text(item, "currency", 8)
    if currency is not None and not re.fullmatch(r"[A-Za-z]{3}", currency):
        raise BadValue(f"currency is {shown(currency)}, not a three-letter currency code")
    return AdRecord(
        ad_id=ad_id,
        page_id=page_id,
        page_name=_text(item, "page_name"),
        bylines=_text(item, "bylines") if item.get("bylines") is not None else _text(item, "funding_entity"),
        created_at=_time(item, "ad_creation_time"),
        delivery_start=start,
        delivery_stop=stop,
        spend_lower=spend[0], spend_upper=spend[1],
        impressions_lower=(imp := bounds(item.get("impressions"), "impressions"))[0], impressions_upper=imp[1],
        audience_lower=(aud := bounds(item.get("estimated_audience_size"), "estimated_audience_size"))[0],
        audience_upper=aud[1],
        currency=currency.upper() if currency else None,
        bodies=_texts(item, "ad_creative_bodies"),
        link_titles=_texts(item, "ad_creative_link_titles"),
        platforms=[p.lower() for p in _texts(item, "publisher_platforms")],
        languages=_texts(item, "languages"),
        # the API's ad_snapshot_url carries the collector's access token: never stored; the public page instead
        snapshot_url=f"https://www.facebook.com/ads/library/?id={ad_id}",
    )
