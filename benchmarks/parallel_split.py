"""Check the two-process reader on a large CSV whose quote count misleads: records one pass vs two.

    python benchmarks/parallel_split.py [ROWS]      (default 212,057: about 170 MB)

The file has a quote inside an unquoted cell early on (the quote count is odd from there) and, from
a third of the way on, messages quoted over several lines with \\r\\n line ends: the quote-count guess
then cuts inside a quoted cell. Prints each reading's records, quarantined rows, lines and time.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

FILLER = "Шайлоо талапкер шайлоочулар добуш берүү өлкө эл укук жаштар жумуш мигранттар билим " * 6


def write(rows: int, path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write("Page Name,Facebook Id,Post Created,Likes,Comments,Shares,URL,Message\r\n")
        for i in range(rows):
            if i == 5:
                message = 'экран 5" дюймов'  # read literally: a quote inside an unquoted cell
            elif i > rows // 3:
                message = f'"Пост {i}\r\n{FILLER}\r\n""цитата"""'
            else:
                message = f"пост {i} {FILLER}"
            fh.write(f"Барак,55,2026-01-05 10:00:00 KGT,{i % 40},1,0,https://www.facebook.com/55/posts/{i},"
                     f"{message}\r\n")


def run(csv_path: Path, ws: Path, parallel_min: int) -> dict:
    code = ("import json,time,shailoo.store.parallel as p;p.PARALLEL_MIN_BYTES=%d;"
            "from shailoo.store.workspace import init_workspace;from shailoo.store.loader import import_file;"
            "ws=init_workspace(%r);t=time.perf_counter();r=import_file(ws,%r);"
            "print(json.dumps({'s':round(time.perf_counter()-t,1),'records':r.records,'imported':r.imported,"
            "'quarantined':r.quarantined,'lines':r.lines}))") % (parallel_min, str(ws), str(csv_path))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return json.loads(out.splitlines()[-1])


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 212_057
    tmp = Path(tempfile.mkdtemp(prefix="shailoo-split-"))
    path = tmp / "2026-03-01-12-00-00-KGT-export.csv"
    write(rows, path)
    print(f"{rows:,} records, {path.stat().st_size / 1e6:.0f} MB")
    print("one pass     :", run(path, tmp / "one", 1 << 62))
    print("two processes:", run(path, tmp / "two", 0))


if __name__ == "__main__":
    main()
