"""One contract over both engines: every coordination signal gives the same pairs, and scoring
the same clusters, on DuckDB and on Spark (local mode), on a small world built to exercise each
signal and each window edge.

The world: four network accounts (net0–net3) share a repost, a link, a media id, a hashtag
sequence and near-copy texts, each time within seconds of each other and in the same five
minutes, and were created within one hour. Eight organic accounts post on their own minutes and
share the same objects too, but outside the window (one pair exactly 60 s apart, one 59 s)."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from warroom.analytics.engine import DuckDBEngine, Engine
from warroom.detectors.cib.schema import CANONICAL_SCHEMA
from warroom.detectors.cib.scoring import Thresholds, score
from warroom.detectors.cib.signals import SIGNALS, Params, prepare, run_signals

T0 = dt.datetime(2024, 10, 1, 12, 0)
CREATED = dt.datetime(2024, 9, 1, 8, 0)
NET = [f"net{i}" for i in range(4)]
ORG = [f"org{j}" for j in range(8)]
NET_SECONDS = (0.0, 5.4, 10.5, 20.7)
"""When in the minute each network account acts: every network pair is under 60 s apart. The
fractions pin how both engines round times to whole seconds (to the nearest, ties to even)."""
TEXT = ("officials in the northern county quietly destroyed thousands of mailed ballots last "
        "night before the observers arrived to count them")
WORDS = TEXT.split(" ")
PARAMS = Params()

Row = dict[str, Any]
Run = tuple[list[Row], list[tuple[Any, ...]]]
"""Every signal's pair rows, and the scored clusters (members, flagged, score, units)."""


def _text(words: list[str], link: str = "", handle: str = "") -> str:
    return " ".join([*words, *([f"https://{link}"] if link else []),
                     *([f"@{handle}"] if handle else [])])


def _posts() -> list[Row]:
    rows: list[Row] = []

    def post(account: str, minute: int, second: float = 0, **fields: Any) -> None:
        rows.append({"account": account, "time": T0 + dt.timedelta(minutes=minute, seconds=second),
                     **fields})

    changed = list(WORDS)
    changed[5] = "burned"
    reordered = WORDS[10:] + WORDS[:10]
    texts = [WORDS, reordered, changed, WORDS]
    for i, (account, second) in enumerate(zip(NET, NET_SECONDS, strict=True)):
        post(account, 0, second, repost_of="src1", text="RT the original")
        post(account, 10, second, urls=["example.org/ballots"], domains=["example.org"],
             text="read this https://example.org/ballots")
        # the same media; net3 five minutes later, outside the window
        post(account, 20 if i < 3 else 25, second, media=["phash:ab12"])
        post(account, 30, second, hashtags=["stopthecount", "vote"], text="#stopthecount #vote")
        # near copies: reordered, one word changed, other links (a shortener) and handles
        post(account, 40, second, urls=[f"t.co/x{i}"], domains=["t.co"], mentions=[f"user{i}"],
             text=_text(texts[i], f"t.co/x{i}", f"user{i}"))
    # the same objects, outside the window
    post("org0", 15, repost_of="src1", text="RT the original")
    post("org3", 310, urls=["example.org/ballots"], domains=["example.org"])
    post("org4", 320, media=["phash:ab12"])
    post("org6", 330, text=_text(WORDS))
    # inside the window but not the same object: the other hashtag order, another text
    post("org5", 30, 30, hashtags=["vote", "stopthecount"])
    post("org7", 40, 30, text="my cat knocked the coffee off the table again this morning")
    # a second repost: org0 and org1 59 s apart (a pair), org1 and org2 exactly 60 s (none)
    post("org0", 300, 0, repost_of="src2")
    post("org1", 300, 59, repost_of="src2")
    post("org2", 301, 59, repost_of="src2")
    # organic activity, each account on its own minutes: with 52 active minutes in all, five
    # shared minutes are far more than chance (synchronised activity needs a lift of 10)
    for j, account in enumerate(ORG):
        for k in range(5):
            post(account, 100 + 5 * j + k, 30, text="good morning",
                 hashtags=["vote"] if k == 0 else [])
    created = {account: CREATED + dt.timedelta(minutes=m)
               for account, m in zip(NET, (0, 10, 20, 50), strict=True)}
    created["org1"] = CREATED + dt.timedelta(hours=3)
    created["org2"] = CREATED - dt.timedelta(days=30)
    for row in rows:
        row["account_created"] = created.get(row["account"])
    return rows


def _table(rows: list[Row]) -> pa.Table:
    columns: dict[str, list[Any]] = {field.name: [] for field in CANONICAL_SCHEMA}
    for n, row in enumerate(rows):
        for field in CANONICAL_SCHEMA:
            if field.name == "platform":
                value: Any = "twitter"
            elif field.name == "post_id":
                value = f"p{n}"
            elif pa.types.is_list(field.type):
                value = list(row.get(field.name, []))
            else:
                value = row.get(field.name)
            columns[field.name].append(value)
    return pa.Table.from_pydict(columns, schema=CANONICAL_SCHEMA)


def _run(engine: Engine, posts: Path) -> Run:
    engine.register_parquet("posts", posts)
    prepare(engine)
    tables = run_signals(engine, tuple(SIGNALS), PARAMS)
    rows = [row for table in tables
            for row in engine.query(f"SELECT * FROM {table}").to_pylist()]
    clusters = [(c.members, c.flagged, c.score, c.evidence_units)
                for c in score(engine, tables, Thresholds()).clusters]
    return rows, clusters


def _comparable(rows: list[Row]) -> list[tuple[Any, ...]]:
    """What both engines must agree on. A near-copy cluster is labelled with its smallest post
    hash, and the engines hash differently, so copy_text objects are left out."""
    return sorted(
        (row["signal"], row["a"], row["b"], row["dt"], row["n"], row["burst"],
         round(row["sync"], 6), round(row["weight"], 6),
         "" if row["signal"] == "copy_text" else row["object"])
        for row in rows
    )


def _pairs(rows: list[Row]) -> dict[str, set[tuple[str, str]]]:
    pairs: dict[str, set[tuple[str, str]]] = {}
    for row in rows:
        pairs.setdefault(row["signal"], set()).add((row["a"], row["b"]))
    return pairs


def _all_pairs(accounts: list[str]) -> set[tuple[str, str]]:
    return {(a, b) for a in accounts for b in accounts if a < b}


@pytest.fixture(scope="module")
def posts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cib-engines") / "posts.parquet"
    pq.write_table(_table(_posts()), path)
    return path


@pytest.fixture(scope="module")
def duckdb_run(posts: Path) -> Run:
    engine = DuckDBEngine(threads=1)
    try:
        return _run(engine, posts)
    finally:
        engine.close()


@pytest.fixture(scope="module")
def spark_engine() -> Iterator[Engine]:
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java on the PATH")
    from warroom.analytics.engine import SparkEngine

    engine = SparkEngine(master="local[1]")
    try:
        yield engine
    finally:
        engine.close()  # the engine created the session, so this stops it


def test_the_world_exercises_every_signal_and_only_inside_the_window(duckdb_run: Run) -> None:
    duckdb_rows, clusters = duckdb_run
    pairs = _pairs(duckdb_rows)
    assert set(pairs) == set(SIGNALS), "every signal must produce at least one pair"
    network = _all_pairs(NET)
    assert pairs == {
        "co_repost": network | {("org0", "org1")},
        "co_link": network,
        "co_domain": network,
        "co_media": _all_pairs(NET[:3]),
        "co_hashtag": network,
        "copy_text": network,  # net2's copy has one word changed
        "sync_activity": _all_pairs(NET[:3]),  # net3 shares only four minutes
        "creation_burst": network,
    }
    for row in duckdb_rows:
        window = PARAMS.creation_window if row["signal"] == "creation_burst" else PARAMS.window
        assert 0 <= row["dt"] < window, row
    by_object = {(row["signal"], row["object"]): row for row in duckdb_rows}
    # late sharers count towards an object's accounts (n) but not towards its burst
    n_and_burst = {("co_repost", "src1"): (5, 4), ("co_repost", "src2"): (3, 2),
                   ("co_link", "example.org/ballots"): (5, 4), ("co_media", "phash:ab12"): (5, 3)}
    for key, expected in n_and_burst.items():
        assert (by_object[key]["n"], by_object[key]["burst"]) == expected, key
    assert by_object["co_repost", "src2"]["dt"] == 59
    assert ("org1", "org2") not in pairs["co_repost"]  # exactly 60 s apart
    assert ("co_domain", "t.co") not in by_object  # a shortener links nobody
    copies = {(row["n"], row["burst"]) for row in duckdb_rows if row["signal"] == "copy_text"}
    assert copies == {(5, 4)}  # org6's late copy is in the cluster
    assert [(members, flagged) for members, flagged, *_ in clusters if flagged] == [(NET, True)]


@pytest.mark.slow  # a JVM start and ~45 small Spark jobs: about 30 s on two cores
def test_spark_gives_the_same_rows_as_duckdb(
    spark_engine: Engine, posts: Path, duckdb_run: Run,
) -> None:
    spark_rows, spark_clusters = _run(spark_engine, posts)
    duckdb_rows, duckdb_clusters = duckdb_run
    assert _comparable(spark_rows) == _comparable(duckdb_rows)
    assert {row["signal"] for row in spark_rows} == set(SIGNALS)
    assert spark_clusters == duckdb_clusters
