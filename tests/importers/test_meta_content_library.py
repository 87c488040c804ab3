"""Meta Content Library CSV: Facebook and Instagram layouts of the data dictionary, header variants, bad rows."""

from __future__ import annotations

import csv
import json
from datetime import datetime, timezone

import pytest

from shailoo.errors import WrongFormat
from shailoo.importers import detect, meta_content_library as mcl
from shailoo.importers.base import Source, read_head
from shailoo.records import PostRecord
from shailoo.store.loader import import_file
from tests.conftest import DATA

MCL = DATA / "meta_content_library"
FACEBOOK = MCL / "facebook-posts.csv"
INSTAGRAM = MCL / "instagram-posts.csv"
DISPLAY = MCL / "content-library-display-names.csv"


def _rows(path, delimiter=",") -> int:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return sum(1 for _ in csv.reader(fh, delimiter=delimiter)) - 1


@pytest.mark.parametrize("path", [FACEBOOK, INSTAGRAM, DISPLAY], ids=lambda p: p.name)
def test_every_record_accounted_for(workspace, path):
    assert detect(path) is mcl
    result = import_file(workspace, path)
    assert result.format == "meta_content_library"
    assert result.records == _rows(path, ";" if path is DISPLAY else ",")
    assert result.imported + result.updated + result.quarantined + result.skipped == result.records
    again = import_file(workspace, path)
    assert again.imported == 0 and again.updated == 0
    assert again.imported + again.updated + again.quarantined + again.skipped == again.records


def test_facebook_posts(workspace):
    result = import_file(workspace, FACEBOOK)
    assert (result.records, result.imported, result.quarantined, result.skipped) == (12, 4, 7, 1)
    rows = {r[0]: r[1:] for r in workspace.con.execute(
        """SELECT p.platform_post_id, p.platform, p.account_id, p.created_at, p.language, p.is_edited, p.sponsor_id,
                  p.link, p.link_text, p.media_type, e.reactions, e.likes, e.love, e.care, e.comments, e.shares, e.views
           FROM posts p JOIN engagement_snapshots e USING (post_id)""").fetchall()}
    assert rows["784512369852147"] == ("facebook", "100200300400500", datetime(2024, 2, 20, 8, 15, tzinfo=timezone.utc),
                                       "ky", False, None, None, None, "photos", 1523, 1200, 250, 20, 311, 97, 45210)
    edited = rows["784512369852148"]
    assert edited[2] == datetime(2024, 2, 21, 8, 2, 33, tzinfo=timezone.utc)  # +0600
    assert edited[4] is True and edited[6:8] == ("https://example.kg/program", "Программа")
    assert edited[15] is None  # fewer than 100 views: no value
    # reaction_count empty and the breakdown partly empty (unknown, not zero): reactions are unknown,
    # not 5 likes + 1 love
    assert rows["784512369852157"][9:11] == (None, 5)
    accounts = dict(workspace.con.execute("SELECT account_id, name FROM accounts").fetchall())
    assert accounts["100200300400500"] == "Kloop"
    # a profile posting in a group is a private individual: pseudonym, no name
    private = workspace.con.execute(
        """SELECT a.account_id, a.name, a.handle, a.is_pseudonymised FROM posts p JOIN accounts a USING (platform, account_id)
           WHERE p.platform_post_id = '784512369852149'""").fetchone()
    assert private[0].startswith("p_") and private[1:] == (None, None, True)
    assert "Айбек Частный" not in json.dumps(workspace.con.execute("SELECT * FROM accounts").fetchall(), default=str)


def test_facebook_malformed_rows(workspace):
    import_file(workspace, FACEBOOK)
    reasons = dict(workspace.con.execute("SELECT record_number, reason FROM quarantine").fetchall())
    assert set(reasons) == {4, 5, 6, 7, 8, 9, 10}
    assert "'many'" in reasons[4] and "statistics.share_count" in reasons[4]
    assert "-5" in reasons[5]
    assert "'3.7.1'" in reasons[6] and "'1e999999'" in reasons[7]
    assert "no post id" in reasons[8]
    assert "'yesterday'" in reasons[9]
    assert "fields" in reasons[10]
    raw = workspace.con.execute("SELECT raw FROM quarantine WHERE record_number = 4").fetchone()[0]
    assert json.loads(raw)["statistics.share_count"] == "many"


def test_instagram_underscored_headers(workspace):
    records = list(mcl.read(Source(INSTAGRAM)))
    assert [type(r).__name__ for r in records] == ["PostRecord", "PostRecord", "RowError"]
    business, personal = records[0], records[1]
    assert isinstance(business, PostRecord)
    assert (business.platform, business.reactions, business.likes, business.comments, business.views, business.shares) == (
        "instagram", 2500, 2500, 140, 81000, None)
    assert (business.account_handle, business.account_url, business.author_is_public) == (
        "kloop.kg", "https://www.instagram.com/kloop.kg", True)
    assert personal.author_is_public is False and personal.views is None
    assert records[2].record_number == 3 and "'1e999999'" in records[2].reason


def test_display_names_semicolons_and_platform_from_url(workspace):
    (post,) = list(mcl.read(Source(DISPLAY)))
    assert (post.platform, post.platform_post_id, post.likes, post.comments, post.url) == (
        "instagram", "3312456789012346001", 1234, 56, "https://www.instagram.com/p/C4abcDEF123/")


def test_platform_rules(tmp_path):
    header = "id,creation_time,post_owner.id,statistics.like_count,statistics.comment_count,url\n"
    plain = tmp_path / "export.csv"
    plain.write_text(header + "1,2024-01-01T00:00:00,9,1,1,\n2,2024-01-01T00:00:00,9,1,1,https://www.facebook.com/x/posts/2\n")
    assert [r.platform for r in mcl.read(Source(plain))] == ["instagram", "facebook"]
    named = tmp_path / "facebook-export.csv"
    named.write_text(plain.read_text())
    assert [r.platform for r in mcl.read(Source(named))] == ["facebook", "facebook"]


def test_sniff_and_wrong_format(workspace, tmp_path, real):
    for path in (FACEBOOK, INSTAGRAM, DISPLAY):
        assert mcl.sniff(read_head(path), path)
    others = [DATA / "twitter" / "search-pages.jsonl", DATA / "youtube" / "channels-list.json",
              DATA / "generic" / "ok-posts.csv"]
    others += [p for p in real.rglob("*") if p.is_file()] if real.is_dir() else []
    for path in others:
        assert not mcl.sniff(read_head(path), path), path
    crowdtangle = tmp_path / "ct.csv"
    crowdtangle.write_text("Page Name,User Name,Post Created,URL,Likes\nA,a,2021-01-01 10:00:00 UTC,https://x,1\n")
    with pytest.raises(WrongFormat, match="'id' and 'creation_time'"):
        import_file(workspace, crowdtangle, "meta_content_library")


def test_a_members_post_in_a_group_counts_for_the_registered_group(workspace, tmp_path):
    from shailoo.actors import import_registry

    registry = tmp_path / "actors.csv"
    registry.write_text("name,category,platform,account_id,handle,url\n"
                        "Шайлоо талкуу,public_group,facebook,777000222,,\n", encoding="utf-8")
    import_registry(workspace, registry)
    import_file(workspace, DATA / "meta_content_library" / "facebook-posts.csv")
    rows = workspace.con.execute(
        "SELECT actor, by_member, account_name FROM posts_v WHERE space_account_id = '777000222'").fetchall()
    assert rows == [("Шайлоо талкуу", True, None)]  # counted for the group, its private author unnamed
