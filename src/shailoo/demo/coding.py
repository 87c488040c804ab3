"""The demo's coding round: the built-in election codebook, a sample drawn by seed 002's rule, the
actors its posts mention, three demo coders with a 20 % reliability overlap, and their codes as a CSV
file that `shailoo coding codes import` reads — so a user can go from the demo to a reliability table
and a report with tone and topic sections from the CLI alone.

The coders are simulated: each unit has a "true" value (the tone an outlet takes toward an actor, the
topic its words name) that a coder gives with their own accuracy, so agreement is high but not perfect,
and one coder (cholpon) pulls it down, as `coding reliability --leave-one-out` shows.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from shailoo.outputs import csv_writer, spreadsheet_text

CODERS = {"aida": 0.93, "bakyt": 0.90, "cholpon": 0.75}  # the chance each gives the true value
SAMPLE = "media-top"
TOP_COUNT = 60  # per category of media, influencers and public groups (seed 002 took 200 of many more)
OVERLAP = 0.2
# Words that name a topic of the codebook, in the demo's Russian and Kyrgyz (first match wins).
TOPIC_WORDS = (
    ("covid19", ("ковид", "covid", "вакцин", "пандеми")),
    ("elections", ("шайлоо", "выбор", "бюллетен", "избират", "шайлоочу", "кандидат")),
    ("politics", ("митинг", "протест", "нааразы", "парламент", "жогорку кеңеш")),
    ("charity", ("сбор", "помощ", "жардам", "кайрымдуу")),
    ("social", ("квартир", "жилье", "жилья", "турак", "пенси", "документ", "паспорт")),
    ("economy", ("работ", "зарплат", "жумуш", "айлык", "завод", "бизнес")),
)
PROTEST_WORDS = ("митинг", "протест", "нааразы")  # a share of protest posts uses inflammatory language


def _unit_hash(*parts: object) -> float:
    """A number in [0, 1) fixed by the parts: the simulation's randomness, the same every run."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _true_tone(author: int | None, actor: int, post: int) -> str:
    # Each outlet leans one way toward each actor (as seed 002's media did toward the frontrunner),
    # and most of its posts follow the lean.
    lean = int(_unit_hash("lean", author, actor) * 3) - 1
    if _unit_hash("follow", post, actor) < 0.75:
        return str(lean)
    return str(int(_unit_hash("tone", post, actor) * 3) - 1)


def _true_topic(text: str) -> str:
    low = (text or "").lower()
    for code, words in TOPIC_WORDS:
        if any(w in low for w in words):
            return code
    return "society"


# The slips coders make: a value next to the true one, not any value of the scale.
NEAR = {"-1": ("0", "0", "0", "unclear"), "0": ("-1", "1", "-1", "1", "unclear"), "1": ("0", "0", "0", "unclear"),
        "covid19": ("health", "social"), "elections": ("politics", "society", "social"), "politics": ("elections", "society"),
        "charity": ("social", "society"), "social": ("society", "economy"), "economy": ("social",),
        "society": ("social", "politics"), "yes": ("no",), "no": ("yes",)}


def _coded(truth: str, coder: str, *unit: object, care: float = 1.0) -> str:
    """What a coder writes: the truth with the coder's accuracy, else a value near it (`care` < 1 makes
    slips rarer: a coder seldom flags a post that has nothing to flag)."""
    if _unit_hash(coder, *unit) < 1 - (1 - CODERS[coder]) * care:
        return truth
    near = NEAR[truth]
    return near[int(_unit_hash("slip", coder, *unit) * len(near))]


def write_demo_codes(ws, path: Path) -> dict:
    """Load the codebook, draw and assign the demo sample, write the demo coders' codes to `path`."""
    from shailoo.coding.assign import assign
    from shailoo.coding.codebook import builtin_codebook_text, store_codebook
    from shailoo.coding.mentions import find_mentions
    from shailoo.coding.samples import SampleRule, draw_sample

    con = ws.con
    book, _ = store_codebook(con, builtin_codebook_text("election"), "builtin:election")
    drawn = draw_sample(ws, SAMPLE, SampleRule(kind="top", count=TOP_COUNT, seed=2021))
    find_mentions(con, SAMPLE)
    assign(con, SAMPLE, list(CODERS), overlap=OVERLAP, seed=2021)
    posts = con.execute("""
        SELECT a.coder, p.post_id, p.platform, p.platform_post_id,
               concat_ws(' ', p.text, p.title, p.description) AS text, acc.actor_id
        FROM assignments a JOIN posts p USING (post_id)
        LEFT JOIN accounts acc ON acc.platform = p.platform AND acc.account_id = p.account_id
        WHERE a.sample = ? ORDER BY p.post_id, a.coder""", [SAMPLE]).fetchall()
    mentions: dict[int, list[tuple[int, str]]] = {}
    for post_id, actor_id, name in con.execute("""
            SELECT m.post_id, m.actor_id, a.name FROM mentions m JOIN actors a USING (actor_id)
            WHERE m.post_id IN (SELECT post_id FROM sample_posts WHERE sample = ?)
            ORDER BY m.post_id, m.actor_id""", [SAMPLE]).fetchall():
        mentions.setdefault(post_id, []).append((actor_id, name))
    rows = 0
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv_writer(out)
        writer.writerow(["coder", "variable", "value", "platform", "post_id", "actor"])
        for coder, post_id, platform, key, text, author in posts:
            topic = _true_topic(text)
            protest = any(w in (text or "").lower() for w in PROTEST_WORDS)
            flags = {"disinformation": "yes" if _unit_hash("disinfo", post_id) < 0.05 else "no",
                     "inflammatory": "yes" if protest and _unit_hash("inflame", post_id) < 0.5 else "no"}
            lines = [("topic", _coded(topic, coder, post_id, "topic", care=0.5), "")]
            lines += [(name, _coded(value, coder, post_id, name, care=0.12), "") for name, value in flags.items()]
            for actor_id, actor in mentions.get(post_id, ()):
                truth = _true_tone(author, actor_id, post_id)
                lines.append(("tone", _coded(truth, coder, post_id, actor_id), actor))
            for variable, value, actor in lines:
                writer.writerow([spreadsheet_text(c) for c in (coder, variable, value, platform, key, actor)])
                rows += 1
    return {"codebook_version": book.version, "sample_posts": drawn.get("posts"), "coders": len(CODERS),
            "code_rows": rows, "file": str(path)}
