"""The report's "Inflammatory language" section: posts flagged by the lexicons per actor, per week and per
lexicon category, with the note that flags are leads for monitors, not findings."""

from __future__ import annotations

from shailoo.report.blocks import Block

SHOWN = 30


def inflammatory_section(ws, flt, tr, notes: dict) -> dict | None:
    from shailoo.analysis.inflammatory import find_flags, flag_counts

    flags = find_flags(ws, flt)  # matched once for the three tables
    by_cat, cat_notes = flag_counts(ws, flt, by="lexicon_category", flags=flags)
    if not by_cat.num_rows:
        return None
    lead = tr("inf.note.leads")
    blocks = [Block(tr("inf.blk.category"), by_cat, name="inflammatory-categories",
                    columns=["lexicon_category", "flagged_posts", "matches", "posts"], note=lead)]
    for by in ("actor", "week"):
        table, _ = flag_counts(ws, flt, by=by, flags=flags)
        blocks.append(Block(tr(f"inf.blk.{by}"), table, name=f"inflammatory-{by}", limit=SHOWN,
                            columns=[by, "lexicon_category", "flagged_posts", "posts", "flagged_pct"], note=lead))
    return {"id": "inflammatory", "title": tr("sec.inflammatory"), "notes": notes.get("inflammatory"),
            "paragraphs": [lead, " ".join(n for n in cat_notes[1:2])], "blocks": blocks}
