"""Domain alerts as STIX 2.1: an indicator (domain pattern) and the observed data behind it.

Why: an alert is only useful to others once it is in the exchange, as objects every TAXII
client understands. Ids are deterministic (the domain-name SCO per STIX 2.1 section 2.9, the
indicator and observed-data from the alerted domain and asset), and the timestamps come from
the caller, so replaying a batch after a crash yields the very same objects: the exchange
answers "already there" instead of storing a second alert."""

from __future__ import annotations

import uuid
from typing import Any

import orjson

from warroom.detectors.domains.detector import Alert
from warroom.model.patterns import equality
from warroom.model.tlp import TLP

SCO_NAMESPACE = uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7")  # STIX 2.1, 2.9
ALERT_NAMESPACE = uuid.UUID("6f1c44b4-2d0e-4f57-9d4e-7d3a3c1f2a90")  # warroom domain alerts


def domain_name_id(value: str) -> str:
    return f"domain-name--{uuid.uuid5(SCO_NAMESPACE, orjson.dumps({'value': value}).decode())}"


def alert_objects(
    alert: Alert, *, created_by: str, tlp: TLP, timestamp: str
) -> list[dict[str, Any]]:
    """The indicator, domain-name and observed-data for one alert."""
    key = f"{alert.domain}|{alert.asset_domain}"
    marking = [tlp.marking_id]
    sco_id = domain_name_id(alert.domain)
    indicator = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid5(ALERT_NAMESPACE, 'indicator|' + key)}",
        "created": timestamp,
        "modified": timestamp,
        "created_by_ref": created_by,
        "name": f"Lookalike of {alert.asset_domain}: {alert.domain}",
        "description": f"{alert.detail}. Class {alert.kind}, score {alert.score}, "
        f"protected asset of {alert.organisation}.",
        "indicator_types": ["anomalous-activity"],
        "pattern": equality("domain-name:value", alert.domain),
        "pattern_type": "stix",
        "valid_from": timestamp,
        "confidence": round(alert.score * 100),
        "labels": ["lookalike-domain", alert.kind],
        "object_marking_refs": marking,
    }
    sco = {
        "type": "domain-name",
        "spec_version": "2.1",
        "id": sco_id,
        "value": alert.domain,
        "object_marking_refs": marking,
    }
    observed = {
        "type": "observed-data",
        "spec_version": "2.1",
        "id": f"observed-data--{uuid.uuid5(ALERT_NAMESPACE, 'observed|' + key)}",
        "created": timestamp,
        "modified": timestamp,
        "created_by_ref": created_by,
        "first_observed": timestamp,
        "last_observed": timestamp,
        "number_observed": 1,
        "object_refs": [sco_id],
        "object_marking_refs": marking,
    }
    return [indicator, sco, observed]
