"""Compose one generated post: its text (Russian, Kyrgyz or both) and its final engagement.

Everything draws from the `random.Random` passed in, in a fixed order, so a seed gives the same
posts every time.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from shailoo.demo import vocabulary as v
from shailoo.demo.cast import CAST, ELECTION_DAY, TYPICAL, Actor

CANDIDATES = tuple(a for a in CAST if a.category == "candidate" and not a.silent)
PARTIES = tuple(a for a in CAST if a.category == "party")
MENTIONABLE = CANDIDATES + PARTIES + tuple(a for a in CAST if a.category == "authority")

FB_REACTIONS = ("likes", "love", "wow", "haha", "sad", "angry", "care")
# Mood of a topic -> weights of the Facebook reactions above and of the Telegram emoji.
_MOODS = {
    "neutral": (76, 12, 2, 3, 1, 2, 4),
    "angry": (45, 4, 6, 5, 8, 28, 4),
    "sad": (45, 8, 3, 1, 25, 3, 15),
}
_TOPIC_MOOD = {"protest": "angry", "covid": "sad", "fundraising": "sad", "housing": "angry"}
_TG_MOODS = {"neutral": (40, 25, 15, 12, 2, 2, 4), "angry": (20, 5, 5, 5, 10, 45, 10),
             "sad": (20, 20, 3, 5, 45, 2, 5)}


@dataclass
class Post:
    actor: Actor
    platform: str
    created: datetime  # aware, +06
    topic: str
    lang: str  # ru, ky or mixed
    text: str
    kind: str  # CrowdTangle 'Type'
    link: str | None = None
    link_text: str | None = None
    sponsor: Actor | None = None
    forwarded_from: Actor | None = None
    viral: bool = False
    final: dict[str, int] = field(default_factory=dict)  # counts once the post stops growing
    typical: float = 1.0
    post_id: str = ""


def pick(rng: random.Random, weights: dict[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _fill(rng: random.Random, template: str, day: date) -> str:
    city_ru, city_ky = rng.choice(v.CITIES)
    cand = rng.choice(CANDIDATES).name
    party = rng.choice(PARTIES).aliases[0]
    days = (ELECTION_DAY - day).days
    text = template.format(city_ru=city_ru, city_ky=city_ky, cand=cand, party=party, days=days, n=len(CANDIDATES))
    return text[0].upper() + text[1:]


def _sentences(rng: random.Random, actor: Actor, topic: str, lang: int, count: int, day: date) -> list[str]:
    """`count` sentences in one language (0 Russian, 1 Kyrgyz): sometimes the actor's own voice, then the topic."""
    pool: list[str] = []
    voice = v.VOICE.get(actor.category)
    if voice and rng.random() < 0.5:
        pool.append(rng.choice(voice[lang]))
    topic_pool = [s for s in v.TOPIC_SENTENCES[topic][lang] if "{days}" not in s or (ELECTION_DAY - day).days > 1]
    while len(pool) < count:
        sentence = rng.choice(topic_pool)
        if sentence not in pool or len(topic_pool) <= len(pool):
            pool.append(sentence)
    return [_fill(rng, s, day) for s in pool[:count]]


def _hide_latin_o(text: str) -> str:
    """Write one Russian word with a Latin 'o' in place of the Cyrillic one (рабoта), as real posts sometimes do."""
    for word in v.HOMOGLYPH_WORDS:
        m = re.search(rf"(?<![\w]){word}(?![\w])", text)
        if m:
            fake = word.replace("о", "o", 1)
            return text[:m.start()] + fake + text[m.end():]
    return text


def compose_text(rng: random.Random, actor: Actor, platform: str, topic: str, day: date) -> tuple[str, str]:
    """Return (text, language) for one post."""
    lang = rng.choices(("ru", "ky", "mixed"), weights=actor.langs)[0]
    count = rng.choice((1, 2, 2, 3))
    if lang == "mixed":
        parts = _sentences(rng, actor, topic, 0, 1, day) + _sentences(rng, actor, topic, 1, max(1, count - 1), day)
        if rng.random() < 0.5:
            parts.reverse()
    else:
        parts = _sentences(rng, actor, topic, 0 if lang == "ru" else 1, count, day)
    text = ("\n\n" if rng.random() < 0.3 else " ").join(parts)
    if lang != "ky" and rng.random() < 0.08:
        text = _hide_latin_o(text)
    if rng.random() < 0.15:
        other = rng.choice([a for a in MENTIONABLE if a is not actor])
        text += f" @{other.handle}"
    if rng.random() < 0.55:
        tags = [rng.choice(v.HASHTAGS_COMMON)]
        if rng.random() < 0.6:
            tags.append(rng.choice(v.HASHTAGS_TOPIC[topic]))
        text += "\n" + " ".join(dict.fromkeys(tags))
    return text, lang


def news_link(rng: random.Random, actor: Actor, created: datetime) -> str:
    site = actor.site or rng.choice(v.NEWS_SITES)
    return f"https://{site}/{created:%Y/%m/%d}/{rng.randrange(10_000, 99_999)}"


def growth(age_days: float) -> float:
    """Share of a post's final counts reached `age_days` after posting (most come in the first two days)."""
    return 1.0 - 0.65 * math.exp(-max(age_days, 0.0) / 1.3)


def engagement(rng: random.Random, post: Post, campaign: bool) -> None:
    """Draw the post's final counts: heavy-tailed around the account's typical level, a few viral posts."""
    actor = post.actor
    typical = TYPICAL[actor.category][post.platform] * actor.reach
    boost = 1.0
    if campaign and actor.category in ("candidate", "party", "politician"):
        boost = 1.5
    if post.topic == "politics_elections" and campaign:
        boost *= 1.2
    total = typical * boost * rng.lognormvariate(0.0, 1.0)
    if rng.random() < 0.006:
        post.viral = True
        total *= rng.uniform(15, 50)
    post.typical = typical
    mood = _TOPIC_MOOD.get(post.topic, "neutral")
    total = max(total, 1.0)
    final: dict[str, int] = {}
    if post.platform == "facebook":
        comments = total * rng.uniform(0.08, 0.25)
        shares = total * rng.uniform(0.03, 0.15)
        reactions = max(total - comments - shares, 1.0)
        weights = _MOODS[mood]
        for name, w in zip(FB_REACTIONS, weights):
            final[name] = int(reactions * w / 100 * rng.uniform(0.7, 1.3))
        final["comments"], final["shares"] = int(comments), int(shares)
    elif post.platform == "instagram":
        final["likes"] = int(total * rng.uniform(0.88, 0.97))
        final["comments"] = int(total * rng.uniform(0.02, 0.08))
    else:  # telegram reactions by emoji
        for emoji, w in zip(v.REACTION_EMOJI, _TG_MOODS[mood]):
            n = int(total * w / 100 * rng.uniform(0.5, 1.5))
            if n:
                final[emoji] = n
    if post.kind in ("Native Video", "Video"):
        final["views"] = int(total * rng.uniform(8, 25))
    post.final = final


def at_age(post: Post, age_days: float) -> dict[str, int]:
    """The post's counts `age_days` after posting: never decreasing from one export to the next."""
    share = growth(age_days)
    return {k: int(round(n * share)) for k, n in post.final.items()}
