"""Weighting, fusion and clustering: from pairs with evidence to scored networks.

Why: raw co-share counts flag every fan of a viral post. Two things separate an operation from
a crowd: the objects are *rare* (shared by few accounts: weight ln(1 + accounts / sharers), a
smoothed TF-IDF) and shared *in sync* (most of an object's sharers acted inside one window, where
a crowd spreads over hours). Each pair's weight is the sum, over signals, of the signal's
weight times its rarity-times-synchrony sum; Leiden (igraph + leidenalg) clusters the fused
graph; a cluster is flagged when it holds enough synchronised evidence and nearly all of its
shared objects were shared in sync. The score is 1 - e^-margin: below the bars the margin is how
close the cluster came (1.0 = at the lower bar), past them 1 + synchrony × ln(1 + units / bar),
so ranking by score and flagging agree (flagged exactly when the score is at least 1 - 1/e ≈
0.632) and, among flagged clusters, more synchronised evidence ranks higher. Every score comes
with its evidence."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import igraph
import leidenalg
import pyarrow as pa

from warroom.analytics.engine import Engine
from warroom.detectors.cib.signals import SIGNALS


@dataclass(frozen=True)
class Thresholds:
    """When a cluster counts as coordinated (CLI: ``warroom cib detect --min-evidence …``)."""

    min_evidence: int = 4
    """Fewest evidence units inside the cluster: each object shared in sync (by at least
    ``strong_sync`` of its sharers) counts its synchronised sharers beyond the first, each
    significant synchronised-activity pair counts one."""
    min_sync: float = 0.8
    """Lowest mean synchrony of the cluster's shared objects."""
    strong_sync: float = 0.5
    """An object is evidence when at least this share of its sharers acted in one window."""
    min_share_of_posts: float = 0.25
    """A cluster with fewer evidence objects still counts when its evidence objects are at
    least this share of its members' posts: a few synchronised shares from quiet accounts say
    more than the same from accounts that post all day (accounts weighted by activity)."""
    min_size: int = 2
    resolution: float = 1.0
    """Leiden resolution (modularity); higher gives smaller clusters."""
    seed: int = 42


@dataclass
class Cluster:
    id: int
    members: list[str]
    score: float
    flagged: bool
    evidence_objects: int
    evidence_units: int
    mean_sync: float
    signals: dict[str, int]
    first: int | None
    last: int | None
    top_evidence: list[dict[str, object]] = field(default_factory=list)


@dataclass
class Scored:
    clusters: list[Cluster]
    account_score: dict[str, float]
    account_cluster: dict[str, int]
    account_strength: dict[str, float]
    edges: pa.Table
    """Fused edges: a, b, weight, signals (names), objects."""


def union_sql(tables: list[str]) -> str:
    columns = "signal, a, b, object, dt, t, n, burst, sync, weight"
    return " UNION ALL ".join(f"SELECT {columns} FROM {table}" for table in tables)


def fuse(engine: Engine, tables: list[str]) -> pa.Table:
    """One row per account pair: the fused weight and which signals link them."""
    engine.materialise("eo_all", union_sql(tables))
    cases = " ".join(f"WHEN '{name}' THEN {signal.weight}" for name, signal in SIGNALS.items())
    engine.materialise(
        "edges_by_signal",
        "SELECT a, b, signal, count(*) AS objects, sum(weight) AS weight, min(t) AS first, "
        "max(t) AS last FROM eo_all GROUP BY a, b, signal",
    )
    return engine.query(
        f"SELECT a, b, sum(weight * CASE signal {cases} ELSE 0 END) AS weight, "
        "sum(objects) AS objects, min(first) AS first, max(last) AS last, "
        "count(*) AS signal_count FROM edges_by_signal GROUP BY a, b ORDER BY a, b"
    )


def cluster(edges: pa.Table, thresholds: Thresholds) -> dict[str, int]:
    """Leiden communities of the fused graph: account -> cluster id (0 = largest)."""
    if edges.num_rows == 0:
        return {}
    a = edges.column("a").to_pylist()
    b = edges.column("b").to_pylist()
    weights = edges.column("weight").to_pylist()
    graph = igraph.Graph.TupleList(zip(a, b, weights, strict=True), weights=True)
    partition = leidenalg.find_partition(
        graph, leidenalg.RBConfigurationVertexPartition, weights="weight",
        resolution_parameter=thresholds.resolution, seed=thresholds.seed, n_iterations=-1,
    )
    names = graph.vs["name"]
    membership: dict[str, int] = {}
    for cluster_id, community in enumerate(sorted(partition, key=len, reverse=True)):
        for vertex in community:
            membership[names[vertex]] = cluster_id
    return membership


def score(engine: Engine, tables: list[str], thresholds: Thresholds) -> Scored:
    edges = fuse(engine, tables)
    membership = cluster(edges, thresholds)
    engine.register_arrow("membership", pa.table({
        "account": pa.array(list(membership), pa.string()),
        "cluster": pa.array(list(membership.values()), pa.int64()),
    }))
    kinds = " ".join(f"WHEN '{name}' THEN '{signal.kind}'" for name, signal in SIGNALS.items())
    engine.materialise(
        "cluster_objects",
        f"SELECT m1.cluster, e.signal, CASE e.signal {kinds} END AS kind, e.object, "
        "max(e.n) AS n, max(e.burst) AS burst, max(e.sync) AS sync, max(e.weight) AS weight, "
        "min(e.t) AS first, max(e.t) AS last, count(*) AS pairs "
        "FROM eo_all e JOIN membership m1 ON e.a = m1.account "
        "JOIN membership m2 ON e.b = m2.account AND m1.cluster = m2.cluster "
        "GROUP BY m1.cluster, e.signal, e.object",
    )
    stats = engine.query(
        f"SELECT cluster, count_if(kind <> 'support' AND sync >= {thresholds.strong_sync}) "
        "AS evidence, sum(CASE WHEN kind = 'share' AND sync >= "
        f"{thresholds.strong_sync} THEN burst - 1 WHEN kind = 'activity' AND sync >= "
        f"{thresholds.strong_sync} THEN 1 ELSE 0 END) AS extra, "
        "avg(CASE WHEN kind <> 'support' THEN sync END) AS mean_sync, "
        "min(first) AS first, max(last) AS last FROM cluster_objects GROUP BY cluster"
    ).to_pylist()
    by_signal = engine.query(
        "SELECT cluster, signal, count(*) AS objects FROM cluster_objects "
        "GROUP BY cluster, signal"
    ).to_pylist()
    top = engine.query(
        "SELECT cluster, signal, object, n, burst, sync, weight, first, pairs FROM ("
        "SELECT *, row_number() OVER (PARTITION BY cluster ORDER BY CASE WHEN kind = 'share' "
        "THEN 0 ELSE 1 END, weight DESC, object) AS r "
        "FROM cluster_objects WHERE kind <> 'support') x WHERE r <= 10 ORDER BY cluster, r"
    ).to_pylist()
    posts = {row["cluster"]: int(row["posts"]) for row in engine.query(
        "SELECT m.cluster, count(*) AS posts FROM p JOIN membership m ON p.account = m.account "
        "GROUP BY m.cluster").to_pylist()}
    members: dict[int, list[str]] = {}
    for account, cluster_id in membership.items():
        members.setdefault(cluster_id, []).append(account)
    signals: dict[int, dict[str, int]] = {}
    for row in by_signal:
        signals.setdefault(row["cluster"], {})[row["signal"]] = row["objects"]
    evidence: dict[int, list[dict[str, object]]] = {}
    for row in top:
        cluster_id = row.pop("cluster")
        evidence.setdefault(cluster_id, []).append(row)
    clusters = []
    for row in stats:
        cluster_id = row["cluster"]
        size = len(members.get(cluster_id, []))
        mean_sync = float(row["mean_sync"] or 0.0)
        count = int(row["evidence"])
        units = int(row["extra"] or 0)
        share_of_posts = count / max(1, posts.get(cluster_id, 0))
        # how far the cluster is past each bar: 1.0 = exactly at it
        reach = max(units / thresholds.min_evidence,
                    share_of_posts / thresholds.min_share_of_posts if count else 0.0)
        margin = min(reach, mean_sync / thresholds.min_sync)
        flagged = size >= thresholds.min_size and margin >= 1.0
        if flagged:  # past both bars: more synchronised evidence ranks higher
            margin = 1.0 + mean_sync * math.log1p(units / thresholds.min_evidence)
        cluster_score = 1.0 - math.exp(-margin)
        clusters.append(Cluster(
            id=cluster_id, members=sorted(members.get(cluster_id, [])),
            score=round(cluster_score, 4), flagged=flagged, evidence_objects=count,
            evidence_units=units,
            mean_sync=round(mean_sync, 4), signals=signals.get(cluster_id, {}),
            first=row["first"], last=row["last"], top_evidence=evidence.get(cluster_id, []),
        ))
    clusters.sort(key=lambda c: (-c.flagged, -c.score, -len(c.members), c.id))
    score_of = {c.id: c.score for c in clusters}
    strength: dict[str, float] = {}
    for a, b, weight in zip(edges.column("a").to_pylist(), edges.column("b").to_pylist(),
                            edges.column("weight").to_pylist(), strict=True):
        strength[a] = strength.get(a, 0.0) + weight
        strength[b] = strength.get(b, 0.0) + weight
    account_score = {account: score_of.get(cluster_id, 0.0)
                     for account, cluster_id in membership.items()}
    return Scored(clusters=clusters, account_score=account_score, account_cluster=membership,
                  account_strength=strength, edges=edges)
