"""Run coordination-network-toolkit (the peer of issue 4) on warroom's canonical posts.

Why: the speed and quality benchmarks compare warroom's signals with the peer's networks on the
same input in the same run. This feeds the posts to the toolkit through its documented Python
API (``preprocess_data`` into its SQLite database, then ``compute_*`` per network), times each
network, and reads the edges back from its tables."""

from __future__ import annotations

import contextlib
import io
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

PEER_COMMANDS = ("co_retweet", "co_link", "co_tweet", "co_reply", "co_post")


@dataclass
class CntRun:
    seconds_load: float
    seconds_by_command: dict[str, float] = field(default_factory=dict)
    edges: dict[str, list[tuple[str, str, float]]] = field(default_factory=dict)


def _messages(posts: pa.Table) -> Iterator[tuple[object, ...]]:
    """Rows in the toolkit's order: message_id, user_id, username, repost_id, reply_id,
    message, timestamp, urls."""
    for batch in posts.to_batches(max_chunksize=50_000):
        columns = batch.to_pydict()
        for post_id, account, repost, reply, text, ts, urls in zip(
            columns["post_id"], columns["account"], columns["repost_of"], columns["reply_to"],
            columns["text"], columns["ts"], columns["urls"], strict=True,
        ):
            yield (post_id, account, account, repost or "", reply or "", text or "", ts,
                   urls or [])


def run_cnt(posts: pa.Table, commands: list[str], time_window: int, workdir: Path,
            min_edge_weight: int = 1, threads: int = 2) -> CntRun:
    """Load ``posts`` (account, post_id, ts, text, repost_of, reply_to, urls) into a fresh
    toolkit database under ``workdir`` and compute each network in ``commands``."""
    from coordination_network_toolkit import compute_networks as networks
    from coordination_network_toolkit import preprocess
    from coordination_network_toolkit.graph import get_edge_rows

    workdir.mkdir(parents=True, exist_ok=True)
    db = workdir / "cnt.db"
    if db.exists():
        db.unlink()
    quiet = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(quiet):
        preprocess.preprocess_data(str(db), _messages(posts))
    run = CntRun(seconds_load=time.perf_counter() - started)
    compute = {
        "co_retweet": lambda: networks.compute_co_retweet_parallel(
            str(db), time_window, n_threads=threads, min_edge_weight=min_edge_weight),
        "co_link": lambda: networks.compute_co_link_network(
            str(db), time_window, n_threads=threads, min_edge_weight=min_edge_weight),
        "co_tweet": lambda: networks.compute_co_tweet_network(
            str(db), time_window, n_threads=threads, min_edge_weight=min_edge_weight),
        "co_reply": lambda: networks.compute_co_reply_network(
            str(db), time_window, n_threads=threads, min_edge_weight=min_edge_weight),
        "co_post": lambda: networks.compute_co_post_network(
            str(db), time_window, n_threads=threads, min_edge_weight=min_edge_weight),
    }
    for command in commands:
        started = time.perf_counter()
        with contextlib.redirect_stdout(quiet):
            compute[command]()
        run.seconds_by_command[command] = time.perf_counter() - started
        pairs: dict[tuple[str, str], float] = {}
        for row in get_edge_rows(str(db), command):
            a, b, weight = str(row[0]), str(row[1]), float(row[2])
            key = (a, b) if a < b else (b, a)
            pairs[key] = max(pairs.get(key, 0.0), weight)
        run.edges[command] = [(a, b, w) for (a, b), w in sorted(pairs.items())]
    return run


if __name__ == "__main__":
    import tempfile

    table = pa.table({
        "account": ["a", "b", "c", "d", "e", "f"],
        "post_id": ["1", "2", "3", "4", "5", "6"],
        "ts": pa.array([0, 10, 20, 5000, 30, 40], pa.int64()),
        "text": ["x", "x", "x", "x", "hello there", "hello there"],
        "repost_of": ["s", "s", "s", "s", None, None],
        "reply_to": [None] * 6,
        "urls": [[], [], [], [], ["example.com/a"], ["example.com/a"]],
    })
    with tempfile.TemporaryDirectory() as tmp:
        result = run_cnt(table, ["co_retweet", "co_link", "co_tweet"], 60, Path(tmp))
    print(result)
