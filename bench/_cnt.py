"""Run the peer coordination-network-toolkit (PyPI ``coordination-network-toolkit``) on the same
posts that warroom's coordination detector sees, side by side.

Why it exists: the CIB quality and speed benchmarks compare warroom with a named, published peer
rather than with numbers from a paper. To keep the comparison honest the peer must get exactly
the same input, in the same run, on the same machine. This module is the one place that turns
warroom's canonical posts table into the toolkit's input and reads its networks back, so both
benchmarks measure the peer the same way.

How: it only calls the toolkit's documented Python API, it does not copy its code.

1. ``preprocess.preprocess_data`` creates the toolkit's SQLite database (``edge`` and
   ``message_url`` tables) from an iterable of rows ``(message_id, user_id, username,
   repost_id, reply_id, message, timestamp, urls)``; the rows are streamed from the Arrow table
   one record batch at a time.
2. ``compute_networks.compute_*`` builds each network (``co_retweet``, ``co_link``, ...) with
   the same ``time_window`` and ``min_edge_weight`` and ``n_threads`` worker processes (the
   CLI's ``--n_cpus``); each command is timed on its own.
3. The edges are read back from the table ``database.COMMAND_TABLE_MAPPING[command]``.

The toolkit's networks are directed: ``(user_1, user_2, weight)`` counts user_1's messages that
have a match from user_2 within the window, both directions are stored, and self loops too.
Here they are made undirected: self loops are dropped, each pair appears once with
``user_a < user_b``, and its weight is the larger of the two directions (a pair is an edge as
soon as the toolkit reports it in either direction, as in its own edge list export).
"""

from __future__ import annotations

import contextlib
import io
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

PEER_COMMANDS = ("co_retweet", "co_link", "co_tweet", "co_reply", "co_post")
_BATCH_ROWS = 10_000


@dataclass
class CntRun:
    seconds_load: float
    seconds_by_command: dict[str, float] = field(default_factory=dict)
    edges: dict[str, list[tuple[str, str, float]]] = field(default_factory=dict)


def _messages(posts: pa.Table) -> Iterator[tuple[object, ...]]:
    """Rows in the order ``preprocess_data`` documents: message_id, user_id, username,
    repost_id, reply_id, message, timestamp, urls. Only one record batch is in Python at a
    time. A null text becomes "" (what the toolkit's CSV route gives for an empty field; its
    co_tweet text normaliser cannot take None) and null urls an empty list."""
    table = posts.select(["post_id", "account", "repost_of", "reply_to", "text", "ts", "urls"])
    for batch in table.to_batches(max_chunksize=_BATCH_ROWS):
        post_ids, accounts, reposts, replies, texts, stamps, urls = (
            column.to_pylist() for column in batch.columns
        )
        for post_id, account, repost, reply, text, ts, links in zip(
            post_ids, accounts, reposts, replies, texts, stamps, urls, strict=True
        ):
            yield (post_id, account, account, repost, reply, text or "", ts, links or [])


def _computers(
    db: str, time_window: int, min_edge_weight: int, threads: int
) -> dict[str, Callable[[], object]]:
    from coordination_network_toolkit import compute_networks as nets

    common = {"min_edge_weight": min_edge_weight, "n_threads": threads}
    return {
        "co_retweet": lambda: nets.compute_co_retweet_parallel(db, time_window, **common),
        "co_link": lambda: nets.compute_co_link_network(db, time_window, **common),
        "co_tweet": lambda: nets.compute_co_tweet_network(db, time_window, **common),
        "co_reply": lambda: nets.compute_co_reply_network(db, time_window, **common),
        "co_post": lambda: nets.compute_co_post_network(db, time_window, **common),
        "co_similar_tweet": lambda: nets.compute_co_similar_tweet(db, time_window, **common),
    }


def _read_edges(db: str, command: str) -> list[tuple[str, str, float]]:
    """The command's network from the toolkit's table, undirected (see the module doc)."""
    from coordination_network_toolkit.database import COMMAND_TABLE_MAPPING

    table = COMMAND_TABLE_MAPPING[command]
    con = sqlite3.connect(db)
    try:
        rows = con.execute(
            "SELECT min(user_1, user_2) AS a, max(user_1, user_2) AS b, max(weight) "
            f"FROM {table} WHERE user_1 != user_2 GROUP BY a, b ORDER BY a, b"
        ).fetchall()
    finally:
        con.close()
    return [(str(a), str(b), float(weight)) for a, b, weight in rows]


def run_cnt(
    posts: pa.Table,
    commands: list[str],
    time_window: int,
    workdir: Path,
    min_edge_weight: int = 1,
    threads: int = 2,
) -> CntRun:
    """Load ``posts`` (account, post_id, ts, text, repost_of, reply_to, urls) into a fresh
    toolkit database ``workdir/cnt.db``, compute each network in ``commands`` with the same
    ``time_window`` (seconds) and return the timings and undirected edges. The toolkit's
    progress output is swallowed."""
    from coordination_network_toolkit import preprocess

    db = workdir / "cnt.db"
    computers = _computers(str(db), time_window, min_edge_weight, threads)
    unknown = [command for command in commands if command not in computers]
    if unknown:
        raise ValueError(f"unknown toolkit commands {unknown}; known: {sorted(computers)}")
    workdir.mkdir(parents=True, exist_ok=True)
    for stale in (db, db.with_name("cnt.db-wal"), db.with_name("cnt.db-shm")):
        stale.unlink(missing_ok=True)
    quiet = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(quiet):
        preprocess.preprocess_data(str(db), _messages(posts))
    run = CntRun(seconds_load=time.perf_counter() - started)
    for command in commands:
        started = time.perf_counter()
        with contextlib.redirect_stdout(quiet):
            computers[command]()
        run.seconds_by_command[command] = time.perf_counter() - started
        run.edges[command] = _read_edges(str(db), command)
        quiet.seek(0)
        quiet.truncate()
    return run


def _smoke_table() -> pa.Table:
    """Six accounts. a, b, c repost source s within 60 s of each other, d reposts it 5000 s
    later. e and f post the same text and link 20 s apart; f's second post repeats the link
    two hours later."""
    return pa.table(
        {
            "account": ["a", "b", "c", "d", "e", "f", "f"],
            "post_id": ["1", "2", "3", "4", "5", "6", "7"],
            "ts": pa.array([0, 10, 50, 5000, 30, 50, 7250], pa.int64()),
            "text": ["x", "x", "x", "x", "Hello there @a", "hello  there", None],
            "repost_of": ["s", "s", "s", "s", None, None, None],
            "reply_to": pa.array([None] * 7, pa.string()),
            "urls": [[], [], [], [], ["example.com/a"], ["example.com/a"], ["example.com/a"]],
        }
    )


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        result = run_cnt(_smoke_table(), ["co_retweet", "co_link", "co_tweet"], 60, Path(tmp))
    print(f"load {result.seconds_load:.3f}s")
    for name, pairs in result.edges.items():
        print(f"{name}: {result.seconds_by_command[name]:.3f}s {pairs}")
