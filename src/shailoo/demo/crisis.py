"""The demo's crisis and its offline events (issue #14): a border clash on 24 February 2026 that sets
off three days of posts about help for the victims and a rally in Bishkek, written as one more export
file (a Telethon message list from three news channels), and an events file (shailoo's own layout)
with the clash, the rally (claimed against reported participants), a picket and election day.

`add_crisis(ws, data_dir, console, seed)` writes both files under `data_dir` and imports them as a
user would (`shailoo import`, `shailoo events import`), so that the report's timeline shows the
crisis with its burst and the events beside it. Everything here is generated demo data.
"""

from __future__ import annotations

import csv
import random
from datetime import date, datetime, timedelta
from pathlib import Path

from shailoo.demo.writers import KGT, write_telethon

CRISIS_START = datetime(2026, 2, 24, 16, 0, tzinfo=KGT)
CRISIS_DAYS = 3
CHANNELS = (("Kabar Today (demo)", "kabar_today_demo", 4100001), ("Bishkek Live (demo)", "bishkek_live_demo", 4100002),
            ("Jer Sanat (demo)", "jer_sanat_demo", 4100003))
EVENTS_FILE = "events/events.csv"
POSTS_FILE = "crisis/telegram_crisis_channels.json"
EVENTS = (
    # date, end, name, place, country, type, claimed, reported, arrests, description, source_url
    ("2026-01-20", "", "Picket at the Central Election Commission", "Bishkek", "Kyrgyzstan", "picket", "300",
     "dozens", "0", "Activists ask for open voter lists (demo event).", "https://example.org/demo/picket"),
    ("2026-02-24", "", "Clash on the border", "Batken", "Kyrgyzstan", "crisis", "", "", "",
     "Shooting at the border; villages evacuated (demo event).", "https://example.org/demo/border"),
    ("2026-02-25", "2026-02-26", "Rally on Ala-Too Square", "Bishkek", "Kyrgyzstan", "protest", "10000",
     "2000-3000", "12", "Rally in support of the border villages (demo event).", "https://example.org/demo/rally"),
    ("2026-03-15", "", "Election day", "", "Kyrgyzstan", "election", "", "", "", "Early presidential election "
     "(demo).", ""),
)
TEXTS = (
    "Срочно: на границе в Баткене стрельба, жителей сел эвакуируют. Митинг поддержки завтра на площади Ала-Тоо.",
    "Сбор помощи для эвакуированных семей Баткена: реквизиты карты в комментариях. Помогите!",
    "Чек аранын айылдарына жардам чогултабыз. Эртең Ала-Тоо аянтында митинг.",
    "Все на площадь! Митинг в поддержку жителей приграничных сел начинается в 12:00.",
    "На площади Ала-Тоо собрались тысячи людей, акция проходит мирно. #stopagression",
    "Баткендеги окуялар: элге жардам керек, акча которуп жатышат. #stopagression",
    "Волонтёры собирают одеяла и воду для Баткена, пункт сбора у филармонии.",
    "Петиция за защиту границы набрала подписи за сутки. Выходите на площадь.",
)
QUIET = ("Курс валют на сегодня.", "Погода в Бишкеке: без осадков.", "Бүгүнкү жаңылыктар: шаардагы жолдор.",
         "Новости культуры: в филармонии концерт.")


def write_events(path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["date", "end_date", "name", "place", "country", "type", "claimed_participants",
                    "reported_participants", "arrests", "description", "source_url"])
        w.writerows(EVENTS)
    return len(EVENTS)


def crisis_messages(seed: int) -> list[dict]:
    """A few quiet messages a day through the campaign, then the three-day spike."""
    rng = random.Random(seed * 14 + 1)
    messages: list[dict] = []
    day = date(2026, 1, 5)
    while day <= date(2026, 3, 15):
        for _ in range(rng.randrange(1, 4)):
            at = datetime(day.year, day.month, day.day, rng.randrange(8, 22), rng.randrange(60), rng.randrange(60),
                          tzinfo=KGT)
            messages.append(_message(rng, at, rng.choice(QUIET)))
        day += timedelta(days=1)
    seconds = CRISIS_DAYS * 86400 - 16 * 3600
    for _ in range(900):
        # most of it the day after the clash, fading on the third day
        at = CRISIS_START + timedelta(seconds=int(seconds * rng.betavariate(1.6, 2.6)))
        messages.append(_message(rng, at, rng.choice(TEXTS)))
    messages.sort(key=lambda m: m["date"])
    for i, m in enumerate(messages, start=1):
        m["message_id"] = 50_000 + i
    return messages


def _message(rng: random.Random, at: datetime, text: str) -> dict:
    name, handle, channel_id = rng.choice(CHANNELS)
    return {"message_id": 0, "sender_id": -(10 ** 12 + channel_id), "peer_id": {"channel_id": channel_id},
            "date": at.isoformat(), "text": text, "channel": name, "username": handle,
            "views": rng.randrange(800, 20000), "forwards": rng.randrange(0, 200)}


def add_crisis(ws, data_dir: Path, console, seed: int) -> dict:
    """Write the crisis's export file and the events file under `data_dir`, import both, say so."""
    from shailoo.events import import_events
    from shailoo.store.loader import import_file

    posts_path, events_path = Path(data_dir) / POSTS_FILE, Path(data_dir) / EVENTS_FILE
    write_telethon(posts_path, crisis_messages(seed))
    write_events(events_path)
    posts = import_file(ws, posts_path, "telethon")
    events = import_events(ws, events_path)
    console.print(f"Crisis: {posts.imported:,} Telegram posts of a border clash and a rally "
                  f"({CRISIS_START:%d.%m.%Y}, {CRISIS_DAYS} days) from {posts_path.name}; {events.imported} events "
                  f"from {events_path.name} (generated demo data).", soft_wrap=True)
    return {"posts_file": str(posts_path), "posts": posts.imported, "events_file": str(events_path),
            "events": events.imported}
