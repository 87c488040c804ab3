"""What the Spark engine needs besides pyspark (Java, pandas for its Arrow batches) is said in one
sentence before a session starts, not as PySpark's error in the middle of an analysis."""

from __future__ import annotations

import importlib.util

import pytest

from shailoo.engines import spark
from shailoo.errors import ShailooError


def test_missing_pandas_is_one_sentence_before_spark_starts(monkeypatch):
    pytest.importorskip("pyspark")
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "pandas" else real(name, *a))
    with pytest.raises(ShailooError, match=r"needs pandas beside pyspark.*shailoo\[spark\]"):
        spark.session()


def test_missing_java_is_one_sentence(monkeypatch):
    pytest.importorskip("pyspark")
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.delenv("PYSPARK_GATEWAY_PORT", raising=False)
    monkeypatch.setattr(spark.shutil, "which", lambda name: None)
    with pytest.raises(ShailooError, match="needs Java 17"):
        spark.session(master="local[1]")
