"""The demo's planted influence operation (issue #13), for `shailoo coordination` and `shailoo copypasta`:

- a coordinated network (cast.NETWORK): eight accounts on Facebook, Telegram and VK push the same
  article of narodnyi-golos.example — each platform's copy of the link written differently (www.,
  m., http, utm_* and fbclid parameters, a trailing slash) — and the hashtag #ЭлБирге2026 within
  45 seconds of each other, six times during the campaign (cast.NETWORK_PUSHES);
- a copypasta campaign: on 13 March 24 private people paste one comment ("100 % поддерживаем …",
  some with emoji, other punctuation or a word more) within three hours, 12 in a Telegram discussion
  group and 12 on the two VK communities' walls, among a few ordinary comments.

Everything draws from its own `random.Random`, so the rest of the demo is unchanged by it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from shailoo.demo.cast import (CAST, COPYPASTA_DAY, COPYPASTA_GROUP, COPYPASTA_TEXT, NETWORK, NETWORK_HASHTAG,
                               NETWORK_PUSHES, NETWORK_SITE, Actor, network_account_id)
from shailoo.demo.compose import FB_REACTIONS, Post
from shailoo.demo.writers import KGT

INTROS = ("Народ сказал своё слово — читайте и делитесь:", "Вот что скрывают от избирателей:",
          "Эл бирге! Бул маалыматты бөлүшүңүз:", "Срочно! Все должны это увидеть:",
          "Шайлоо алдында ар бир шайлоочу билиши керек:", "Правда, которую не покажут по телевизору:")
SLUGS = ("narod-vybiraet", "chto-skryvayut", "el-birge", "srochno-pravda", "shailoochu-bilishi-kerek", "pravda-tv")
FIRST = ("Айбек", "Нурлан", "Мирлан", "Бакыт", "Эрмек", "Азиз", "Талгат", "Улан", "Нурбек", "Самат", "Асель",
         "Айгерим", "Жамиля", "Гулзат", "Мээрим", "Бермет", "Айпери", "Чолпон", "Назира", "Динара")
LAST = ("Исаков", "Абдыкадыров", "Токтогулов", "Жээнбеков", "Осмонов", "Сыдыков", "Ташиев", "Мамытов",
        "Кадыров", "Бообеков")
ORDINARY = ("Когда будут дебаты?", "Шайлоо участкасы кайда болот?", "Спасибо за информацию",
            "А что с пенсиями будет после выборов?", "Бул туура эмес го")


@dataclass
class Planted:
    facebook: list[Post] = field(default_factory=list)
    telegram: list[dict] = field(default_factory=list)  # Telethon messages
    vk: list[dict] = field(default_factory=list)  # walls: owner_id, name, handle, items, profiles

    def counts(self) -> dict[str, int]:
        return {"facebook": len(self.facebook), "telegram": len(self.telegram),
                "vk": sum(len(w["items"]) for w in self.vk)}


def _page(name: str, handle: str, account_id: str) -> Actor:
    """An unregistered Facebook page, shaped like a cast member for the CrowdTangle writer."""
    return Actor(name, "public_group", (name,), handle, ("facebook",), 1.0, 0.5, ids={"facebook": account_id})


def _link(platform: str, url: str, rng: random.Random) -> str:
    """The platform's spelling of one article's URL: another host form, tracking parameters, a slash."""
    if platform == "facebook":
        return f"https://www.{url}?utm_source=facebook&utm_medium=social&fbclid=IwAR{rng.randrange(10**9, 10**10)}"
    if platform == "telegram":
        return f"http://{url}/?utm_source=telegram"
    return f"https://m.{url}?utm_campaign=eb2026&utm_source=vk"


def _fb_post(rng: random.Random, actor: Actor, created: datetime, text: str, link: str, n: int) -> Post:
    post = Post(actor, "facebook", created, "politics_elections", "ru", text, "Link", link=link,
                link_text="Народный голос")
    post.final = {r: 0 for r in FB_REACTIONS} | {"likes": rng.randrange(3, 40), "comments": rng.randrange(0, 6),
                                                 "shares": rng.randrange(1, 15)}
    post.typical = 40.0
    post.post_id = str(1_990_000_000_000_000 + n)
    return post


def plant(rng: random.Random) -> Planted:
    out = Planted()
    walls = {acc[3]: {"owner_id": acc[3], "name": acc[1], "handle": acc[2], "items": [], "profiles": []}
             for acc in NETWORK if acc[0] == "vk"}
    actors = {a.name: a for a in CAST}
    msg_id = 5000
    for n, (day, hour, minute) in enumerate(NETWORK_PUSHES):
        start = datetime.combine(day, time(hour, minute, rng.randrange(60)), KGT)
        article = f"{NETWORK_SITE}/{day:%Y/%m/%d}/{SLUGS[n]}-{rng.randrange(1000, 9999)}"
        offsets = sorted(rng.sample(range(0, 45), len(NETWORK)))
        order = rng.sample(range(len(NETWORK)), len(NETWORK))
        for slot, i in enumerate(order):
            platform, name, handle, given, actor_name = NETWORK[i]
            created = start + timedelta(seconds=offsets[slot])
            account_id = network_account_id(platform, handle, given)
            link = _link(platform, article, rng)
            intro = INTROS[(n + i) % len(INTROS)]
            if platform == "facebook":
                actor = actors[actor_name] if actor_name else _page(name, handle, account_id)
                out.facebook.append(_fb_post(rng, actor, created, f"{intro} {NETWORK_HASHTAG}", link, n * 10 + i))
            elif platform == "telegram":
                msg_id += 1
                out.telegram.append({"message_id": msg_id, "sender_id": -(10 ** 12 + int(account_id)),
                                     "peer_id": {"channel_id": int(account_id)}, "date": created.isoformat(),
                                     "text": f"{intro}\n{link}\n{NETWORK_HASHTAG}", "channel": name,
                                     "username": handle, "views": rng.randrange(200, 2000),
                                     "forwards": rng.randrange(0, 20)})
            else:
                wall = walls[account_id]
                wall["items"].append({"id": 700 + len(wall["items"]), "from_id": int(account_id),
                                      "date": int(created.timestamp()), "text": f"{intro}\n{link}\n{NETWORK_HASHTAG}",
                                      "likes": rng.randrange(5, 60), "reposts": rng.randrange(0, 10),
                                      "views": rng.randrange(300, 3000)})
    _copypasta(rng, out, list(walls.values()), msg_id)
    out.vk = list(walls.values())
    return out


def _variant(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.55:
        return COPYPASTA_TEXT
    if roll < 0.7:
        return COPYPASTA_TEXT + " 👍👍👍"
    if roll < 0.85:
        return COPYPASTA_TEXT.lower().replace("!", "")
    return COPYPASTA_TEXT.replace("15 марта!", "15 марта, Кыргызстан!")


def _copypasta(rng: random.Random, out: Planted, walls: list[dict], msg_id: int) -> None:
    """24 people paste the comment within three hours; 5 others write ordinary comments."""
    group_id, group_name = COPYPASTA_GROUP
    start = datetime.combine(COPYPASTA_DAY, time(19, 0), KGT)
    people = 29
    offsets = sorted(rng.sample(range(0, 3 * 3600), people))
    ordinary = set(rng.sample(range(people), 5))
    for k in range(people):
        user = 7_100_000_000 + 7_919 * (k + 1)
        created = start + timedelta(seconds=offsets[k])
        text = ORDINARY[len([j for j in ordinary if j < k]) % len(ORDINARY)] if k in ordinary else _variant(rng)
        if k % 2 == 0:
            msg_id += 1
            out.telegram.append({"message_id": msg_id, "sender_id": user, "peer_id": {"channel_id": int(group_id)},
                                 "date": created.isoformat(), "text": text, "chat_title": group_name,
                                 "reply_to_msg_id": 4990})
        else:
            wall = walls[(k // 2) % len(walls)]
            first, last = FIRST[k % len(FIRST)], LAST[(k * 3) % len(LAST)]
            wall["items"].append({"id": 900 + len(wall["items"]), "from_id": user, "date": int(created.timestamp()),
                                  "text": text, "likes": rng.randrange(0, 4)})
            wall["profiles"].append({"id": user, "first_name": first, "last_name": last + ("а" if k % 3 else "")})
