"""Sharing coordination findings: flagged clusters as STIX into the exchange, or a bundle file.

Why: the CLI and (later) the API share detection results the same way: every flagged cluster's
objects go in one exchange call (all or nothing, through the access policy like every write),
to the recipients and at the TLP the analyst chose; without an exchange they become a bundle."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import orjson

from warroom.detectors.cib.detector import DetectionResult
from warroom.detectors.cib.stix import DisarmCatalog, cluster_to_stix
from warroom.model.orgs import Principal
from warroom.model.sharing import Recipients
from warroom.model.tlp import TLP
from warroom.services.exchange import ExchangeService


def findings_objects(result: DetectionResult, *, platform: str, created_by: str, tlp: TLP,
                     timestamp: str, disarm: DisarmCatalog | None,
                     clusters: list[int] | None = None) -> list[dict[str, Any]]:
    """The STIX objects of the flagged clusters (or of the chosen cluster ids), de-duplicated."""
    chosen = [c for c in result.flagged_clusters if clusters is None or c.id in clusters]
    if clusters is not None:
        missing = sorted(set(clusters) - {c.id for c in chosen})
        if missing:
            raise ValueError(f"no flagged cluster with id {', '.join(map(str, missing))}")
    objects: list[dict[str, Any]] = []
    seen: set[str] = set()
    for cluster in chosen:
        for obj in cluster_to_stix(cluster, platform=platform, created_by_ref=created_by,
                                   created=timestamp, source_name=Path(result.source).name,
                                   marking_refs=[tlp.marking_id], disarm=disarm):
            if obj["id"] not in seen:
                seen.add(obj["id"])
                objects.append(obj)
    return objects


def share_findings(objects: list[dict[str, Any]], *, exchange: ExchangeService | None,
                   principal: Principal | None, recipients: Recipients, tlp: TLP,
                   bundle: Path | None) -> int:
    """Share ``objects`` through the exchange (when given a principal) and/or write a bundle."""
    if not objects:
        return 0
    if exchange is not None and principal is not None:
        exchange.share(principal, objects, recipients, tlp=tlp, transport="cli")
    if bundle is not None:
        bundle.parent.mkdir(parents=True, exist_ok=True)
        bundle.write_bytes(orjson.dumps({"type": "bundle", "id": f"bundle--{uuid.uuid4()}",
                                         "objects": objects}, option=orjson.OPT_INDENT_2))
    return len(objects)
