"""Seconds per MB for one long text in each JSON format, read by the importer (no workspace).

    python benchmarks/long_texts.py [MB ...]          # default: 1 5 10 20

For each size, one file per format holds three posts, the middle one with a text of about that many
megabytes (UTF-8, Cyrillic). With shailoo's bounds (a record above 16 MiB of JSON, a text above
1,000,000 characters) such a post is quarantined; `--unbounded` lifts the bounds to show that
reading stays linear when a text is kept. Prints one line per (format, size): seconds, s/MB, and what
the long post became.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from shailoo.importers import base, jsonscan, jsonstream, telegram_desktop, telethon, twitter, vk, youtube
from shailoo.importers.base import Source


def _files(folder: Path, mb: float) -> dict:
    text = ("Шайлоо шайлоо election " * (int(mb * 1_000_000) // 33 + 1))[: int(mb * 1_000_000 / 1.6)]
    date = "2025-02-01T10:00:00+00:00"

    def tg(i, t="короткий"):
        return {"message_id": i, "sender_id": -1001555000000, "text": t, "date": date}

    def desk(i, t="короткий"):
        return {"id": i, "type": "message", "date_unixtime": str(1738404000 + i), "from_id": "channel7",
                "text": [t, {"type": "bold", "text": "!"}], "text_entities": [{"type": "plain", "text": t}]}

    def post(i, t="короткий"):
        return {"id": i, "owner_id": -5, "from_id": -5, "date": 1738404000 + i, "text": t}

    def video(i, t="короткий"):
        return {"kind": "youtube#video", "id": f"abcdefghij{i}", "snippet": {"publishedAt": date, "description": t,
                "channelId": "UC" + "x" * 22}, "statistics": {"viewCount": "1"}}

    def tweet(i, t="короткий"):
        return {"id": str(i), "author_id": "1", "created_at": date, "text": t, "public_metrics": {"like_count": 1}}

    docs = {
        telegram_desktop: json.dumps({"name": "c", "type": "public_channel", "id": 7,
                                      "messages": [desk(1), desk(2, text), desk(3)]}, ensure_ascii=False, indent=1),
        telethon: json.dumps([tg(1), tg(2, text), tg(3)], ensure_ascii=False, indent=1),
        vk: "\n".join(json.dumps({"response": {"items": [post(i, t)]}}, ensure_ascii=False)
                      for i, t in ((1, "к"), (2, text), (3, "к"))),
        youtube: json.dumps({"items": [video(1), video(2, text), video(3)]}, ensure_ascii=False),
        twitter: "\n".join(json.dumps({"data": [tweet(i, t)]}, ensure_ascii=False)
                           for i, t in ((1, "к"), (2, text), (3, "к"))),
    }
    paths = {}
    for module, doc in docs.items():
        path = folder / f"{module.FORMAT.id}-{mb}.json"
        path.write_text(doc, encoding="utf-8")
        paths[module] = path
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=float, default=[1, 5, 10, 20])
    parser.add_argument("--unbounded", action="store_true", help="lift the record and text bounds")
    args = parser.parse_args()
    if args.unbounded:
        for module in (jsonscan, jsonstream):  # the scanner and the record reader both read the bounds
            module.MAX_RECORD_BYTES = module.MAX_DOCUMENT_BYTES = 1 << 40
        base.MAX_TEXT_CHARS = 1 << 40
    with tempfile.TemporaryDirectory() as tmp:
        for mb in args.sizes:
            for module, path in _files(Path(tmp), mb).items():
                size = path.stat().st_size / 1e6
                start = time.perf_counter()
                records = list(module.read(Source(path)))
                seconds = time.perf_counter() - start
                middle = records[1]
                what = "kept" if not hasattr(middle, "reason") else "quarantined: " + middle.reason[:60]
                print(f"{module.FORMAT.id:17} {size:6.1f} MB  {seconds:6.2f} s  {seconds / size:6.3f} s/MB  {what}")


if __name__ == "__main__":
    main()
