"""Generate the demo data set: a fictional election's posts written as real export files.

`generate(folder, seed)` writes into `folder`:
  registry.csv                                  the actor registry (one row per account)
  crowdtangle/facebook/*.csv, crowdtangle/instagram/*.csv
                                                CrowdTangle historical reports: one per two-week window,
                                                each exported three times (1, 4 and 12 days after the
                                                window), so every post gets three engagement snapshots
  telegram/<channel>/ChatExport_<date>/result.json
                                                Telegram Desktop exports, one per channel
  real/ria_novosti_telegram_messages.json       real posts (CC BY 4.0), copied unchanged from the package
  network/                                      the planted influence operation (demo/planted.py): a CrowdTangle
                                                search export, a Telethon collection, two VK walls
  README.md                                     what all this is, and that it is generated

The same seed writes the same bytes.
"""

from __future__ import annotations

import math
import random
import shutil
import string
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from importlib import resources
from pathlib import Path

from shailoo.demo.cast import CAMPAIGN, CAST, ELECTION_DAY, ELECTION_NAME, PRE_CAMPAIGN, RATES, Actor
from shailoo.demo.compose import CANDIDATES, Post, compose_text, engagement, news_link, pick
from shailoo.demo.planted import Planted, plant
from shailoo.demo.vocabulary import HEADLINES_KY, HEADLINES_RU, TOPIC_WEIGHTS
from shailoo.demo.writers import (KGT, write_crowdtangle, write_registry, write_telegram_desktop, write_telethon,
                                  write_vk_wall)

DEFAULT_SEED = 2026
WINDOW_DAYS = 14
EXPORT_DELAYS = ((1, time(10, 0)), (4, time(18, 30)), (12, time(9, 15)))  # days after a window, local time
TELEGRAM_EXPORT_DAY = date(2026, 3, 27)
RIA_FILE = "ria_novosti_telegram_messages.json"
RIA_ACTOR = {"name": "РИА Новости", "category": "media", "platform": "telegram", "account_id": "1101170442",
             "handle": "rian_ru", "url": "https://t.me/rian_ru", "aliases": "RIA Novosti|РИА"}
# Posting hours (local time) and how likely each is.
_HOURS = {h: w for h, w in zip(range(24), (1, 0.5, 0.2, 0.1, 0.1, 0.2, 0.6, 1.5, 3, 4, 5, 5, 5, 4.5, 4.5, 4.5, 4.5,
                                             5, 5.5, 6, 6, 5, 3.5, 2))}


@dataclass
class DemoFile:
    path: Path
    format: str  # importer id
    platform: str
    kind: str  # 'generated' or 'real'
    records: int
    note: str = ""


@dataclass
class DemoData:
    folder: Path
    seed: int
    registry: Path
    files: list[DemoFile] = field(default_factory=list)
    posts: dict[str, int] = field(default_factory=dict)  # generated posts per platform
    actors: int = 0
    periods: tuple = (PRE_CAMPAIGN, CAMPAIGN)


def ria_source() -> Path:
    """The packaged RIA Novosti Telegram posts (CC BY 4.0)."""
    return Path(str(resources.files("shailoo.demo") / "data" / RIA_FILE))


def _poisson(rng: random.Random, lam: float) -> int:
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def _kind(rng: random.Random, actor: Actor, platform: str) -> str:
    if platform == "instagram":
        return rng.choices(("Photo", "Album", "Video"), weights=(6, 2, 3))[0]
    if platform == "telegram":
        return rng.choices(("Photo", "Status"), weights=(4, 6))[0]
    if actor.category == "media":
        return rng.choices(("Link", "Photo", "Native Video"), weights=(6, 3, 1))[0]
    return rng.choices(("Photo", "Status", "Link", "Native Video"), weights=(5, 3, 1, 1.5))[0]


def _shortcode(rng: random.Random) -> str:
    return "".join(rng.choice(string.ascii_letters + string.digits + "_-") for _ in range(11))


def make_posts(rng: random.Random) -> list[Post]:
    """Every generated post of the election, in a fixed order."""
    posts: list[Post] = []
    start, end = PRE_CAMPAIGN[1], CAMPAIGN[2]
    fb_counter = 1_000_000_000_000_000
    day = start
    while day <= end:
        campaign = day >= CAMPAIGN[1]
        for actor in CAST:
            if actor.silent:
                continue
            for platform in actor.platforms:
                weekly = RATES[actor.category][platform][1 if campaign else 0] * actor.activity
                if day == ELECTION_DAY and actor.category in ("authority", "media", "other"):
                    weekly *= 4  # election-day reporting
                for _ in range(_poisson(rng, weekly / 7)):
                    minute = rng.randrange(60)
                    hour = int(pick(rng, {str(h): w for h, w in _HOURS.items()}))
                    created = datetime.combine(day, time(hour, minute, rng.randrange(60)), KGT)
                    topic = pick(rng, TOPIC_WEIGHTS[actor.category])
                    if campaign and rng.random() < 0.3:
                        topic = "politics_elections"
                    text, lang = compose_text(rng, actor, platform, topic, day)
                    post = Post(actor, platform, created, topic, lang, text, _kind(rng, actor, platform))
                    if post.kind == "Link" or (platform != "facebook" and actor.category == "media"):
                        post.link = news_link(rng, actor, created)
                        post.link_text = rng.choice(HEADLINES_KY if lang == "ky" else HEADLINES_RU)
                        if platform != "facebook":
                            post.text += f"\n{post.link}"
                    if actor.category == "influencer" and campaign and platform == "instagram" and rng.random() < 0.2:
                        post.sponsor = rng.choice(CANDIDATES)  # a paid partnership with a candidate
                    if platform == "telegram" and actor.category in ("media", "influencer") and rng.random() < 0.05:
                        post.forwarded_from = rng.choice([c for c in CANDIDATES if "telegram" in c.platforms])
                    engagement(rng, post, campaign)
                    if platform == "facebook":
                        fb_counter += rng.randrange(1_000, 90_000_000)
                        post.post_id = str(fb_counter)
                    elif platform == "instagram":
                        post.post_id = _shortcode(rng)
                    posts.append(post)
        day += timedelta(days=1)
    return posts


def _windows() -> list[tuple[date, date]]:
    start, end = PRE_CAMPAIGN[1], CAMPAIGN[2]
    out = []
    while start <= end:
        out.append((start, min(start + timedelta(days=WINDOW_DAYS - 1), end)))
        start += timedelta(days=WINDOW_DAYS)
    return out


def generate(folder: Path, seed: int = DEFAULT_SEED) -> DemoData:
    """Write the demo data set into `folder` (created; files already there are overwritten)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    posts = make_posts(rng)
    data = DemoData(folder=folder, seed=seed, registry=folder / "registry.csv")
    write_registry(data.registry, [RIA_ACTOR])
    data.actors = len(CAST) + 1

    for platform, label in (("facebook", "Facebook"), ("instagram", "Instagram")):
        mine = [p for p in posts if p.platform == platform]
        data.posts[platform] = len(mine)
        out = folder / "crowdtangle" / platform
        out.mkdir(parents=True, exist_ok=True)
        for first, last in _windows():
            window = [p for p in mine if first <= p.created.date() <= last]
            for delay, at in EXPORT_DELAYS:
                measured = datetime.combine(last + timedelta(days=delay), at, KGT)
                name = (f"{measured:%Y-%m-%d-%H-%M-%S}-KGT-Historical-Report-Demo-{label}-"
                        f"{first:%Y-%m-%d}--{last:%Y-%m-%d}.csv")
                rows = write_crowdtangle(out / name, window, measured, platform)
                data.files.append(DemoFile(out / name, "crowdtangle", platform, "generated", rows))

    telegram = [p for p in posts if p.platform == "telegram"]
    data.posts["telegram"] = len(telegram)
    for i, actor in enumerate(a for a in CAST if "telegram" in a.platforms and not a.silent):
        path = (folder / "telegram" / actor.handle.replace(".", "_") / f"ChatExport_{TELEGRAM_EXPORT_DAY:%Y-%m-%d}"
                / "result.json")
        n = write_telegram_desktop(path, actor, [p for p in telegram if p.actor is actor], 100 + 37 * i)
        data.files.append(DemoFile(path, "telegram_desktop", "telegram", "generated", n))

    real = folder / "real"
    real.mkdir(exist_ok=True)
    shutil.copyfile(ria_source(), real / RIA_FILE)
    shutil.copyfile(ria_source().parent / "ATTRIBUTION.md", real / "ATTRIBUTION.md")
    data.files.append(DemoFile(real / RIA_FILE, "telethon", "telegram", "real", 1000,
                               "real posts: RIA Novosti Telegram channel, CC BY 4.0"))
    # Written last and imported last, so the other posts keep their ids (and the coding round its units).
    _write_planted(folder / "network", plant(random.Random(seed * 7919 + 13)), data)
    (folder / "README.md").write_text(readme(data), encoding="utf-8")
    return data


def _write_planted(out: Path, planted: Planted, data: DemoData) -> None:
    """The planted coordinated network and copypasta campaign as three kinds of export files."""
    end = max(p.created for p in planted.facebook).date()
    out.mkdir(parents=True, exist_ok=True)
    for delay in (1, 8):  # exported twice, so every post has two snapshots as the others do
        measured = datetime.combine(end + timedelta(days=delay), time(11, 0), KGT)
        name = f"{measured:%Y-%m-%d-%H-%M-%S}-KGT-Search-Export-Demo-Facebook-{ELECTION_DAY:%Y}.csv"
        rows = write_crowdtangle(out / name, planted.facebook, measured, "facebook")
        data.files.append(DemoFile(out / name, "crowdtangle", "facebook", "generated", rows,
                                   "planted network: Facebook pages (CrowdTangle search export)"))
    n = write_telethon(out / "telegram_collected_messages.json", planted.telegram)
    data.files.append(DemoFile(out / "telegram_collected_messages.json", "telethon", "telegram", "generated", n,
                               "planted network and copypasta: Telegram channels and a discussion group"))
    for wall in planted.vk:
        path = out / f"vk_wall_{wall['handle']}.json"
        n = write_vk_wall(path, wall["owner_id"], wall["name"], wall["handle"], wall["items"], wall["profiles"])
        data.files.append(DemoFile(path, "vk", "vk", "generated", n, "planted network and copypasta: a VK wall"))
    for platform, count in planted.counts().items():
        data.posts[platform] = data.posts.get(platform, 0) + count


def readme(data: DemoData) -> str:
    total = sum(data.posts.values())
    lines = [
        "# shailoo demo data — GENERATED",
        "",
        f"Everything in this folder except `real/` is **generated demo data** written by `shailoo demo` "
        f"(`shailoo.demo.generate`, seed {data.seed}). It describes a **fictional** election — the "
        f"{ELECTION_NAME} — with invented actors, accounts, posts and engagement counts. Any resemblance "
        "of a name to a real person, party or outlet is accidental; institutions are named by their function.",
        "",
        f"- {data.actors} actors in eight categories (candidate, politician, party, authority, media, influencer, "
        "public_group, other): `registry.csv`, one row per account. One politician (Медер Асанакунов) is "
        "registered but never posts.",
        f"- {total:,} generated posts: {data.posts.get('facebook', 0):,} Facebook, "
        f"{data.posts.get('instagram', 0):,} Instagram, {data.posts.get('telegram', 0):,} Telegram, "
        f"{data.posts.get('vk', 0):,} VK, in Russian, "
        "Kyrgyz or both, from "
        f"{PRE_CAMPAIGN[1]} to {CAMPAIGN[2]} (pre-campaign {PRE_CAMPAIGN[1]} – {PRE_CAMPAIGN[2]}, "
        f"campaign {CAMPAIGN[1]} – {CAMPAIGN[2]}, election day {ELECTION_DAY}).",
        "- `crowdtangle/`: CrowdTangle historical-report CSV files (the real 41-column layout; Instagram files "
        "name the first column 'Account'). Each two-week window was 'exported' three times, 1, 4 and 12 days "
        "after it ended; the file name carries the export time, so each post gets three engagement snapshots.",
        "- `telegram/`: Telegram Desktop 'Export chat history' `result.json` files, one per channel.",
        "- `network/`: a **planted influence operation** for `shailoo coordination` and `shailoo copypasta` to "
        "find: eight accounts (two registered public groups, two registered influencers, four unregistered "
        "pages, channels and VK communities) push the same articles of narodnyi-golos.example and the hashtag "
        "#ЭлБирге2026 within seconds of each other on Facebook, Telegram and VK, six times in the campaign; and "
        "on 13 March 24 private people paste the same \"100 % поддерживаем …\" comment within three hours in a "
        "Telegram discussion group and on two VK walls (a CrowdTangle search export, a Telethon collection, "
        "VK wall.get responses).",
        "",
        "## Real data: `real/`",
        "",
        "`real/ria_novosti_telegram_messages.json` holds 1,000 real posts of the public Telegram channel "
        "«РИА Новости» (26 Nov – 4 Dec 2024), collected with Telethon, from "
        "https://github.com/NKTKLN/telegram-news-classifier (file `data/raw/1001101170442_messages.json`, "
        "commit 7c78d2e566ae14e4d9aeea0600c1eaf4fa7ecc9f), licensed CC BY 4.0 "
        "(https://creativecommons.org/licenses/by/4.0/), shipped unchanged. Its dates lie outside the fictional "
        "election and outside both periods: it stands as a separate sample of a real media channel.",
        "",
    ]
    return "\n".join(lines)
