"""Meta Ad Library API JSON: ads with spend/impressions ranges, bylines, delivery dates; bad ads quarantined."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from shailoo import importers
from shailoo.errors import WrongFormat
from shailoo.store.ads import load_into
from tests.conftest import DATA

API = DATA / "meta_ad_library" / "ads_archive_kg.json"


def ads(ws) -> dict:
    cur = ws.con.execute("SELECT * FROM ads")
    names = [d[0] for d in cur.description]
    return {r[0]: dict(zip(names, r)) for r in cur.fetchall()}


def test_detected():
    assert importers.detect(API).FORMAT.id == "meta_ad_library_api"


def test_ads_with_ranges(workspace):
    result = load_into(workspace, API)
    assert (result.records, result.imported, result.quarantined) == (7, 4, 3)
    got = ads(workspace)
    first = got["2001"]
    assert (first["spend_lower"], first["spend_upper"]) == (100, 199)
    assert (first["impressions_lower"], first["impressions_upper"]) == (10000, 14999)
    assert first["bylines"] == "Babyrjan Tolbaev" and first["currency"] == "USD"
    assert first["platforms"] == ["facebook", "instagram"] and first["bodies"] == ["Шайлоо 2021: добуш бергиле!"]
    assert first["delivery_start"] == datetime(2020, 12, 10, tzinfo=timezone.utc)
    assert first["url"] == "https://www.facebook.com/ads/library/?id=2001"
    open_top = got["2002"]  # the top bucket of impressions has no upper bound: unknown, not 0
    assert open_top["impressions_lower"] == 1_000_000 and open_top["impressions_upper"] is None
    assert open_top["delivery_stop"] is None
    no_spend = got["2004"]
    assert no_spend["spend_lower"] is None and no_spend["spend_upper"] is None
    reasons = " | ".join(r[0] for r in workspace.con.execute("SELECT reason FROM quarantine").fetchall())
    assert "above its upper_bound" in reasons and "not an Ad Library id" in reasons and "before 2004" in reasons


def test_access_tokens_are_never_stored(workspace):
    load_into(workspace, API)
    stored = repr(workspace.con.execute("SELECT * FROM ads").fetchall()) + repr(
        workspace.con.execute("SELECT * FROM quarantine").fetchall())
    assert "EAABsecrettoken123" not in stored


def test_a_later_file_updates_an_ad(workspace, tmp_path):
    load_into(workspace, API)
    data = json.loads(API.read_text(encoding="utf-8"))
    data["data"][0]["spend"] = {"lower_bound": "200", "upper_bound": "299"}
    later = tmp_path / "later.json"
    later.write_text("\n".join(json.dumps({"data": [ad]}) for ad in data["data"][:4]), encoding="utf-8")  # JSONL pages
    result = load_into(workspace, later)
    assert (result.imported, result.updated, result.unchanged) == (0, 1, 3)
    assert ads(workspace)["2001"]["spend_upper"] == 299 and ads(workspace)["2001"]["last_import_id"] == 2


def test_bare_array_and_broken_json(workspace, tmp_path):
    path = tmp_path / "ads.json"
    path.write_text('[{"id": "1", "page_id": "5", "spend": {"lower_bound": "0", "upper_bound": "99"}, '
                    '"ad_delivery_start_time": "2021-01-01"}, {"id": "2", "page_id": "5", "spend": {"lower_b', encoding="utf-8")
    result = load_into(workspace, path, format_id="meta_ad_library_api")
    assert result.imported == 1 and result.quarantined == 1


def test_not_ads(workspace, tmp_path):
    path = tmp_path / "other.json"
    path.write_text('[{"id": "1", "name": "x"}]', encoding="utf-8")
    with pytest.raises(WrongFormat, match="not Ad Library API data"):
        load_into(workspace, path, format_id="meta_ad_library_api")
