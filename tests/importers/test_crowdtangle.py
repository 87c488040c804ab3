"""CrowdTangle CSV: real export, locale quirks, groups, Instagram, malformed rows."""

from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from shailoo.errors import WrongFormat
from shailoo.importers import crowdtangle, detect
from shailoo.importers.base import Source
from shailoo.store.loader import import_file
from tests.conftest import DATA

CT = DATA / "crowdtangle"
MALFORMED = CT / "2021-01-05-10-00-00-KGT-Historical-Report-malformed.csv"


def _csv_records(path: Path) -> int:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return sum(1 for _ in csv.reader(fh)) - 1


@pytest.mark.shared
def test_real_export_every_record_accounted_for(workspace, real):
    path = next((real / "crowdtangle").glob("*.csv"))
    result = import_file(workspace, path)
    assert result.format == "crowdtangle"
    assert result.records == _csv_records(path) == 10
    assert result.imported + result.updated + result.quarantined + result.skipped == result.records
    assert result.imported == 10 and result.quarantined == 0
    # 'Total Interactions' 407.137 (thousands dot) = reactions + comments + shares
    row = workspace.con.execute(
        """SELECT e.reactions + e.comments + e.shares, p.overperforming_score, p.created_at, e.measured_at
           FROM posts p JOIN engagement_snapshots e USING (post_id)
           WHERE p.platform_post_id = '345428873810280'""").fetchone()
    assert row[0] == 407137
    assert row[1] == pytest.approx(1.4)
    assert row[2] == datetime(2021, 7, 5, 21, 2, 45, tzinfo=timezone.utc)  # 18:02:45 BRT (-3)
    assert row[3] == datetime(2021, 7, 6, 1, 49, 20, tzinfo=timezone.utc)  # export time from the file name
    # placeholders mean unknown, not zero
    assert workspace.con.execute("SELECT count(*) FROM follower_snapshots").fetchone()[0] == 10


@pytest.mark.shared
def test_real_export_reimport_changes_nothing(workspace, real):
    path = next((real / "crowdtangle").glob("*.csv"))
    import_file(workspace, path)
    before = workspace.con.execute("SELECT (SELECT count(*) FROM posts), (SELECT count(*) FROM engagement_snapshots)").fetchone()
    again = import_file(workspace, path)
    after = workspace.con.execute("SELECT (SELECT count(*) FROM posts), (SELECT count(*) FROM engagement_snapshots)").fetchone()
    assert before == after == (10, 10)
    assert (again.imported, again.updated, again.skipped) == (0, 0, 10)


def test_malformed_rows_are_quarantined_with_reasons(workspace):
    result = import_file(workspace, MALFORMED)
    assert result.records == 14
    assert result.imported == 6
    assert result.quarantined == 8
    assert result.imported + result.updated + result.quarantined + result.skipped == result.records
    reasons = dict(workspace.con.execute("SELECT record_number, reason FROM quarantine").fetchall())
    assert set(reasons) == {6, 7, 8, 9, 10, 11, 12, 14}
    assert "no post id" in reasons[6]
    assert "not a date and time" in reasons[7]
    assert "'many'" in reasons[8] and "'-5'" in reasons[9] and "'3.7.1'" in reasons[10] and "'1e999999'" in reasons[11]
    assert "XYZT" in reasons[12]
    assert "fields" in reasons[14]
    raw = workspace.con.execute("SELECT raw FROM quarantine WHERE record_number = 8").fetchone()[0]
    assert json.loads(raw)["Likes"] == "many"


def test_times_zones_and_locale_numbers(workspace):
    import_file(workspace, MALFORMED)
    rows = {pid: (created, likes, comments, shares, followers) for pid, created, likes, comments, shares, followers in
            workspace.con.execute(
                """SELECT p.platform_post_id, p.created_at, e.likes, e.comments, e.shares, f.followers
                   FROM posts p JOIN engagement_snapshots e USING (post_id)
                   LEFT JOIN follower_snapshots f ON f.account_id = p.account_id AND f.measured_at = p.created_at"""
            ).fetchall()}
    utc = timezone.utc
    assert rows["1"][0] == datetime(2021, 1, 3, 17, 30, tzinfo=utc)   # 23:30 KGT (+6)
    assert rows["2"][0] == datetime(2021, 1, 3, 12, 0, tzinfo=utc)    # ALMT +6
    assert rows["3"][0] == datetime(2021, 1, 3, 13, 0, tzinfo=utc)    # UZT +5
    assert rows["4"][0] == datetime(2021, 1, 3, 6, 0, tzinfo=utc)     # +06
    assert rows["5"][0] == datetime(2021, 1, 3, 10, 0, tzinfo=utc)    # EET +2
    assert rows["2"][1] == 1234 and rows["3"][1] == 407137
    assert rows["4"][2] is None          # '-' is unknown, not zero
    assert rows["5"][3] is None          # 'N/A'
    assert rows["1"][4] == 1234          # 'Followers at Posting' 1.234
    offset = workspace.con.execute(
        "SELECT created_utc_offset_minutes FROM posts WHERE platform_post_id = '3'").fetchone()[0]
    assert offset == 300


def test_multiline_text_is_normalised_and_extracted(workspace):
    import_file(workspace, MALFORMED)
    text, norm, urls, domains, mentions = workspace.con.execute(
        "SELECT text, text_norm, urls, link_domains, mentions FROM posts WHERE platform_post_id = '13'").fetchone()
    assert "Рабoта" in text and "\n" in text          # original kept as published
    assert norm.startswith("Работа и дом")            # Latin o folded
    assert urls == ["https://kaktus.media/doc/1.html"]
    assert domains == ["kaktus.media"]
    assert mentions == ["user_1"]
    tags = workspace.con.execute("SELECT hashtags FROM posts WHERE platform_post_id = '1'").fetchone()[0]
    assert tags == ["шайлоо2026"]


def test_group_export(workspace):
    result = import_file(workspace, CT / "group.csv")
    assert (result.format, result.imported) == ("crowdtangle", 2)
    ids = [r[0] for r in workspace.con.execute("SELECT platform_post_id FROM posts ORDER BY 1").fetchall()]
    assert ids == ["9001", "9002"]
    name = workspace.con.execute("SELECT name FROM accounts").fetchone()[0]
    assert name == "Мигранты в Москве"


def test_instagram_export(workspace):
    result = import_file(workspace, CT / "instagram.csv")
    assert result.imported == 2
    rows = workspace.con.execute(
        """SELECT p.platform, p.platform_post_id, e.reactions, e.comments, e.views, p.overperforming_score
           FROM posts p JOIN engagement_snapshots e USING (post_id) ORDER BY p.created_at""").fetchall()
    assert rows[0] == ("instagram", "CJxYz12AbC", 1500, 20, 0, pytest.approx(3.2))
    assert rows[1][4] == 10000


def test_later_export_adds_snapshot_not_post(workspace, tmp_path):
    first = tmp_path / "2021-01-12-10-00-00-KGT-Historical-Report.csv"  # posts are from 10 and 11 January
    later = tmp_path / "2021-01-16-10-00-00-KGT-Historical-Report.csv"
    text = (CT / "instagram.csv").read_text(encoding="utf-8")
    first.write_text(text, encoding="utf-8")
    later.write_text(text.replace("1.500", "2.100"), encoding="utf-8")
    import_file(workspace, first)
    result = import_file(workspace, later)
    assert (result.imported, result.updated, result.skipped) == (0, 2, 0)
    assert workspace.con.execute("SELECT count(*) FROM posts").fetchone()[0] == 2
    snaps = workspace.con.execute(
        "SELECT measured_at, reactions FROM engagement_snapshots ORDER BY measured_at, reactions").fetchall()
    assert len(snaps) == 4
    assert snaps[-1][0] - snaps[0][0] == timedelta(days=4)
    assert max(s[1] for s in snaps) == 2100


def test_detection_and_wrong_format(tmp_path):
    assert detect(MALFORMED) is crowdtangle
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(WrongFormat, match="not a format shailoo recognises"):
        detect(other)


def test_forced_format_on_wrong_file(workspace, tmp_path):
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(WrongFormat, match="not a CrowdTangle CSV export"):
        import_file(workspace, other, "crowdtangle")
    assert workspace.con.execute("SELECT count(*) FROM imports").fetchone()[0] == 0


def test_export_time_from_file_name():
    t = crowdtangle.export_time(Path("2021-07-05-22-49-20-BRT-search-csv-export.csv"))
    assert t == datetime(2021, 7, 5, 22, 49, 20, tzinfo=timezone(timedelta(hours=-3)))
    assert crowdtangle.export_time(Path("export.csv")) is None


def test_post_key_is_the_same_with_or_without_the_facebook_id_column(workspace, tmp_path):
    with_id = tmp_path / "2021-01-06-10-00-00-KGT-a.csv"
    without = tmp_path / "2021-01-08-10-00-00-KGT-b.csv"
    with_id.write_text("Page Name,Facebook Id,Post Created,Likes,URL\n"
                       "Жапаров,111,2021-01-03 12:00:00 KGT,5,https://www.facebook.com/111/posts/9\n", encoding="utf-8")
    without.write_text("Page Name,Post Created,Likes,URL\n"
                       "Жапаров,2021-01-03 12:00:00 KGT,8,https://www.facebook.com/111/posts/9\n", encoding="utf-8")
    import_file(workspace, with_id)
    later = import_file(workspace, without)
    assert (later.imported, later.updated) == (0, 1)
    assert workspace.con.execute("SELECT platform_post_id, account_id FROM posts").fetchall() == [("9", "111")]


def _variants(src: Path, out: Path) -> list[Path]:
    """The same export three ways: as exported; without 'Facebook Id' and with vanity page URLs;
    with the ids re-saved by a spreadsheet as '….0' and in scientific notation."""
    with open(src, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    fid, url, user = header.index("Facebook Id"), header.index("URL"), header.index("User Name")
    vanity = [[c for i, c in enumerate(r) if i != fid] for r in body]
    for r, orig in zip(vanity, body):
        r[url - 1] = orig[url].replace(f"/{orig[fid]}/", f"/{orig[user]}/")
    floats = [list(r) for r in body]
    for n, r in enumerate(floats):
        r[fid] = f"{r[fid]}.0" if n % 2 else f"{int(r[fid]):.14E}".replace("E+", "E+")
    paths = []
    for name, head, data in (("2021-07-05-22-49-20-BRT-a.csv", header, body),
                             ("2021-07-06-22-49-20-BRT-b.csv", [h for i, h in enumerate(header) if i != fid], vanity),
                             ("2021-07-07-22-49-20-BRT-c.csv", header, floats)):
        path = out / name
        with open(path, "w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows([head, *data])
        paths.append(path)
    return paths


@pytest.mark.shared
def test_the_same_posts_exported_three_ways_are_the_same_posts(workspace, real, tmp_path):
    paths = _variants(next((real / "crowdtangle").glob("*.csv")), tmp_path)
    assert "E+14" in paths[2].read_text(encoding="utf-8") and "neymarjr/posts" in paths[1].read_text(encoding="utf-8")
    results = [import_file(workspace, paths[0])]
    accounts = workspace.con.execute("SELECT platform_post_id, account_id FROM posts ORDER BY 1").fetchall()
    for path in paths[1:]:
        results.append(import_file(workspace, path))
        # the vanity export names pages by handle: its posts stay filed under the pages' numeric ids
        assert workspace.con.execute("SELECT platform_post_id, account_id FROM posts ORDER BY 1").fetchall() == accounts
    assert [r.imported for r in results] == [10, 0, 0]
    assert workspace.con.execute("SELECT count(*) FROM posts").fetchone()[0] == 10
    per_post = workspace.con.execute("SELECT count(*) FROM engagement_snapshots GROUP BY post_id").fetchall()
    assert sorted(n for (n,) in per_post) == [3] * 10
    assert all(account.isdigit() for _, account in accounts)


@pytest.mark.parametrize("facebook_id, account", [
    ("   ", "111"),                       # spaces: absent, the page id comes from the URL
    ("111.0", "111"),                     # re-saved as a decimal number
    ("1.00050295107499E+14", "100050295107499"),  # scientific, every digit still there
    ("1.0005029510749E+14", "111"),       # scientific with digits lost: not trusted
    ("abc", "111"),
])
def test_facebook_id_as_spreadsheets_spoil_it(tmp_path, facebook_id, account):
    path = tmp_path / "x.csv"
    path.write_text("Page Name,Facebook Id,Post Created,Likes,URL\n"
                    f'Жапаров,"{facebook_id}",2021-01-03 12:00:00 KGT,5,https://www.facebook.com/111/posts/9\n',
                    encoding="utf-8")
    (record,) = crowdtangle.read(Source(path))
    assert (record.platform_post_id, record.account_id) == ("9", account)


@pytest.mark.parametrize("url, key", [
    ("https://www.facebook.com/permalink.php?story_fbid=123&id=456", "123"),
    ("https://www.facebook.com/page/photos/a.111/222/?type=3", "222"),
    ("https://www.facebook.com/watch/?v=333", "333"),
    ("https://www.facebook.com/groups/222/permalink/9001/", "9001"),
    ("https://www.facebook.com/vanity.name/videos/444/", "444"),
])
def test_post_keys_from_every_url_form(tmp_path, url, key):
    path = tmp_path / "x.csv"
    path.write_text(f"Page Name,Post Created,Likes,URL\nЖапаров,2021-01-03 12:00:00 KGT,5,{url}\n", encoding="utf-8")
    (record,) = crowdtangle.read(Source(path))
    assert record.platform_post_id == key


def test_instagram_caption_is_the_posts_text(workspace):
    """Review of #8: an Instagram export's caption (its Description column) was not the post's text,
    so Instagram posts were left out of terms, kwic and language identification."""
    import_file(workspace, DATA / "crowdtangle" / "instagram.csv")
    rows = workspace.con.execute("SELECT text, description FROM posts WHERE platform = 'instagram'").fetchall()
    assert rows and all(text for text, _ in rows) and all(description is None for _, description in rows)
