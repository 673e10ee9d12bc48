"""The coordination detector: canonical posts in, scored clusters with evidence out.

Why: one entry point used by the CLI, the benchmarks and the STIX export, so they all run the
same signals with the same weighting; it also plugs into the detector registry as
``coordinated_behaviour`` (items are paths of canonical Parquet files)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from warroom.analytics.engine import DuckDBEngine, Engine
from warroom.detectors.base import Finding
from warroom.detectors.cib.scoring import Cluster, Thresholds, score
from warroom.detectors.cib.signals import DEFAULT_SIGNALS, Params, prepare, run_signals

Progress = Callable[[str], None]


@dataclass
class DetectionResult:
    """Everything a report or a share needs: settings, clusters, per-account scores, timings."""

    source: str
    signals: tuple[str, ...]
    params: Params
    thresholds: Thresholds
    posts: int
    accounts: int
    clusters: list[Cluster]
    account_score: dict[str, float]
    account_cluster: dict[str, int]
    account_strength: dict[str, float]
    pairs: int
    seconds: dict[str, float] = field(default_factory=dict)
    pair_counts: dict[str, int] = field(default_factory=dict)

    @property
    def flagged_clusters(self) -> list[Cluster]:
        return [c for c in self.clusters if c.flagged]

    @property
    def flagged_accounts(self) -> set[str]:
        return {member for c in self.flagged_clusters for member in c.members}

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "signals": list(self.signals),
            "params": asdict(self.params),
            "thresholds": asdict(self.thresholds),
            "posts": self.posts,
            "accounts": self.accounts,
            "pairs": self.pairs,
            "pair_counts": self.pair_counts,
            "seconds": self.seconds,
            "flagged_accounts": len(self.flagged_accounts),
            "clusters": [asdict(c) for c in self.clusters],
            "account_scores": [
                {"account": account, "cluster": self.account_cluster.get(account),
                 "score": score_, "strength": round(self.account_strength.get(account, 0.0), 4)}
                for account, score_ in sorted(self.account_score.items(),
                                              key=lambda item: (-item[1], item[0]))
            ],
        }


def detect(posts: Path, engine: Engine | None = None,
           signals: tuple[str, ...] = DEFAULT_SIGNALS, params: Params | None = None,
           thresholds: Thresholds | None = None, progress: Progress | None = None,
           examples: int = 3) -> DetectionResult:
    """Run ``signals`` over the canonical posts at ``posts`` and cluster the accounts."""
    params = params or Params()
    thresholds = thresholds or Thresholds()
    own_engine = engine is None
    engine = engine or DuckDBEngine()
    report = progress or (lambda _message: None)
    seconds: dict[str, float] = {}
    try:
        started = time.perf_counter()
        engine.register_parquet("posts", posts)
        report("reading posts")
        tick = time.perf_counter()
        prepare(engine)
        seconds["prepare"] = round(time.perf_counter() - tick, 3)
        tables: list[str] = []
        for name in signals:
            report(f"signal {name}")
            tick = time.perf_counter()
            tables += run_signals(engine, (name,), params)
            seconds[name] = round(time.perf_counter() - tick, 3)
        report("weighting and clustering")
        tick = time.perf_counter()
        scored = score(engine, tables, thresholds)
        seconds["clustering"] = round(time.perf_counter() - tick, 3)
        counts = engine.query(
            "SELECT (SELECT count(*) FROM p) AS posts, (SELECT total FROM totals) AS accounts"
        ).to_pylist()[0]
        pair_counts = {
            row["signal"]: int(row["pairs"]) for row in engine.query(
                "SELECT signal, count(*) AS pairs FROM edges_by_signal GROUP BY signal"
            ).to_pylist()
        }
        if examples:
            _attach_examples(engine, scored.clusters, examples)
        seconds["total"] = round(time.perf_counter() - started, 3)
    finally:
        if own_engine:
            engine.close()
    return DetectionResult(
        source=str(posts), signals=tuple(signals), params=params, thresholds=thresholds,
        posts=int(counts["posts"]), accounts=int(counts["accounts"]), clusters=scored.clusters,
        account_score=scored.account_score, account_cluster=scored.account_cluster,
        account_strength=scored.account_strength, pairs=scored.edges.num_rows,
        seconds=seconds, pair_counts=pair_counts,
    )


def _attach_examples(engine: Engine, clusters: list[Cluster], per_object: int) -> None:
    """Example posts (account, time, text) for each flagged cluster's top evidence."""
    for cluster in clusters:
        if not cluster.flagged:
            continue
        for item in cluster.top_evidence:
            signal = str(item["signal"])
            if signal == "sync_activity":
                continue
            obj = str(item["object"]).replace("'", "''")
            members = ", ".join("'" + m.replace("'", "''") + "'" for m in cluster.members)
            rows = engine.query(
                f"SELECT e.account, e.ts, x.text FROM ev_{signal} e LEFT JOIN posts x "
                f"ON x.account = e.account AND {engine.dialect.epoch('x.time')} = e.ts "
                f"WHERE e.object = '{obj}' "
                f"AND e.account IN ({members}) ORDER BY e.ts, e.account LIMIT {per_object}"
            ).to_pylist()
            item["examples"] = rows


class CoordinationDetector:
    """Registry adapter: ``detect`` takes paths of canonical Parquet files and yields one
    finding per flagged cluster."""

    name = "coordinated_behaviour"

    def __init__(self, signals: tuple[str, ...] = DEFAULT_SIGNALS,
                 params: Params | None = None, thresholds: Thresholds | None = None) -> None:
        self.signals = signals
        self.params = params or Params()
        self.thresholds = thresholds or Thresholds()

    def detect(self, items: Iterable[str]) -> Iterator[Finding]:
        for item in items:
            result = detect(Path(item), signals=self.signals, params=self.params,
                            thresholds=self.thresholds)
            for cluster in result.flagged_clusters:
                yield Finding(detector=self.name, subject=f"cluster-{cluster.id}",
                              kind="coordinated-network", score=cluster.score,
                              evidence=asdict(cluster))
