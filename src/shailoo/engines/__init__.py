"""Engines that run shailoo's analyses: DuckDB (the workspace itself) and Spark (over a Parquet export).

The analyses are written once, in DuckDB SQL; `engines.sql` compiles that SQL for Spark and
`engines.spark` gives the analyses a workspace whose connection runs it there."""

ENGINES = ("duckdb", "spark")
