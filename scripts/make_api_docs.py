"""Write docs/api.md from the docstrings of the public Python API (tests/test_docs.py checks it is current).

    .venv/bin/python scripts/make_api_docs.py
"""

from __future__ import annotations

import importlib
import inspect
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "api.md"

# (module, names): what a notebook uses, in the order a reader meets it.
PUBLIC = (
    ("shailoo", ("open", "init_workspace")),
    ("shailoo", ("Workspace.sql", "Workspace.table", "Workspace.close")),
    ("shailoo.api", ("select",)),
    ("shailoo.metrics", ("posts", "interactions", "top_posts", "compare_periods", "compare_platforms")),
    ("shailoo.texts", ("terms", "ngrams", "kwic", "assoc", "clusters", "topics")),
    ("shailoo.query", ("sql",)),
    ("shailoo.export", ("posts", "export_posts")),
)

INTRO = """# Python API

*Generated from the docstrings by `scripts/make_api_docs.py`; do not edit by hand.*

```python
import shailoo, shailoo.metrics, shailoo.texts

ws = shailoo.open("kg2026")                     # read-only: every `shailoo` command keeps working beside it
shailoo.metrics.posts(ws, by="actor")           # a pyarrow.Table, like every analysis below
shailoo.texts.kwic(ws, "шайлоо", platform="telegram").to_pylist()[:5]
ws.sql("SELECT platform, count(*) AS posts FROM posts_v GROUP BY 1").to_arrow_table()
ws.sql("SELECT * FROM posts_v LIMIT 5").df()    # pandas: pip install 'shailoo[pandas]'
ws.close()
```

A workspace opened with `shailoo.open(DIR)` only reads: nothing it runs can change the file, and
other programs (the CLI, another notebook) may read it at the same time. `shailoo.open(DIR,
write=True)` changes it (periods, imports); the workspace is then this program's alone until
`ws.close()`, and every `shailoo` command waits for that. Arrow tables go to pandas with
`.to_pandas()` and to Polars with `polars.from_arrow(table)`; DuckDB relations (`ws.sql`,
`ws.table`) have `.to_arrow_table()`, `.df()` (pandas) and `.pl()` (Polars).

Every analysis takes the post filters of `shailoo.api.select` as keywords and covers the monitoring
period by default, as the command line does; unknown counts are null, never 0.
"""


def _get(module: str, name: str):
    obj = importlib.import_module(module)
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


def _markdown(doc: str) -> str:
    """A Google-style docstring in Markdown: its Args/Returns entries as a list."""
    lines: list[str] = []
    section = False
    for line in doc.strip().splitlines():
        if line in ("Args:", "Returns:"):
            section = True
            lines += ["", f"**{line[:-1]}**", ""]
        elif section and line.startswith("        "):
            lines[-1] += " " + line.strip()
        elif section and line.startswith("    "):
            name, _, rest = line.strip().partition(":")
            lines.append(f"- `{name}`:{rest}" if rest and " " not in name.replace(", ", ",") else "- " + line.strip())
        else:
            section = section and bool(line.strip())
            lines.append(line)
    return "\n".join(lines)


def render() -> str:
    parts = [INTRO]
    for i, (module, names) in enumerate(PUBLIC):
        if not (i and module == PUBLIC[i - 1][0]):
            parts.append(f"## `{module}`\n")
        doc = inspect.getdoc(importlib.import_module(module)) if module != "shailoo" else None
        if doc:
            parts.append(doc.split("\n\n")[0] + "\n")
        for name in names:
            obj = _get(module, name)
            signature = str(inspect.signature(obj)).replace("'", '"').replace("(self, ", "(").replace("(self)", "()")
            parts.append(f"### `{module}.{name}{signature}`\n")
            parts.append(_markdown(inspect.getdoc(obj) or "") + "\n")
    return "\n".join(parts)


if __name__ == "__main__":
    DOC.write_text(render(), encoding="utf-8")
    sys.stdout.write(f"Wrote {DOC}\n")
