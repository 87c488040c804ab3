"""The report's "Political ads" section, as seed 002's "Ad library" chapter: spend and number of ads per
candidate (registered actor) and who paid, from the Ad Library API's ads in the report's scope, and the
Ad Library reports imported (each on its own). Amounts are ranges (lower and upper bound), never a midpoint.
"""

from __future__ import annotations

from shailoo.report.blocks import Block

SHOWN = 30


def ads_section(ws, flt, tr, notes: dict) -> dict | None:
    from shailoo.analysis.ads import ad_spend, reports

    con = ws.con
    has_ads = con.execute("SELECT count(*) FROM ads").fetchall()[0][0]
    listed = reports(ws)
    if not has_ads and not listed.num_rows:
        return None
    blocks = []
    period = getattr(flt, "period", None)
    if has_ads:
        for by, name in (("actor", "ads-actor"), ("payer", "ads-payer"), ("page", "ads-page")):
            result = ad_spend(ws, by=by, period=period)
            cols = [by, "currency", "ads", "spend_lower", "spend_upper"] + (
                ["pages", "payers"] if by == "actor" else ["pages"] if by == "payer" else ["payers", "actors"])
            blocks.append(Block(tr(f"ads.blk.{by}"), result.table, name=name, limit=SHOWN,
                                columns=[c for c in cols if c in result.table.column_names],
                                note=" ".join([tr("ads.note.ranges"), *result.notes[:1], *result.notes[2:]])))
    if listed.num_rows:
        blocks.append(Block(tr("ads.blk.reports"), listed, name="ads-reports",
                            columns=["report", "window_start", "window_end", "advertisers", "ads", "currency",
                                     "spend_lower", "spend_upper", "without_disclaimer"], note=tr("ads.note.reports")))
        result = ad_spend(ws, by="page", source="report")
        blocks.append(Block(tr("ads.blk.report_pages"), result.table, name="ads-report-pages", limit=SHOWN,
                            columns=["report", "page", "payers", "actors", "currency", "ads", "spend_lower",
                                     "spend_upper"], note=tr("ads.note.ranges")))
    return {"id": "ads", "title": tr("sec.ads"), "notes": notes.get("ads"), "blocks": blocks}
