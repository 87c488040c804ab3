"""The metrics fixture (tests/data/metrics) plus Telegram channels whose counts are partly unknown.

Added to build_fixture's Facebook/Instagram posts (all counts known):
- Кабар (media, Telethon): post 71 on 05.01.2021 with views 1000, forwards 5, replies 3 and
  reactions 10 (interactions 18); post 72 on 06.01.2021 with no counts at all (no snapshot).
- Канал Б (media, Telegram Desktop export, which carries reactions but no views, forwards or
  replies): post 2 on 07.01.2021 with 7 reactions, post 3 on 08.01.2021 with 4 reactions.
- Тихий (influencer, Telegram): registered, no posts.
So on Telegram: 4 posts; interactions known for 1 (18), unknown for 3; reactions known for 3
(10 + 7 + 4 = 21), unknown for 1; views known for 1 (1000), unknown for 3.
"""

from __future__ import annotations

import json
from pathlib import Path

from shailoo.actors import import_registry
from shailoo.store.loader import import_file
from tests.report.fixture_workspace import build_fixture

REGISTRY = """name,category,platform,account_id,handle,url,aliases
Кабар,media,telegram,,kabar_demo,,Kabar|Кабар Ньюс
Канал Б,media,telegram,800800,kanal_b,,
Тихий,influencer,telegram,,tikhiy,,
"""

TELETHON = [
    {"_": "Message", "id": 71, "peer_id": {"_": "PeerChannel", "channel_id": 700700},
     "date": "2021-01-05T06:00:00+00:00", "message": "Новости дня: шайлоо", "views": 1000, "forwards": 5,
     "replies": {"_": "MessageReplies", "replies": 3},
     "reactions": {"_": "MessageReactions", "results": [
         {"_": "ReactionCount", "reaction": {"_": "ReactionEmoji", "emoticon": "👍"}, "count": 10}]},
     "username": "kabar_demo", "channel": "Кабар"},
    {"_": "Message", "id": 72, "peer_id": {"_": "PeerChannel", "channel_id": 700700},
     "date": "2021-01-06T06:00:00+00:00", "message": "Без счётчиков", "username": "kabar_demo", "channel": "Кабар"},
]


def _desktop() -> dict:
    def msg(i, day, n):
        return {"id": i, "type": "message", "date": f"2021-01-{day:02d}T12:00:00",
                "date_unixtime": str(1609459200 + (day - 1) * 86400 + 6 * 3600), "from": "Канал Б", "from_id": "channel800800",
                "text": f"Пост {i}", "text_entities": [{"type": "plain", "text": f"Пост {i}"}],
                "reactions": [{"type": "emoji", "count": n, "emoji": "👍"}]}
    return {"name": "Канал Б", "type": "public_channel", "id": 800800,
            "messages": [msg(2, 7, 7), msg(3, 8, 4)]}


def build_unknown_fixture(path: Path, results: bool = False):
    ws = build_fixture(path, results=results)
    extra = path.parent / (path.name + "-exports")
    extra.mkdir(parents=True, exist_ok=True)
    (extra / "registry.csv").write_text(REGISTRY, encoding="utf-8")
    import_registry(ws, extra / "registry.csv", replace=False)  # adds to the fixture's registry
    (extra / "kabar.json").write_text(json.dumps(TELETHON, ensure_ascii=False), encoding="utf-8")
    import_file(ws, extra / "kabar.json")
    (extra / "result.json").write_text(json.dumps(_desktop(), ensure_ascii=False), encoding="utf-8")
    import_file(ws, extra / "result.json")
    return ws
