"""The report's coded sections (seeds/002): tone of media coverage per candidate, per media actor and
platform (its Charts 6 and 18), every post_actor variable per author category, topics per category
and platform, flagged posts (disinformation, inflammatory language) with links, and the coding part
of the methodology (codebook, samples, coders, reliability).

Only final codes are counted (coding/codes.final_codes): the agreed value or a reviewer's decision.
Machine suggestions appear only when asked for (`with_suggestions`), in their own tables labelled as
such. Every table says how many units it covers: coded figures describe the coded sample, not all
posts. Without a codebook or final codes there is no coded section and the report is unchanged.

Variables are read by their shape: a `post_actor` single-value variable is a tone (Charts 6/18); a
`post` variable with two values one of which means yes (code or label yes/true/1) is a flag; any
other `post` variable is a topic-like classification."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.compute as pc

from shailoo.report import charts
from shailoo.report.blocks import Block

YES = {"yes", "true", "1", "y"}
RULE_CHARS = 400  # a sample's rule as the methodology shows it (the JSON is the user's own input)


def _label(item, tr) -> str:
    return item.labels.get(tr.lang) or item.label or getattr(item, "name", "") or getattr(item, "code", "")


def flag_value(var) -> str | None:
    """The value that marks a post as flagged, for a yes/no post variable; None for other variables."""
    if var.unit != "post" or var.multiple or len(var.scale()) != 2:
        return None
    for v in var.scale():
        if v.code.strip().lower() in YES or v.label.strip().lower() in YES:
            return v.code
    return None


def _codebook(ws):
    try:
        from shailoo.coding.codebook import current_codebook
    except ImportError:  # the coding layer is absent: the report is the same as before
        return None
    return current_codebook(ws.con)


def _units(ws, flt, table: pa.Table) -> pa.Table:
    """Coded (or suggested) units inside the report's scope, with their post's platform, author,
    author's category, day, link and excerpt, and the mentioned actor's name and category."""
    where, params = flt.where(ws)
    ws.con.register("_coded_units", table.select(["post_id", "actor_id", "variable", "value"]))
    try:
        return ws.con.sql(f"""
            SELECT u.variable, u.value, u.post_id, u.actor_id, m.name AS mentioned, m.category AS mentioned_category,
                   p.platform, p.actor AS author, coalesce(p.category, 'unregistered') AS category, p.day, p.url,
                   left(regexp_replace(coalesce(p.text, ''), '\\s+', ' ', 'g'), 200) AS excerpt
            FROM _coded_units u
            JOIN (SELECT post_id, platform, actor, category, day, url, text FROM posts_v WHERE {where}) p
                 USING (post_id)
            LEFT JOIN actors m ON m.actor_id = u.actor_id""", params=params).to_arrow_table()
    finally:
        ws.con.unregister("_coded_units")


def _counts(units: pa.Table, keys: list[str]) -> list[dict]:
    """Units per keys and value (aggregated in Arrow, not per row in Python)."""
    if units.num_rows == 0:
        return []
    return units.group_by([*keys, "value"]).aggregate([("post_id", "count")]).to_pylist()


def _wide(units: pa.Table, keys: list[str], var, tr) -> tuple[pa.Table, dict[str, str], list[str]]:
    """One row per keys, one column per value (in codebook order) and the total; the column labels."""
    counts = _counts(units, keys)
    present = {r["value"] for r in counts}
    values = [v for v in var.values if v.code in present]
    cols = [f"{var.name}={v.code}" for v in values]
    rows: dict[tuple, dict] = {}
    for r in counts:
        k = tuple(r[c] for c in keys)
        rows.setdefault(k, {c: 0 for c in cols})[f"{var.name}={r['value']}"] = r["post_id_count"]
    ordered = sorted(rows.items(), key=lambda kv: (*[str(x) for x in kv[0][:-1]], -sum(kv[1].values()),
                                                    str(kv[0][-1])))
    data = {k: pa.array([key[i] for key, _ in ordered], pa.string()) for i, k in enumerate(keys)}
    for c in cols:
        data[c] = pa.array([row[c] for _, row in ordered], pa.int64())
    data["total"] = pa.array([sum(row.values()) for _, row in ordered], pa.int64())
    labels = {f"{var.name}={v.code}": _label(v, tr) for v in values}
    return pa.table(data), labels, cols


def _value_colors(var, values: list, tr) -> dict:
    """Ordinal scales run red → grey → green in the codebook's order; not applicable / can't tell are
    light grey; nominal values take the series colours."""
    scale = [v for v in var.scale() if v in values]
    if var.level != "nominal" and len(scale) in charts.DIVERGING:
        ramp = dict(zip((v.code for v in scale), charts.DIVERGING[len(scale)]))
    else:
        ramp = {v.code: charts.SERIES[i % len(charts.SERIES)] for i, v in enumerate(scale)}
    return {"domain": [_label(v, tr) for v in values],
            "range": [ramp.get(v.code, charts.MISSING_GREY) for v in values]}


def _tone_blocks(var, units: pa.Table, tr, machine: str | None) -> list[Block]:
    """Charts 6/18 per platform (media posts about candidates), per media actor, and every unit."""
    blocks = []
    name = _label(var, tr)
    mine = units.filter(pc.equal(units["variable"], var.name))
    if mine.num_rows == 0:
        return blocks
    prefix = f"{machine} " if machine else ""
    media = mine.filter(pc.and_(pc.equal(mine["category"], "media"),
                                        pc.equal(mine["mentioned_category"], "candidate")))
    for platform in sorted(set(media["platform"].to_pylist())):
        on = media.filter(pc.equal(media["platform"], platform))
        table, labels, cols = _wide(on, ["mentioned"], var, tr)
        values = [v for v in var.values if f"{var.name}={v.code}" in cols]
        data = [{"actor": r["mentioned"], "value": _label(v, tr), "n": r[f"{var.name}={v.code}"]}
                for r in table.to_pylist() for v in values]
        title = prefix + tr("blk.coded_media", variable=name, platform=tr.platform(platform))
        chart = charts.bars(data, "actor", "n", title, tr("col.posts"), tr, color=_value_colors(var, values, tr),
                            color_field="value", stack=True)
        blocks.append(Block(title, table, chart, name=f"{'suggested-' if machine else ''}{var.name}-media-{platform}",
                            labels=labels, sheet=f"{prefix}{name} – {tr.platform(platform)}",
                            note=_covers(tr, on, "note.coded_media", machine)))
    if media.num_rows:
        table, labels, _ = _wide(media, ["platform", "author", "mentioned"], var, tr)
        title = prefix + tr("blk.coded_media_actor", variable=name)
        blocks.append(Block(title, table, name=f"{'suggested-' if machine else ''}{var.name}-media-actors",
                            labels={"author": tr("col.media_actor"), **labels}, fold=15,
                            sheet=f"{prefix}{name} – {tr('sheet.media_actors')}",
                            note=_covers(tr, media, "note.coded_media", machine)))
    table, labels, _ = _wide(mine, ["platform", "category", "mentioned"], var, tr)
    title = prefix + tr("blk.coded_actor", variable=name)
    blocks.append(Block(title, table, name=f"{'suggested-' if machine else ''}{var.name}-actors",
                        labels=labels, fold=15, sheet=f"{prefix}{name} – {tr('sheet.all_units')}",
                        note=_covers(tr, mine, "note.coded_actor", machine)))
    return blocks


def _topic_block(var, units: pa.Table, tr, machine: str | None) -> Block | None:
    """Posts per value, platform and author category, and their share of that group's coded posts."""
    mine = units.filter(pc.equal(units["variable"], var.name))
    if mine.num_rows == 0:
        return None
    posts = {(r["platform"], r["category"]): r["post_id_count_distinct"] for r in
             mine.group_by(["platform", "category"]).aggregate([("post_id", "count_distinct")]).to_pylist()}
    order = {v.code: i for i, v in enumerate(var.values)}
    label = {v.code: _label(v, tr) for v in var.values}
    rows = sorted(_counts(mine, ["platform", "category"]),
                  key=lambda r: (r["platform"], r["category"], order.get(r["value"], 999)))
    table = pa.table({
        "platform": pa.array([r["platform"] for r in rows], pa.string()),
        "category": pa.array([r["category"] for r in rows], pa.string()),
        "value": pa.array([r["value"] for r in rows], pa.string()),
        "value_label": pa.array([label.get(r["value"], r["value"]) for r in rows], pa.string()),
        "posts": pa.array([r["post_id_count"] for r in rows], pa.int64()),
        "coded_posts": pa.array([posts[(r["platform"], r["category"])] for r in rows], pa.int64()),
        "share_pct": pa.array([round(100 * r["post_id_count"] / posts[(r["platform"], r["category"])], 1)
                               for r in rows], pa.float64())})
    name = _label(var, tr)
    prefix = f"{machine} " if machine else ""
    cats = list(dict.fromkeys(table["category"].to_pylist()))
    data = [{"value": r["value_label"], "category": tr.category(r["category"], plural=True),
             "platform": tr.platform(r["platform"]), "posts": r["posts"]} for r in table.to_pylist()]
    title = prefix + tr("blk.coded_topics", variable=name)
    color = charts.color_scale(cats, charts.CATEGORY_COLORS, {c: tr.category(c, plural=True) for c in cats})
    chart = charts.bars(data, "value", "posts", title, tr("col.posts"), tr, color=color, color_field="category",
                        facet="platform", stack=True)
    note = _covers(tr, mine, "note.coded_topics", machine, posts=True)
    if var.multiple:
        note += " " + tr("note.coded_multiple")
    return Block(title, table, chart, name=f"{'suggested-' if machine else ''}{var.name}-topics",
                 columns=["platform", "category", "value_label", "posts", "coded_posts", "share_pct"],
                 labels={"value_label": name}, fold=20, sheet=f"{prefix}{name}", note=note)


def _flag_blocks(flags: list, units: pa.Table, tr, machine: str | None) -> list[Block]:
    """Flagged posts per platform and category (of the posts coded for the flag), and the list with links."""
    prefix = f"{machine} " if machine else ""
    summary, flagged = [], {}
    for var, yes in flags:
        mine = units.filter(pc.equal(units["variable"], var.name))
        if mine.num_rows == 0:
            continue
        coded = mine.group_by(["platform", "category"]).aggregate([("post_id", "count_distinct")]).to_pylist()
        hits = mine.filter(pc.equal(mine["value"], yes))
        n_hit = {(r["platform"], r["category"]): r["post_id_count_distinct"] for r in
                 hits.group_by(["platform", "category"]).aggregate([("post_id", "count_distinct")]).to_pylist()}
        for r in coded:
            summary.append({"flag": _label(var, tr), "platform": r["platform"], "category": r["category"],
                            "flagged": n_hit.get((r["platform"], r["category"]), 0),
                            "coded_posts": r["post_id_count_distinct"]})
        for r in hits.to_pylist():
            flagged.setdefault(r["post_id"], {**r, "flags": []})["flags"].append(_label(var, tr))
    if not summary:
        return []
    summary.sort(key=lambda r: (r["flag"], r["platform"], r["category"]))
    blocks = [Block(prefix + tr("blk.coded_flag_counts"), pa.Table.from_pylist(summary), name=(
        "suggested-" if machine else "") + "flag-counts", sheet=prefix + tr("sheet.flag_counts"),
        note=_covers(tr, units.filter(pc.is_in(units["variable"], pa.array([v.name for v, _ in flags]))),
                     "note.coded_flags", machine, posts=True))]
    rows = sorted(flagged.values(), key=lambda r: (r["day"], r["post_id"]))
    table = pa.table({
        "day": pa.array([r["day"] for r in rows], pa.date32()),
        "platform": pa.array([r["platform"] for r in rows], pa.string()),
        "actor": pa.array([r["author"] for r in rows], pa.string()),
        "category": pa.array([r["category"] for r in rows], pa.string()),
        "flags": pa.array([", ".join(r["flags"]) for r in rows], pa.string()),
        "excerpt": pa.array([r["excerpt"] for r in rows], pa.string()),
        "url": pa.array([r["url"] for r in rows], pa.string())})
    blocks.append(Block(prefix + tr("blk.coded_flagged"), table, name=("suggested-" if machine else "") + "flagged-posts",
                        fold=15, sheet=prefix + tr("sheet.flagged"), note=tr("note.coded_flagged")))
    return blocks


def _covers(tr, units: pa.Table, key: str, machine: str | None, posts: bool = False) -> str:
    n = len(set(units["post_id"].to_pylist())) if posts else units.group_by(["post_id", "actor_id"]).aggregate([]).num_rows
    text = tr(key, n=n)
    return text + " " + (tr("note.machine") if machine else tr("note.coded_sample"))


def coded_section(ws, flt, tr, with_suggestions: bool = False) -> dict | None:
    """The coded section, or None when the workspace has no codebook or no final codes."""
    book = _codebook(ws)
    if book is None:
        return None
    from shailoo.coding.codes import final_codes

    final = final_codes(ws.con)
    if final.num_rows == 0:
        return None
    blocks = _blocks(book, _units(ws, flt, final), tr, None)
    paragraphs = [tr("p.coded_intro")]
    if with_suggestions:
        from shailoo.coding.suggest import suggested_units

        suggested = suggested_units(ws.con, [v.name for v in book.variables])
        if suggested.num_rows:
            blocks += _blocks(book, _units(ws, flt, suggested), tr, tr("blk.machine"))
            paragraphs.append(tr("p.coded_machine", n=suggested.group_by(["post_id", "actor_id", "variable"])
                                 .aggregate([]).num_rows))
    if not blocks:
        return None
    return {"id": "coded", "title": tr("sec.coded"), "paragraphs": paragraphs, "blocks": blocks}


def _blocks(book, units: pa.Table, tr, machine: str | None) -> list[Block]:
    blocks: list[Block] = []
    flags = [(v, flag_value(v)) for v in book.variables if flag_value(v) is not None]
    for var in book.variables:
        if var.unit == "post_actor" and not var.multiple:
            blocks += _tone_blocks(var, units, tr, machine)
    for var in book.variables:
        if var.unit == "post" and flag_value(var) is None:
            block = _topic_block(var, units, tr, machine)
            if block is not None:
                blocks.append(block)
    return blocks + _flag_blocks(flags, units, tr, machine)


# -- methodology ------------------------------------------------------------------------------------

def coded_methodology(ws, tr, with_suggestions: bool = False) -> tuple[list[str], list[Block]]:
    """Paragraphs and tables for the methodology: codebook, samples, coders, reliability."""
    book = _codebook(ws)
    if book is None:
        return [], []
    from shailoo.coding.codes import current_codes, final_codes

    final = final_codes(ws.con)
    if final.num_rows == 0:
        return [], []
    con = ws.con
    con.register("_m_final", final)
    con.register("_m_current", current_codes(con))
    try:
        coders, coded, agreed, decided, single = con.execute("""
            SELECT (SELECT count(DISTINCT coder) FROM _m_current),
                   (SELECT count(*) FROM (SELECT DISTINCT post_id, actor_id, variable FROM _m_current)),
                   count(DISTINCT (post_id, actor_id, variable)) FILTER (WHERE basis = 'agreed'),
                   count(DISTINCT (post_id, actor_id, variable)) FILTER (WHERE basis = 'adjudicated'),
                   count(DISTINCT (post_id, actor_id, variable)) FILTER (WHERE basis = 'single coder')
            FROM _m_final""").fetchall()[0]
    finally:
        con.unregister("_m_final")
        con.unregister("_m_current")
    names = ", ".join(_label(v, tr) for v in book.variables)
    paragraphs = [tr("m.codebook", title=book.title or "—", version=book.version, n=len(book.variables), names=names),
                  tr("m.coders", coders=coders, units=coded, agreed=agreed, decided=decided, single=single,
                     open=max(coded - agreed - decided - single, 0)),
                  tr("m.coded_sample")]
    if with_suggestions:
        paragraphs.append(tr("m.suggestions"))
    variables = pa.table({
        "variable": [v.name for v in book.variables],
        "variable_label": [_label(v, tr) for v in book.variables],
        "unit": [v.unit for v in book.variables],
        "level": [v.level for v in book.variables],
        "multiple": [v.multiple for v in book.variables],
        "values": [" | ".join(_label(x, tr) for x in v.values) for v in book.variables]})
    blocks = [Block(tr("blk.codebook"), variables, name="codebook", sheet=tr("sheet.codebook"))]
    samples = con.sql("""SELECT s.name AS sample, s.purpose, s.drawn_at, s.rule,
                                (SELECT count(*) FROM sample_posts p WHERE p.sample = s.name)::BIGINT AS posts
                         FROM samples s ORDER BY s.drawn_at, s.name""").to_arrow_table()
    if samples.num_rows:
        rules = [_rule_text(r) for r in samples["rule"].to_pylist()]
        samples = samples.set_column(samples.column_names.index("rule"), "rule", pa.array(rules, pa.string()))
        blocks.append(Block(tr("blk.samples"), samples, name="samples", sheet=tr("sheet.samples"),
                            columns=["sample", "purpose", "rule", "posts", "drawn_at"]))
    else:
        paragraphs.append(tr("m.no_sample"))
    text, block = _reliability(ws, book, tr)
    if text:
        paragraphs.append(text)
    if block is not None:
        blocks.append(block)
    return paragraphs, blocks


def _rule_text(rule: str | None) -> str:
    """A sample's rule (JSON) as 'key: value; …', bounded."""
    try:
        data = json.loads(rule or "{}")
    except ValueError:
        return (rule or "")[:RULE_CHARS]
    if not isinstance(data, dict):
        return str(data)[:RULE_CHARS]
    parts = [f"{k}: {json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v}" for k, v in data.items()
             if v not in (None, "", [], {})]
    return "; ".join(parts)[:RULE_CHARS]


def _reliability(ws, book, tr) -> tuple[str | None, Block | None]:
    """Alpha per variable with its bootstrap interval (coding/reliability.py), when that module exists."""
    try:
        from shailoo.coding.reliability import reliability_table
    except ImportError:
        return tr("m.no_reliability"), None
    from shailoo.errors import ShailooError

    try:
        table = reliability_table(ws.con, book)
    except ShailooError as exc:
        return tr("m.reliability_failed", reason=str(exc)), None
    if not isinstance(table, pa.Table):
        table = pa.Table.from_pylist(list(table))
    if table.num_rows == 0:
        return tr("m.no_reliability_units"), None
    rows = table.to_pylist()
    shown = [_alpha_text(r, tr) for r in rows]
    table = table.append_column("alpha_ci", pa.array(shown, pa.string()))
    # kappa, percent agreement and AC1 are in the CSV and the XLSX (the HTML's numbers have one decimal)
    cols = [c for c in ("variable", "value", "level", "alpha_ci", "units", "coders", "pairable_values", "note")
            if c in table.column_names]
    return tr("m.reliability"), Block(tr("blk.reliability"), table, name="reliability", columns=cols,
                                      sheet=tr("sheet.reliability"), note=tr("note.reliability"))


def _alpha_text(row: dict, tr) -> str:
    alpha = row.get("alpha")
    if alpha is None or alpha != alpha:
        return "—"
    text = tr.num(alpha, 3)
    low, high = row.get("ci_low"), row.get("ci_high")
    if low is not None and high is not None and low == low and high == high:
        text += f" [{tr.num(low, 3)}; {tr.num(high, 3)}]"
    return text
