"""One contract over both engines: the coordination signals give the same pairs on DuckDB and
on Spark (local mode), for every signal, on a small world that exercises each of them."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from warroom.analytics.engine import DuckDBEngine, Engine
from warroom.detectors.cib.schema import CANONICAL_SCHEMA
from warroom.detectors.cib.signals import SIGNALS, Params, prepare, run_signals

T0 = dt.datetime(2024, 10, 1, 12, 0)


def _world() -> pa.Table:
    rows: list[dict[str, object]] = []

    def post(account: str, seconds: int, **fields: object) -> None:
        rows.append({"account": account, "time": T0 + dt.timedelta(seconds=seconds), **fields})

    created = T0 - dt.timedelta(days=30)
    for i in range(4):  # the network: same reposts, links, media, tags, text, minutes
        a = f"net{i}"
        for k in range(6):
            post(a, 3600 * k + i, repost_of=f"src{k}")
        post(a, 30_000 + i, urls=["example.org/a"], text="see this")
        post(a, 31_000 + i, media=["phash:1"])
        post(a, 32_000 + i, hashtags=["vote", "now"], text="#vote #now")
        words = ["the", "ballots", "in", "the", "county", "were", "burned", "last", "night"]
        if i == 3:
            words[-1] = "evening"
        post(a, 33_000 + i, text=" ".join(words) + f" https://t.co/x{i} @user{i}")
        rows[-1]["account_created"] = created + dt.timedelta(minutes=i)
    for j in range(6):  # organic accounts: the same things, hours apart
        a = f"org{j}"
        post(a, 2 * 3600 * j, repost_of="viral")
        post(a, 40_000 + 5000 * j, urls=["example.org/a"], text="see this")
        post(a, 50_000 + 7000 * j, text=f"my own words number {j} about the vote today")
    columns: dict[str, list[object]] = {f.name: [] for f in CANONICAL_SCHEMA}
    for n, row in enumerate(rows):
        for field in CANONICAL_SCHEMA:
            name = field.name
            if name == "platform":
                columns[name].append("twitter")
            elif name == "post_id":
                columns[name].append(f"p{n}")
            elif name in ("urls", "hashtags", "mentions", "domains", "media"):
                columns[name].append(list(row.get(name, [])))  # type: ignore[call-overload]
            else:
                columns[name].append(row.get(name))
    return pa.Table.from_pydict(columns, schema=CANONICAL_SCHEMA)


def _pairs(engine: Engine, posts: Path) -> dict[str, set[tuple[object, ...]]]:
    engine.register_parquet("posts", posts)
    prepare(engine)
    tables = run_signals(engine, tuple(SIGNALS), Params(activity_min_shared=5))
    found: dict[str, set[tuple[object, ...]]] = {}
    for table in tables:
        for row in engine.query(f"SELECT * FROM {table}").to_pylist():
            key = (row["a"], row["b"], row["dt"], row["n"], row["burst"],
                   round(row["sync"], 6), round(row["weight"], 6))
            if row["signal"] not in ("copy_text", "sync_activity"):
                key += (row["object"],)  # near-copy labels come from engine-specific hashes
            found.setdefault(row["signal"], set()).add(key)
    return found


@pytest.fixture(scope="module")
def posts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("engines") / "posts.parquet"
    pq.write_table(_world(), path)
    return path


@pytest.fixture(scope="module")
def duckdb_pairs(posts: Path) -> dict[str, set[tuple[object, ...]]]:
    engine = DuckDBEngine()
    try:
        return _pairs(engine, posts)
    finally:
        engine.close()


def test_every_signal_finds_the_network_and_only_it(
    duckdb_pairs: dict[str, set[tuple[object, ...]]],
) -> None:
    expected = {"co_repost", "co_link", "co_media", "co_hashtag", "copy_text", "creation_burst"}
    assert expected <= set(duckdb_pairs)
    for signal in expected:
        accounts = {a for pair in duckdb_pairs[signal] for a in pair[:2]}
        assert accounts <= {f"net{i}" for i in range(4)}, signal
    assert len({p[:2] for p in duckdb_pairs["copy_text"]}) == 6  # the edited copy included


@pytest.fixture(scope="module")
def spark_engine() -> Iterator[Engine]:
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java")
    from warroom.analytics.engine import SparkEngine

    engine = SparkEngine(master="local[1]")
    yield engine
    engine.close()
    engine.session.stop()


@pytest.mark.slow  # a JVM start and ~40 small Spark jobs: about 30 s
def test_spark_gives_the_same_pairs_as_duckdb(
    spark_engine: Engine, posts: Path, duckdb_pairs: dict[str, set[tuple[object, ...]]],
) -> None:
    assert _pairs(spark_engine, posts) == duckdb_pairs
