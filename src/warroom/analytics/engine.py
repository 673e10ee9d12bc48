"""Where the named queries run: DuckDB in-process (default) or Spark (``warroom[spark]``).

Why: one small interface (register inputs, materialise a step, read a result as Arrow) is all
the coordination detector needs from an engine, so the same queries run on a laptop with DuckDB
and on a Spark cluster for data beyond one machine (DESIGN.md, scale path)."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.parquet as pq

from warroom.analytics.dialect import DUCKDB, SPARK, Dialect


class Engine(Protocol):
    """An SQL engine the named queries run on."""

    dialect: Dialect

    def register_parquet(self, name: str, path: Path) -> None:
        """Make the Parquet file or directory at ``path`` queryable as ``name``."""

    def register_arrow(self, name: str, table: pa.Table) -> None:
        """Make an in-memory Arrow table queryable as ``name``."""

    def materialise(self, name: str, sql: str) -> None:
        """Run ``sql`` once and keep its rows as ``name`` for the following steps."""

    def query(self, sql: str) -> pa.Table:
        """Run ``sql`` and return every row as an Arrow table."""

    def close(self) -> None: ...


class DuckDBEngine:
    """DuckDB in-process: the embedded default. ``threads`` defaults to every core."""

    dialect = DUCKDB

    def __init__(self, threads: int | None = None, memory_limit: str | None = None) -> None:
        import duckdb

        config: dict[str, Any] = {}
        if threads:
            config["threads"] = threads
        if memory_limit:
            config["memory_limit"] = memory_limit
        self.connection = duckdb.connect(config=config)
        self.connection.execute("SET enable_progress_bar = false").fetchall()
        # steps are temporary tables of one run: checkpointing them to disk as they grow
        # costs seconds and saves nothing
        self.connection.execute("SET checkpoint_threshold = '100GB'").fetchall()

    def register_parquet(self, name: str, path: Path) -> None:
        source = str(path / "*.parquet") if path.is_dir() else str(path)
        literal = source.replace("'", "''")
        self.connection.execute(
            f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_parquet('{literal}')"
        ).fetchall()

    def register_arrow(self, name: str, table: pa.Table) -> None:
        self.connection.register(f"{name}__arrow", table)
        self.connection.execute(
            f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {name}__arrow"
        ).fetchall()
        self.connection.unregister(f"{name}__arrow")

    def materialise(self, name: str, sql: str) -> None:
        self.connection.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}").fetchall()

    def query(self, sql: str) -> pa.Table:
        return self.connection.sql(sql).to_arrow_table()

    def close(self) -> None:
        self.connection.close()


class SparkEngine:
    """PySpark: local mode by default (``master="local[2]"``) or any cluster URL.

    Needs the optional extra (``pip install 'warroom[spark]'``) and Java 17+. Steps are locally
    checkpointed temporary views; Arrow tables are handed over through Parquet files in a
    scratch folder."""

    dialect = SPARK

    def __init__(self, master: str = "local[2]", app_name: str = "warroom-cib") -> None:
        try:
            from pyspark.sql import SparkSession
        except ImportError as error:  # pragma: no cover - depends on the optional extra
            raise RuntimeError(
                "the Spark engine needs the optional extra: pip install 'warroom[spark]'"
            ) from error
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        self._scratch = tempfile.TemporaryDirectory(prefix="warroom-spark-")
        self.session = (
            SparkSession.builder.master(master)
            .appName(app_name)
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", "8")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.sql.ansi.enabled", "false")
            .config("spark.sql.parser.escapedStringLiterals", "true")
            .getOrCreate()
        )
        self.session.sparkContext.setLogLevel("ERROR")
        self._cached: list[str] = []

    def register_parquet(self, name: str, path: Path) -> None:
        self.session.read.parquet(str(path)).createOrReplaceTempView(name)

    def register_arrow(self, name: str, table: pa.Table) -> None:
        target = Path(self._scratch.name) / f"{name}.parquet"
        pq.write_table(table, target)
        self.register_parquet(name, target)

    def materialise(self, name: str, sql: str) -> None:
        # a local checkpoint computes the step now and cuts its lineage: later steps refer to
        # earlier ones several times, and re-expanding every view would grow each plan
        # exponentially (label propagation refers to each previous round twice)
        frame = self.session.sql(sql).localCheckpoint(eager=True)
        frame.createOrReplaceTempView(name)
        self._cached.append(name)

    def query(self, sql: str) -> pa.Table:
        result: pa.Table = self.session.sql(sql).toArrow()
        return result

    def close(self) -> None:
        for name in self._cached:
            self.session.catalog.dropTempView(name)
        self._cached.clear()
        self._scratch.cleanup()


def open_engine(name: str, threads: int | None = None) -> Engine:
    """``duckdb`` (default) or ``spark`` / ``spark:<master-url>``."""
    if name == "duckdb":
        return DuckDBEngine(threads=threads)
    if name == "spark" or name.startswith("spark:"):
        master = name.partition(":")[2] or f"local[{threads or 2}]"
        return SparkEngine(master=master)
    raise ValueError(f"unknown analytics engine {name!r}: use 'duckdb' or 'spark[:master-url]'")
