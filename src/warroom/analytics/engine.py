"""Where the named queries run: DuckDB in-process (default) or Spark (``warroom[spark]``).

Why: one small interface (register inputs, materialise a step, read a result as Arrow) is all
the coordination detector needs from an engine, so the same queries run on a laptop with DuckDB
and on a Spark cluster for data beyond one machine (DESIGN.md, scale path)."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Mapping
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


LOCAL_JAVA_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
"""JVM options for a local-mode session (unless ``config`` sets its own): only the quick JIT
tier and the simple collector. A local session mostly plans many short queries, and these cut
its start and warm-up by a quarter or more (the contract test's Spark part: 40 s to 31 s on two
cores); for long local runs over much data pass ``config={"spark.driver.extraJavaOptions": ""}``
(or use DuckDB, the faster engine on one machine)."""


class SparkEngine:
    """PySpark: local mode by default (``master="local[2]"``) or any cluster URL.

    Needs the optional extra (``pip install 'warroom[spark]'``) and Java 17+. Steps are locally
    checkpointed temporary views; Arrow tables are handed over through Parquet files in a
    scratch folder. ``config`` adds or overrides Spark settings.

    When no Spark context is running, the engine starts one and ``close`` stops it; a later
    engine in the same process starts a fresh one on the same JVM (JVM options such as
    ``spark.driver.extraJavaOptions`` only apply when the first session starts the JVM). When the
    caller already runs a context, the engine works in a new session of it (its own SQL settings
    and temporary views, ``master`` ignored) and ``close`` leaves the context running."""

    dialect = SPARK

    def __init__(self, master: str = "local[2]", app_name: str = "warroom-cib",
                 config: Mapping[str, str] | None = None) -> None:
        try:
            from pyspark import SparkContext
            from pyspark.sql import SparkSession
        except ImportError as error:  # pragma: no cover - depends on the optional extra
            raise RuntimeError(
                "the Spark engine needs the optional extra: pip install 'warroom[spark]'"
            ) from error
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        settings = {
            "spark.ui.enabled": "false",
            "spark.ui.showConsoleProgress": "false",
            "spark.log.level": "ERROR",
            # the dialect relies on these: UTC for naive timestamps, backslashes kept as
            # written in string literals (as DuckDB does), size(NULL) is NULL (as in DuckDB)
            "spark.sql.session.timeZone": "UTC",
            "spark.sql.parser.escapedStringLiterals": "true",
            "spark.sql.legacy.sizeOfNull": "false",
            "spark.sql.ansi.enabled": "false",
            # checkpointing a UNION of checkpointed steps fails in constraint rewriting
            # (NoSuchElementException: key not found, as in splink issue 2524); the constraints
            # only infer extra filters
            "spark.sql.constraintPropagation.enabled": "false",
            "spark.sql.shuffle.partitions": "8",
            "spark.sql.execution.arrow.pyspark.enabled": "true",
        }
        if master.startswith("local"):
            settings["spark.driver.extraJavaOptions"] = LOCAL_JAVA_OPTIONS
        settings.update(config or {})
        self._owns_session = SparkContext._active_spark_context is None
        if self._owns_session:
            builder = SparkSession.builder.master(master).appName(app_name)
            for key, value in settings.items():
                builder = builder.config(key, value)
            self.session = builder.getOrCreate()
        else:
            self.session = SparkSession.builder.getOrCreate().newSession()
            for key, value in settings.items():
                if self.session.conf.isModifiable(key):
                    self.session.conf.set(key, value)
        self._scratch = tempfile.TemporaryDirectory(prefix="warroom-spark-")
        self._views: list[str] = []
        self._handovers = 0
        self._closed = False

    def register_parquet(self, name: str, path: Path) -> None:
        self.session.read.parquet(str(path)).createOrReplaceTempView(name)
        self._views.append(name)

    def register_arrow(self, name: str, table: pa.Table) -> None:
        # a new file each time: a view registered earlier may still read the previous one
        self._handovers += 1
        target = Path(self._scratch.name) / f"{name}-{self._handovers}.parquet"
        pq.write_table(table, target)
        self.register_parquet(name, target)

    def materialise(self, name: str, sql: str) -> None:
        # a local checkpoint computes the step now and cuts its lineage: later steps refer to
        # earlier ones several times, and re-expanding every view would grow each plan
        # exponentially (label propagation refers to each previous round twice)
        frame = self.session.sql(sql).localCheckpoint(eager=True)
        frame.createOrReplaceTempView(name)
        self._views.append(name)

    def query(self, sql: str) -> pa.Table:
        result: pa.Table = self.session.sql(sql).toArrow()
        return result

    def close(self) -> None:
        """Drop this engine's views and scratch files; stop the session if the engine started
        it. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        try:
            if self._owns_session:
                self.session.stop()
            else:
                for name in dict.fromkeys(self._views):
                    self.session.catalog.dropTempView(name)
        finally:
            self._views.clear()
            self._scratch.cleanup()


def open_engine(name: str, threads: int | None = None) -> Engine:
    """``duckdb`` (default) or ``spark`` / ``spark:<master-url>``."""
    if name == "duckdb":
        return DuckDBEngine(threads=threads)
    if name == "spark" or name.startswith("spark:"):
        master = name.partition(":")[2] or f"local[{threads or 2}]"
        return SparkEngine(master=master)
    raise ValueError(f"unknown analytics engine {name!r}: use 'duckdb' or 'spark[:master-url]'")
