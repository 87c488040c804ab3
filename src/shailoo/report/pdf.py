"""Print the report to PDF with headless Chromium (Debian's `chromium`, on PATH): A4, the print
stylesheet of the report, folded rows unfolded. The PDF is written beside the target and renamed
onto it when complete (outputs.atomic_output)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from shailoo.errors import ShailooError
from shailoo.outputs import atomic_output

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = ["--headless", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-extensions", "--no-pdf-header-footer",
         "--run-all-compositor-stages-before-draw", "--virtual-time-budget=10000"]


class BrowserMissing(ShailooError):
    """No Chromium to print the PDF with."""


def find_browser() -> str:
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    raise BrowserMissing("Printing a PDF needs Chromium, which is not installed: install Debian's package "
                         "(apt-get install chromium) or write the HTML report and print it from a browser.")


def print_pdf(html: str, path: Path, timeout: int = 300) -> Path:
    browser = find_browser()
    with tempfile.TemporaryDirectory(prefix="shailoo-pdf-") as tmp:
        page, pdf = Path(tmp) / "report.html", Path(tmp) / "report.pdf"
        page.write_text(html, encoding="utf-8")
        flags = list(FLAGS)
        if hasattr(os, "geteuid") and os.geteuid() == 0:  # Chromium refuses to run its sandbox as root
            flags.append("--no-sandbox")
        try:
            run = subprocess.run([browser, *flags, f"--user-data-dir={Path(tmp) / 'profile'}",
                                  f"--print-to-pdf={pdf}", page.as_uri()], capture_output=True, text=True,
                                 timeout=timeout)
        except subprocess.TimeoutExpired:
            raise ShailooError(f"Chromium did not finish printing the PDF within {timeout} s.") from None
        if not pdf.is_file() or pdf.stat().st_size == 0:
            tail = (run.stderr or "").strip().splitlines()[-1:] or ["no message"]
            raise ShailooError(f"Chromium could not print the PDF ({tail[0][:200]}).")
        with atomic_output(path, "wb", parents=True) as fh:
            fh.write(pdf.read_bytes())
    return path
