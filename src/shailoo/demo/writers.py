"""Write generated posts in real export formats: CrowdTangle CSV, Telegram Desktop JSON, an actor registry."""

from __future__ import annotations

import csv
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

from shailoo.demo.cast import AUDIENCE, CAST, PAGE_CATEGORY, Actor, account_url, telegram_handle
from shailoo.demo.compose import FB_REACTIONS, Post, at_age

KGT = timezone(timedelta(hours=6))

# The 41 columns of a CrowdTangle historical-data CSV export (copied from a real export).
CROWDTANGLE_HEADER = (
    "Page Name", "User Name", "Facebook Id", "Page Category", "Page Admin Top Country", "Page Description",
    "Page Created", "Likes at Posting", "Followers at Posting", "Post Created", "Post Created Date",
    "Post Created Time", "Type", "Total Interactions", "Likes", "Comments", "Shares", "Love", "Wow", "Haha", "Sad",
    "Angry", "Care", "Video Share Status", "Is Video Owner?", "Post Views", "Total Views",
    "Total Views For All Crossposts", "Video Length", "URL", "Message", "Link", "Final Link", "Image Text",
    "Link Text", "Description", "Sponsor Id", "Sponsor Name", "Sponsor Category",
    "Total Interactions (weighted  —  Likes 1x Shares 1x Comments 1x Love 1x Wow 1x Haha 1x Sad 1x Angry 1x Care 1x )",
    "Overperforming Score",
)
REGISTRY_COLUMNS = ("name", "category", "platform", "account_id", "handle", "url", "aliases")


def followers(actor: Actor, platform: str, when: datetime) -> int:
    """An account's audience on a day: its size grows a little every day, faster for candidates."""
    base = AUDIENCE[actor.category] * actor.reach * {"facebook": 0.6, "instagram": 1.0, "telegram": 0.25}[platform]
    days = (when.date() - datetime(2026, 1, 5).date()).days
    rate = 0.004 if actor.category == "candidate" else 0.001
    return int(base * (1 + rate * days))


def _score(post: Post, total: int) -> str:
    ratio = total / max(post.typical, 1.0)
    value = ratio if ratio >= 1 else -1 / max(ratio, 0.01)
    return f"{value:.2f}".replace(".", ",")


def _crowdtangle_row(post: Post, measured: datetime, platform: str) -> list[str]:
    actor = post.actor
    counts = at_age(post, (measured - post.created).total_seconds() / 86400)
    created = post.created
    zone = "KGT" if platform == "facebook" else "+06"
    audience = followers(actor, platform, created)
    if platform == "facebook":
        url = f"https://www.facebook.com/{actor.ids['facebook']}/posts/{post.post_id}"
        reactions = [counts[r] for r in FB_REACTIONS]
        total = sum(reactions) + counts["comments"] + counts["shares"]
        count_cells = [counts["likes"], counts["comments"], counts["shares"], counts["love"], counts["wow"],
                       counts["haha"], counts["sad"], counts["angry"], counts["care"]]
    else:
        url = f"https://www.instagram.com/p/{post.post_id}/"
        total = counts["likes"] + counts["comments"]
        count_cells = [counts["likes"], counts["comments"], "-", "-", "-", "-", "-", "-", "-"]
    video = post.kind in ("Native Video", "Video")
    views = counts.get("views", 0)
    video_cells = (["owned", "Yes", views, views, 0, f"00:0{len(post.text) % 6}:{len(post.text) % 60:02d}"]
                   if video else ["", "-", 0, 0, 0, "N/A"])
    sponsor = post.sponsor
    return [
        actor.name, actor.handle, actor.ids[platform], PAGE_CATEGORY[actor.category], "KG",
        f"{actor.name} — {actor.aliases[0]}. Generated demo account.", "2016-03-01 10:00:00",
        int(audience * 0.85) if platform == "facebook" else "", audience,
        f"{created:%Y-%m-%d %H:%M:%S} {zone}", f"{created:%Y-%m-%d}", f"{created:%H:%M:%S}", post.kind,
        f"{total:,}", *count_cells, *video_cells, url, post.text, post.link or "", post.link or "", "",
        post.link_text or "", "", sponsor.ids["facebook"] if sponsor else "", sponsor.name if sponsor else "",
        "POLITICIAN" if sponsor else "", f"{total:,}", _score(post, total),
    ]


def write_crowdtangle(path: Path, posts: list[Post], measured: datetime, platform: str) -> int:
    """One CrowdTangle export of `posts` as measured at `measured`; returns the number of rows."""
    header = list(CROWDTANGLE_HEADER)
    if platform == "instagram":  # Instagram exports name the account column 'Account'
        header[0] = "Account"
    rows = sorted((p for p in posts if p.created < measured), key=lambda p: (p.created, p.post_id), reverse=True)
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        for post in rows:
            writer.writerow(_crowdtangle_row(post, measured, platform))
    return len(rows)


_ENTITY = re.compile(r"(https?://\S+)|(#[\w]+)|(@[\w.]*\w)")


def _entities(text: str) -> tuple[object, list[dict]]:
    """Telegram Desktop's two forms of a text: `text` (a string, or a list mixing strings and entities)
    and `text_entities` (every piece typed, plain ones included)."""
    pieces: list[dict] = []
    pos = 0
    for m in _ENTITY.finditer(text):
        if m.start() > pos:
            pieces.append({"type": "plain", "text": text[pos:m.start()]})
        kind = "link" if m.group(1) else "hashtag" if m.group(2) else "mention"
        pieces.append({"type": kind, "text": m.group(0)})
        pos = m.end()
    if pos < len(text):
        pieces.append({"type": "plain", "text": text[pos:]})
    if all(p["type"] == "plain" for p in pieces):
        return text, [{"type": "plain", "text": text}]
    return [p["text"] if p["type"] == "plain" else p for p in pieces], pieces


def write_telegram_desktop(path: Path, actor: Actor, posts: list[Post], first_id: int) -> int:
    """A Telegram Desktop 'Export chat history' result.json of one public channel; returns the number of messages."""
    channel_id = actor.ids["telegram"]
    messages: list[dict] = []
    next_id = first_id
    for i, post in enumerate(sorted(posts, key=lambda p: (p.created, p.post_id))):
        local = post.created.astimezone(KGT).replace(tzinfo=None)
        stamp = {"date": local.isoformat(), "date_unixtime": str(int(post.created.timestamp()))}
        text, entities = _entities(post.text)
        message = {"id": next_id, "type": "message", **stamp, "from": actor.name, "from_id": f"channel{channel_id}"}
        if post.forwarded_from is not None:
            message["forwarded_from"] = post.forwarded_from.name
        if post.kind in ("Photo", "Album"):
            message.update({"photo": "(File not included. Change data exporting settings to download.)",
                            "photo_file_size": 80_000 + len(post.text) * 37, "width": 1280, "height": 960})
        message["text"] = text
        message["text_entities"] = entities
        reactions = [{"type": "emoji", "count": n, "emoji": e}
                     for e, n in sorted(post.final.items(), key=lambda kv: -kv[1]) if e != "views"]
        if reactions:
            message["reactions"] = reactions
        post.post_id = str(next_id)
        messages.append(message)
        next_id += 1
        if i == 0:  # a pinned-message notice, as real exports have (a service message: skipped on import)
            messages.append({"id": next_id, "type": "service", **stamp, "actor": actor.name,
                             "actor_id": f"channel{channel_id}", "action": "pin_message",
                             "message_id": next_id - 1, "text": "", "text_entities": []})
            next_id += 1
    export = {"name": actor.name, "type": "public_channel", "id": int(channel_id), "messages": messages}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(export, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return len(messages)


def write_registry(path: Path, extra_rows: list[dict]) -> int:
    """The actor registry CSV: one row per account, aliases '|'-separated; returns the number of rows."""
    rows = []
    for actor in CAST:
        for platform in actor.platforms:
            handle = telegram_handle(actor) if platform == "telegram" else actor.handle
            rows.append({"name": actor.name, "category": actor.category, "platform": platform,
                         "account_id": actor.ids[platform], "handle": handle, "url": account_url(actor, platform),
                         "aliases": "|".join(actor.aliases)})
    rows.extend(extra_rows)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=REGISTRY_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


def write_vk_wall(path: Path, owner_id: str, name: str, handle: str, items: list[dict],
                  profiles: list[dict]) -> int:
    """A VK API wall.get response of one community's wall (`items`: id, from_id, date, text and counts
    as the API writes them); returns the number of posts."""
    group = {"id": -int(owner_id), "name": name, "screen_name": handle, "is_closed": 0, "type": "page"}
    body = {"count": len(items), "items": [{"id": it["id"], "owner_id": int(owner_id), "from_id": it["from_id"],
                                            "date": it["date"], "post_type": "post", "text": it["text"],
                                            "comments": {"count": it.get("comments", 0)},
                                            "likes": {"count": it.get("likes", 0)},
                                            "reposts": {"count": it.get("reposts", 0)},
                                            "views": {"count": it.get("views", 0)}} for it in items],
            "profiles": profiles, "groups": [group]}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"response": body}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return len(items)


def write_telethon(path: Path, messages: list[dict]) -> int:
    """Messages as a Telethon-based collector writes them (a JSON array); returns their number."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(messages, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return len(messages)
