"""Builds the small workspace whose answers the metrics tests know by hand (tests/data/metrics)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from shailoo.actors import import_registry
from shailoo.store.loader import import_file
from shailoo.store.workspace import init_workspace

DATA = Path(__file__).resolve().parents[1] / "data" / "metrics"


def build_fixture(path: Path, results: bool = False):
    ws = init_workspace(path, project="fixture")
    import_registry(ws, DATA / "registry.csv")
    for export in sorted(DATA.glob("2021-*.csv")):  # file names carry the export (measurement) time
        import_file(ws, export)
    ws.add_period("pre-campaign", date(2020, 12, 1), date(2020, 12, 14))
    ws.add_period("campaign", date(2020, 12, 15), date(2021, 1, 9))
    if results:
        from shailoo.analysis.results import import_results

        import_results(ws, DATA / "results.csv")
    return ws
