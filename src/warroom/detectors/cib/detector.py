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
    edges: list[dict[str, Any]] = field(default_factory=list)
    """Account pairs inside flagged clusters: a, b, weight, and per signal the objects shared."""

    @property
    def flagged_clusters(self) -> list[Cluster]:
        return [c for c in self.clusters if c.flagged]

    @property
    def flagged_accounts(self) -> set[str]:
        return {member for c in self.flagged_clusters for member in c.members}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DetectionResult:
        """Read back what ``as_dict`` wrote (``warroom cib report`` / ``share`` take the JSON)."""
        try:
            scores = data["account_scores"]
            return cls(
                source=data["source"], signals=tuple(data["signals"]),
                params=Params(**data["params"]), thresholds=Thresholds(**data["thresholds"]),
                posts=int(data["posts"]), accounts=int(data["accounts"]),
                clusters=[Cluster(**c) for c in data["clusters"]],
                account_score={row["account"]: float(row["score"]) for row in scores},
                account_cluster={row["account"]: row["cluster"] for row in scores
                                 if row["cluster"] is not None},
                account_strength={row["account"]: float(row["strength"]) for row in scores},
                pairs=int(data["pairs"]), seconds=dict(data.get("seconds", {})),
                pair_counts=dict(data.get("pair_counts", {})), edges=list(data.get("edges", [])),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"not a warroom detection result (from 'warroom cib detect'): "
                             f"{error}") from error

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
            "edges": self.edges,
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
        flagged = {m: c.id for c in scored.clusters if c.flagged for m in c.members}
        edges = _flagged_edges(engine, flagged)
        if examples:
            report("collecting examples")
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
        seconds=seconds, pair_counts=pair_counts, edges=edges,
    )


def _flagged_edges(engine: Engine, flagged: dict[str, int]) -> list[dict[str, Any]]:
    rows = engine.query(
        "SELECT a, b, signal, objects, weight FROM edges_by_signal ORDER BY a, b, signal"
    ).to_pylist()
    edges: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        a, b = row["a"], row["b"]
        if a not in flagged or flagged.get(b) != flagged[a]:
            continue
        edge = edges.setdefault((a, b), {"a": a, "b": b, "cluster": flagged[a], "weight": 0.0,
                                         "signals": {}})
        edge["weight"] = round(edge["weight"] + float(row["weight"]), 4)
        edge["signals"][row["signal"]] = int(row["objects"])
    return list(edges.values())


def _attach_examples(engine: Engine, clusters: list[Cluster], per_object: int) -> None:
    """Example posts (account, time, text) for each flagged cluster's top evidence: one query
    per signal for the shares, one for the texts."""
    wanted: dict[str, list[tuple[int, str]]] = {}
    for cluster in clusters:
        if cluster.flagged:
            for item in cluster.top_evidence:
                if item["signal"] != "sync_activity":
                    wanted.setdefault(str(item["signal"]), []).append(
                        (cluster.id, str(item["object"])))
    for cluster in clusters:
        for item in cluster.top_evidence:
            item.setdefault("examples", [])
    if not wanted:
        return
    member_of = {m: c.id for c in clusters if c.flagged for m in c.members}
    shares: dict[tuple[int, str, str], list[dict[str, Any]]] = {}
    for signal, items in wanted.items():
        objects = ", ".join("'" + obj.replace("'", "''") + "'" for _, obj in items)
        rows = engine.query(
            f"SELECT object, account, ts FROM ev_{signal} WHERE object IN ({objects}) "
            "ORDER BY object, ts, account"
        ).to_pylist()
        clusters_of: dict[str, set[int]] = {}
        for cluster_id, obj in items:
            clusters_of.setdefault(obj, set()).add(cluster_id)
        for row in rows:
            member = member_of.get(row["account"])
            if member is None or member not in clusters_of.get(row["object"], ()):
                continue
            bucket = shares.setdefault((member, signal, row["object"]), [])
            if len(bucket) < per_object:
                bucket.append({"account": row["account"], "ts": row["ts"]})
    keys = {(share["account"], share["ts"]) for bucket in shares.values() for share in bucket}
    if keys:
        import pyarrow as pa

        engine.register_arrow("example_keys", pa.table({
            "account": pa.array([k[0] for k in keys], pa.string()),
            "ts": pa.array([k[1] for k in keys], pa.int64()),
        }))
        texts = {
            (row["account"], row["ts"]): row["text"] for row in engine.query(
                f"SELECT k.account, k.ts, min(x.text) AS text FROM example_keys k JOIN posts x "
                f"ON x.account = k.account AND {engine.dialect.epoch('x.time')} = k.ts "
                "GROUP BY k.account, k.ts"
            ).to_pylist()
        }
        for bucket in shares.values():
            for share in bucket:
                share["text"] = texts.get((share["account"], share["ts"]))
    for cluster in clusters:
        if cluster.flagged:
            for item in cluster.top_evidence:
                item["examples"] = shares.get((cluster.id, str(item["signal"]),
                                               str(item["object"])), [])


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
