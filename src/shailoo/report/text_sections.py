"""The report's "Topics and key terms" section, built from analysis.text_report's tables in the
reader's language: topics per platform and week, the key terms (associations, occurrences in
context with local times), languages, word frequencies per platform, two-word terms, clusters."""

from __future__ import annotations

import pyarrow as pa

from shailoo.report import charts
from shailoo.report.blocks import Block

ASSOC_SHOWN = 15
KWIC_SHOWN = 20


def _topic_label(tr, topic: str, label: str) -> str:
    key = f"topic.{topic}"
    return tr(key) if tr.has(key) else label


def _local(tr, table: pa.Table, column: str) -> pa.Table:
    """`column` (UTC instants) as times in the workspace's zone, also in the CSV."""
    if column not in table.column_names or table.num_rows == 0:
        return table
    typ = pa.timestamp("us", tz=str(tr.tz))
    return table.set_column(table.column_names.index(column), column, table[column].cast(typ))


def text_section(ws, flt, tr, cfg, progress=None) -> dict | None:
    try:
        from shailoo.analysis.text_report import text_report
    except ImportError as exc:  # the text module is optional; any other failure is a bug to see
        if exc.name and exc.name.startswith("shailoo.analysis.text_report"):
            return None
        raise
    t = text_report(ws, flt, key_terms=cfg.key_terms or None, topic=cfg.key_terms_topic, progress=progress)
    blocks: list[Block] = []
    sample_note = tr("note.sample", n=t["sample"], total=t["selected"]) if t["sample"] < t["selected"] else None

    # Topics per platform (share of each platform's posts) and per week.
    tp = t["topics_platform"]
    if tp.num_rows:
        tp = tp.rename_columns(["platform" if c == "group" else c for c in tp.column_names])
        labels = {r["topic"]: _topic_label(tr, r["topic"], r["label"]) for r in tp.to_pylist()}
        tp = tp.set_column(tp.column_names.index("label"), "label", pa.array([labels[x] for x in tp["topic"].to_pylist()]))
        plats = list(dict.fromkeys(tp["platform"].to_pylist()))
        data = [{"topic": r["label"], "platform": tr.platform(r["platform"]), "value": round(r["share"] * 100, 1)}
                for r in tp.to_pylist()]
        color = charts.color_scale(plats, charts.PLATFORM_COLORS, {p: tr.platform(p) for p in plats})
        title = tr("blk.topics_platform")
        blocks.append(Block(title, tp, charts.bars(data, "topic", "value", title, tr("col.share_pct"), tr, color=color,
                                                   color_field="platform", offset="platform", integer=False,
                                                   sort=False),
                            columns=["platform", "label", "posts", "share"], name="topics-platform",
                            note=" ".join(x for x in (tr("note.topics"), sample_note) if x)))
    tw = t["topics_week"]
    if tw.num_rows:
        topics = list(dict.fromkeys(tw["topic"].to_pylist()))
        label_of = {r["topic"]: _topic_label(tr, r["topic"], r["label"]) for r in tw.to_pylist()}
        weeks = sorted(set(tw["group"].to_pylist()))
        # Shares of each week's posts (a sample's counts would understate the weeks).
        lookup = {(r["topic"], r["group"]): round(r["share"] * 100, 1) for r in tw.to_pylist()}
        cols = {"week": pa.array(weeks)} | {tp_: pa.array([lookup.get((tp_, w), 0.0) for w in weeks], pa.float64())
                                            for tp_ in topics}
        wide = pa.table(cols)
        data = [{"week": str(w), "topic": label_of[x], "posts": lookup.get((x, w), 0.0)} for x in topics for w in weeks]
        title = tr("blk.topics_week")
        block = Block(title, wide, charts.lines(data, "week", "posts", "topic", title, tr("col.share_pct"), tr,
                                                color=charts.color_scale([label_of[x] for x in topics], {})),
                      name="topics-week", note=sample_note)
        block.labels = {x: label_of[x] for x in topics}
        blocks.append(block)

    # Key terms: how many posts carry each, then per term its associations and occurrences.
    keys = t["key_terms"]
    if keys:
        kt = pa.table({"term": [k["term"] for k in keys], "posts": pa.array([k["support"] for k in keys], pa.int64())})
        source = tr("note.key_terms_list") if t["key_terms_source"] == "list" else \
            tr("note.key_terms_topic", topic=_topic_label(tr, t["key_terms_source"], t["key_terms_source"]))
        missing = tr("note.key_terms_missing", terms=", ".join(t["key_terms_missing"])) if t["key_terms_missing"] else None
        title = tr("blk.key_terms")
        blocks.append(Block(title, kt, charts.bars(kt.to_pylist(), "term", "posts", title, tr("col.posts"), tr),
                            name="key-terms", note=" ".join(x for x in (source, missing, sample_note) if x)))
        for k in keys:
            blocks.append(Block(tr("blk.assoc", term=k["term"]), k["assoc"], name=f"assoc-{k['term']}",
                                limit=ASSOC_SHOWN, fold=8, note=tr("note.assoc")))
        if t.get("kwic") is not None:
            hits = _local(tr, t["kwic"], "created_at")
            blocks.append(Block(tr("blk.kwic", term=", ".join(k["term"] for k in keys)), hits, name="key-terms-context",
                                limit=KWIC_SHOWN, fold=8,
                                columns=["created_at", "platform", "left", "keyword", "right", "url"],
                                note=" ".join(x for x in (tr("note.kwic_more") if t["kwic_more"] else None,
                                                          sample_note) if x) or None))

    lang = t["languages"]
    if lang.num_rows:
        data = [{"lang": tr.language_name(r["lang"]), "posts": r["posts"]} for r in lang.to_pylist()]
        title = tr("blk.languages")
        blocks.append(Block(title, lang, charts.bars(data, "lang", "posts", title, tr("col.posts"), tr),
                            name="languages",
                            note=" ".join(x for x in (tr("note.languages"), sample_note) if x)))

    terms = t["terms"]
    if terms.num_rows:
        data = [{"term": r["term"], "platform": tr.platform(r["group"]), "count": r["count"]} for r in terms.to_pylist()]
        title = tr("blk.terms")
        plats = list(dict.fromkeys(terms["group"].to_pylist()))
        terms = terms.rename_columns(["platform" if c == "group" else c for c in terms.column_names])
        blocks.append(Block(title, terms, charts.bars(data, "term", "count", title, tr("col.count"), tr,
                                                      color=charts.color_scale(plats, charts.PLATFORM_COLORS,
                                                                               {p: tr.platform(p) for p in plats}),
                                                      color_field="platform", facet="platform"),
                            name="terms", note=" ".join(x for x in (tr("note.terms"), sample_note) if x)))
    for key, table in (("ngrams", t["ngrams"]), ("collocations", t["collocations"])):
        if table.num_rows:
            blocks.append(Block(tr(f"blk.{key}"), table, name=key, fold=10, note=tr(f"note.{key}")))
    if t.get("clusters") is not None and t["clusters"].num_rows:
        blocks.append(Block(tr("blk.clusters"), t["clusters"], name="clusters", fold=11, note=tr("note.clusters")))
    return {"id": "text", "title": tr("sec.text"), "blocks": blocks}
