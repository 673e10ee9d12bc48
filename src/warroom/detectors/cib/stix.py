"""A flagged coordination cluster as STIX 2.1: what a platform shares instead of its raw data.

Why: recipients need to act on a network (review the accounts, block the links) and to see why
it was flagged, without receiving anyone's posts in bulk. A cluster becomes:

* a ``grouping`` (context ``suspicious-activity``): STIX's object for "these things belong
  together, as an analyst judged" — a ``campaign`` would claim intent and an actor, which a
  behavioural detector cannot know; its description carries the evidence (signals, synchrony,
  time span, top shared objects, example posts, truncated);
* one ``user-account`` observable per member (id per STIX 2.1 §2.9 from account type and id), and
  an ``indicator`` per account so receiving platforms can match it;
* an ``indicator`` for each shared link (``url``) or domain (``domain-name``) among the evidence;
* ``attack-pattern`` objects for the DISARM techniques the signals show (own ids; the DISARM id
  and page in ``external_references``, so they never collide with an imported DISARM bundle).

Ids are deterministic (uuid5 over stable content), so re-sharing the same finding yields the
same objects and the exchange answers "already there"."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from warroom.detectors.cib.scoring import Cluster
from warroom.detectors.cib.signals import SIGNALS
from warroom.model.patterns import quote

SCO_NAMESPACE = uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7")  # STIX 2.1, 2.9
CIB_NAMESPACE = uuid.UUID("2b9f7c1e-5a0d-4a8e-9f61-1c3e8d7b4a52")  # warroom coordination

SIGNAL_TECHNIQUES: dict[str, str] = {
    "co_repost": "T0049.003",  # Bots Amplify via Automated Forwarding and Reposting
    "co_link": "T0119",  # Cross-Posting
    "co_domain": "T0119",
    "co_media": "T0084",  # Reuse Existing Content
    "co_hashtag": "T0049.002",  # Flood Existing Hashtag
    "copy_text": "T0084.001",  # Use Copypasta
    "sync_activity": "T0049.005",  # Conduct Swarming
    "creation_burst": "T0150.008",  # Bulk Created Asset
}
"""Which DISARM technique each signal is evidence of."""

ACCOUNT_TYPES = {"twitter", "facebook", "instagram", "youtube", "reddit", "tiktok", "telegram",
                 "mastodon", "skype", "ldap", "nis", "openid", "radius", "tacacs", "unix",
                 "windows-local", "windows-domain"}


@dataclass(frozen=True)
class Technique:
    external_id: str
    name: str
    description: str
    url: str | None


class DisarmCatalog:
    """DISARM techniques by external id (T0049.003 …), read from DISARM's STIX bundle."""

    def __init__(self, techniques: dict[str, Technique]) -> None:
        self.techniques = techniques

    @classmethod
    def load(cls, path: Path) -> DisarmCatalog:
        try:
            bundle = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise ValueError(f"cannot read the DISARM bundle {path}: {error}") from error
        techniques: dict[str, Technique] = {}
        for obj in bundle.get("objects", []):
            if obj.get("type") != "attack-pattern":
                continue
            for ref in obj.get("external_references", []):
                if ref.get("external_id", "").startswith("T"):
                    techniques[ref["external_id"]] = Technique(
                        ref["external_id"], obj.get("name", ""), obj.get("description", ""),
                        ref.get("url"))
        return cls(techniques)

    def get(self, external_id: str) -> Technique | None:
        return self.techniques.get(external_id)


def _id(kind: str, key: str) -> str:
    return f"{kind}--{uuid.uuid5(CIB_NAMESPACE, kind + '|' + key)}"


def user_account_id(account_type: str, user_id: str) -> str:
    contributing = {"account_type": account_type, "user_id": user_id}
    return "user-account--" + str(uuid.uuid5(
        SCO_NAMESPACE, orjson.dumps(contributing, option=orjson.OPT_SORT_KEYS).decode()))


def _utc(epoch: Any) -> str:
    moment = dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _evidence_text(cluster: Cluster, source: str) -> str:
    lines = [
        f"{len(cluster.members)} accounts acted together in {source}: "
        f"{cluster.evidence_units} evidence units over {cluster.evidence_objects} objects, "
        f"mean synchrony {cluster.mean_sync:.0%}, score {cluster.score:.2f}.",
        "Signals: " + ", ".join(f"{name} ({count} objects: {SIGNALS[name].description})"
                                for name, count in sorted(cluster.signals.items())
                                if name in SIGNALS) + ".",
    ]
    if cluster.first is not None and cluster.last is not None:
        lines.append(f"Active from {_utc(cluster.first)} to {_utc(cluster.last)}.")
    for item in cluster.top_evidence[:5]:
        obj = str(item["object"])[:160]
        lines.append(f"- {item['signal']}: {obj!r} shared by {item['n']} accounts, "
                     f"{item['burst']} within one window")
        examples: list[dict[str, Any]] = list(item.get("examples") or [])  # type: ignore[call-overload]
        for example in examples[:2]:
            text = str(example.get("text") or "")[:140]
            lines.append(f"    {example['account']} at {_utc(example['ts'])}: {text}")
    return "\n".join(lines)


def cluster_to_stix(cluster: Cluster, *, platform: str, created_by_ref: str, created: str,
                    source_name: str, marking_refs: list[str],
                    disarm: DisarmCatalog | None = None) -> list[dict[str, Any]]:
    """STIX objects for one flagged cluster (grouping last; it refers to all the others)."""
    account_type = platform if platform in ACCOUNT_TYPES else platform.lower()
    common = {"spec_version": "2.1", "created": created, "modified": created,
              "created_by_ref": created_by_ref, "object_marking_refs": marking_refs}
    members_key = platform + "|" + "|".join(sorted(cluster.members))
    objects: list[dict[str, Any]] = []
    for account in sorted(cluster.members):
        sco_id = user_account_id(account_type, account)
        objects.append({"type": "user-account", "spec_version": "2.1", "id": sco_id,
                        "account_type": account_type, "user_id": account,
                        "account_login": account, "object_marking_refs": marking_refs})
        objects.append({
            "type": "indicator", **common, "id": _id("indicator", f"account|{platform}|{account}"),
            "name": f"Account in a coordinated network: {account}",
            "indicator_types": ["anomalous-activity"],
            "pattern": f"[user-account:account_type = {quote(account_type)} AND "
                       f"user-account:user_id = {quote(account)}]",
            "pattern_type": "stix", "valid_from": created,
            "confidence": round(cluster.score * 100), "labels": ["coordinated-behaviour"],
        })
    for item in cluster.top_evidence:
        signal, value = str(item["signal"]), str(item["object"])
        if signal == "co_link":
            url = value if "://" in value else "http://" + value
            pattern = f"[url:value = {quote(url)}]"
        elif signal == "co_domain" and ":" not in value:
            pattern = f"[domain-name:value = {quote(value)}]"
        else:
            continue
        objects.append({
            "type": "indicator", **common, "id": _id("indicator", f"{signal}|{value}"),
            "name": f"Shared in sync by a coordinated network: {value[:100]}",
            "indicator_types": ["anomalous-activity"], "pattern": pattern,
            "pattern_type": "stix", "valid_from": created, "labels": ["coordinated-behaviour"],
        })
    techniques = sorted({SIGNAL_TECHNIQUES[s] for s in cluster.signals if s in SIGNAL_TECHNIQUES})
    for external_id in techniques:
        technique = disarm.get(external_id) if disarm else None
        reference: dict[str, Any] = {"source_name": "DISARM", "external_id": external_id}
        if technique and technique.url:
            reference["url"] = technique.url
        objects.append({
            "type": "attack-pattern", **common, "id": _id("attack-pattern", "disarm|" +
                                                          external_id),
            "name": technique.name if technique else f"DISARM {external_id}",
            "description": (technique.description if technique else
                            f"DISARM framework technique {external_id}"),
            "external_references": [reference],
        })
    objects.append({
        "type": "grouping", **common, "id": _id("grouping", members_key),
        "name": f"Coordinated network of {len(cluster.members)} {platform} accounts",
        "description": _evidence_text(cluster, source_name), "context": "suspicious-activity",
        "labels": ["coordinated-inauthentic-behaviour"],
        "object_refs": [obj["id"] for obj in objects],
    })
    return objects
