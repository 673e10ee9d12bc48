"""Domain watch as a use case: import protected assets, watch a source, share the alerts.

Why: the CLI (and later the API and scheduler) all do the same thing — build the asset index
from what organisations protect, run names from a source through the detector in batches, turn
alerts into STIX and share them through the exchange (or write them to a bundle when no
exchange is used), and checkpoint after each batch so a stopped watch resumes without losing
or repeating alerts."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from warroom.detectors.domains.assets import ProtectedAsset, asset, load_csv, load_dotgov
from warroom.detectors.domains.detector import Alert, DomainWatch
from warroom.detectors.domains.index import AssetIndex
from warroom.detectors.domains.sources import DomainSource
from warroom.detectors.domains.stix import alert_objects
from warroom.model.orgs import Principal
from warroom.model.sharing import Recipients
from warroom.model.stix import format_timestamp, now_micros
from warroom.model.tlp import TLP
from warroom.services.exchange import ExchangeService
from warroom.storage.domain_assets import StoredAsset
from warroom.storage.store import Store


def import_assets(
    store: Store, org_id: int, path: Path, *, dotgov: bool = False, election_only: bool = True
) -> tuple[int, int]:
    """Import assets for ``org_id`` from a dotgov-data CSV or an asset CSV; with ``dotgov``
    every registered .gov domain also joins the allowlist. Returns (assets, allowlisted)."""
    store.directory.get_org(org_id)
    if dotgov:
        assets, registered = load_dotgov(path, election_only=election_only)
        allowed = store.domain_assets.allow(registered, "dotgov")
    else:
        assets, allowed = load_csv(path), 0
    saved = store.domain_assets.save(
        StoredAsset(
            org_id, a.domain, a.organisation, tuple(sorted(a.tokens)), tuple(sorted(a.owned))
        )
        for a in assets
    )
    return saved, allowed


def protected_assets(store: Store, org_ids: Iterable[int] | None = None) -> list[ProtectedAsset]:
    return [
        asset(a.owner_name, a.domain, a.tokens, a.owned) for a in store.domain_assets.load(org_ids)
    ]


def build_index(
    store: Store, org_ids: Iterable[int] | None = None, allow: Iterable[str] = ()
) -> AssetIndex:
    assets = protected_assets(store, org_ids)
    return AssetIndex(assets, store.domain_assets.allowlist() | {d.lower() for d in allow})


@dataclass
class Checkpoint:
    """The next position to read and the timestamp of the batch in progress (reused when a
    batch is replayed, so its STIX objects come out identical)."""

    path: Path | None
    source: str
    position: int = 0
    batch_time: str | None = None

    @classmethod
    def load(cls, path: Path | None, source: str) -> Checkpoint:
        if path is None or not path.exists():
            return cls(path, source)
        data = json.loads(path.read_text())
        if data.get("source") != source:
            raise ValueError(
                f"checkpoint {path} is for source {data.get('source')!r}, not {source!r}"
            )
        return cls(path, source, int(data["position"]), data.get("batch_time"))

    def save(self) -> None:
        if self.path is None:
            return
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(
            json.dumps(
                {"source": self.source, "position": self.position, "batch_time": self.batch_time}
            )
        )
        tmp.replace(self.path)


@dataclass
class WatchResult:
    alerts: list[Alert] = field(default_factory=list)
    stats: Counter[str] = field(default_factory=Counter)
    invalid: Counter[str] = field(default_factory=Counter)
    objects_shared: int = 0


@dataclass
class AlertSink:
    """Where a batch's alerts go: shared through the exchange or written as bundle files."""

    exchange: ExchangeService | None
    principal: Principal | None
    recipients: Recipients
    tlp: TLP
    created_by: str
    output_dir: Path | None = None

    def deliver(self, alerts: list[Alert], timestamp: str, batch: int) -> int:
        if not alerts:
            return 0
        objects: list[dict[str, Any]] = []
        seen: set[str] = set()
        for a in alerts:
            for obj in alert_objects(
                a, created_by=self.created_by, tlp=self.tlp, timestamp=timestamp
            ):
                if obj["id"] not in seen:
                    seen.add(obj["id"])
                    objects.append(obj)
        if self.exchange is not None and self.principal is not None:
            self.exchange.share(
                self.principal, objects, self.recipients, tlp=self.tlp, transport="cli"
            )
        if self.output_dir is not None:
            self.output_dir.mkdir(parents=True, exist_ok=True)
            bundle = {
                "type": "bundle",
                "id": f"bundle--{objects[0]['id'].split('--')[1]}",
                "objects": objects,
            }
            (self.output_dir / f"alerts-{batch:09d}.json").write_bytes(orjson.dumps(bundle))
        return len(objects)


def watch(
    source: DomainSource,
    detector: DomainWatch,
    sink: AlertSink,
    checkpoint: Checkpoint,
    *,
    batch_size: int = 10_000,
    progress: Callable[[int], None] | None = None,
) -> WatchResult:
    """Run ``source`` through ``detector`` from the checkpoint on, one batch at a time: the
    batch's alerts are delivered, then the checkpoint moves past it."""
    result = WatchResult()
    batch: list[Alert] = []
    if checkpoint.batch_time is None:
        checkpoint.batch_time = format_timestamp(now_micros())
        checkpoint.save()
    last = checkpoint.position - 1
    done_in_batch = 0
    for position, name in source.records(checkpoint.position):
        if position != last:
            done_in_batch += 1
            if done_in_batch > batch_size:
                _finish(batch, sink, checkpoint, position, result)
                batch = []
                done_in_batch = 1
            if progress is not None:
                progress(position - last)
            last = position
        batch.extend(detector.scan([name]))
    _finish(batch, sink, checkpoint, last + 1, result)
    result.stats.update(detector.stats)
    result.stats.update({f"skipped: {k}": v for k, v in source.skipped.items()})
    result.invalid.update(detector.invalid_reasons)
    return result


def _finish(
    batch: list[Alert],
    sink: AlertSink,
    checkpoint: Checkpoint,
    next_position: int,
    result: WatchResult,
) -> None:
    assert checkpoint.batch_time is not None
    result.objects_shared += sink.deliver(batch, checkpoint.batch_time, checkpoint.position)
    result.alerts.extend(batch)
    checkpoint.position = next_position
    checkpoint.batch_time = format_timestamp(now_micros())
    checkpoint.save()
