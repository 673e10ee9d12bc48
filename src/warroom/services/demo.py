"""Seed a realistic election-security exchange for the demo and for first-time users.

Why: a newcomer should see warroom doing its job within a minute: five organisations (a social
platform, an e-mail provider, a federal agency, two state election offices), sharing groups, and
real indicators from ``../shared/data`` (phishing domains, PhishTank URLs imitating brands, the
.gov election domains the offices protect, the DISARM framework) at every TLP and audience. When
that data is absent (a user's clone), a small synthetic set is used instead.
"""

from __future__ import annotations

import csv
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

import orjson

from warroom.model.orgs import Principal, Role
from warroom.model.patterns import equality
from warroom.model.sharing import Recipients
from warroom.model.stix import stix_now
from warroom.model.tlp import TLP
from warroom.services.exchange import ExchangeService
from warroom.storage.store import Store

DEMO_NAMESPACE = uuid.UUID("0f4a1d2e-8a8b-4c0e-9a3a-3b0d8e5f7a21")
PLATFORM, MAIL, AGENCY = "Chirp Social", "Parcel Mail", "Federal Election Security Agency"
OFFICES = {"NC": "NC State Board of Elections", "FL": "Florida Department of State"}
HOST = "Exchange Operators"


@dataclass
class DemoKey:
    org: str
    username: str
    role: str
    key: str


@dataclass
class DemoResult:
    keys: list[DemoKey] = field(default_factory=list)
    shared: dict[str, int] = field(default_factory=dict)
    real_data: bool = False


def _id(kind: str, text: str) -> str:
    return f"{kind}--{uuid.uuid5(DEMO_NAMESPACE, text)}"


def _indicator(value: str, kind: str, name: str, description: str, author: str) -> dict[str, Any]:
    now = stix_now()
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": _id("indicator", f"{author}:{kind}:{value}"),
        "created": now,
        "modified": now,
        "name": name,
        "description": description,
        "indicator_types": ["malicious-activity"],
        "pattern": equality(f"{kind}:value", value),
        "pattern_type": "stix",
        "valid_from": now,
        "created_by_ref": author,
    }


def _lines(path: Path, limit: int) -> list[str]:
    with path.open(encoding="utf-8", errors="replace") as handle:
        return [line.strip() for line in islice(handle, limit) if line.strip()]


def _phishtank(path: Path, limit: int) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8", errors="replace") as handle:
        rows = ((r["url"], r["target"]) for r in csv.DictReader(handle) if r["target"] != "Other")
        return list(islice(rows, limit))


def _election_domains(path: Path, state: str) -> list[str]:
    with path.open(encoding="utf-8", errors="replace") as handle:
        return [
            r["Domain name"]
            for r in csv.DictReader(handle)
            if r["Domain type"].endswith("Election") and r["State"] == state
        ]


def _synthetic(n: int, suffix: str) -> list[str]:
    return [f"vote-verify-{i}{suffix}" for i in range(n)]


def seed(
    store: Store,
    exchange: ExchangeService,
    data_dir: Path | None,
    progress: Callable[[str], None] = lambda _: None,
) -> DemoResult:
    """Create the demo organisations, users, keys and groups and share the demo objects."""
    directory = store.directory
    result = DemoResult()
    people: dict[str, Principal] = {}
    orgs = {}
    for name, sector in (
        (HOST, "operator"),
        (PLATFORM, "social platform"),
        (MAIL, "e-mail provider"),
        (AGENCY, "government"),
        *((office, "election office") for office in OFFICES.values()),
    ):
        org = directory.create_org(name, sector)
        orgs[name] = org
        slug = name.lower().replace(" ", "-").replace("&", "and")
        roles = (
            [(Role.ADMIN, True)] if name == HOST else [(Role.ANALYST, False), (Role.READER, False)]
        )
        for role, admin in roles:
            user = directory.create_user(org.id, f"{slug}-{role.value}", role, instance_admin=admin)
            _, key = directory.create_key(user.id, "demo")
            result.keys.append(DemoKey(name, user.username, role.value, key))
            if role is Role.ANALYST:
                people[name] = directory.principal_for_user(user.id)
    progress("organisations, users and keys")
    working = directory.create_group(
        "Election Security Working Group",
        orgs[AGENCY].id,
        confidential=True,
        description="Federal agency, platforms and state election offices (confidential roster).",
    )
    for name in (PLATFORM, MAIL, *OFFICES.values()):
        directory.add_member(working.id, orgs[name].id)
    trust = directory.create_group(
        "Platform Trust & Safety",
        orgs[PLATFORM].id,
        description="Platforms and e-mail providers sharing abuse signals.",
    )
    for name in (MAIL, AGENCY):
        directory.add_member(trust.id, orgs[name].id)
    people = {name: directory.principal_for_user(p.user_id) for name, p in people.items()}
    progress("sharing groups")

    domains_dir = data_dir / "domains" if data_dir else None
    result.real_data = bool(domains_dir and (domains_dir / "dotgov-current-full.csv").is_file())

    def share(
        who: str,
        label: str,
        objects: list[Any],
        recipients: Recipients,
        tlp: TLP,
        anonymous: bool = False,
    ) -> None:
        for obj in objects:
            if obj.get("type") != "marking-definition" and "object_marking_refs" not in obj:
                obj["object_marking_refs"] = [tlp.marking_id]
        exchange.share(
            people[who], objects, recipients, tlp=tlp, anonymous=anonymous, transport="cli"
        )
        result.shared[label] = len(objects)
        progress(label)

    identity = {name: org.identity_id for name, org in orgs.items()}
    if result.real_data and domains_dir is not None:
        phishing = _lines(domains_dir / "phishing-database-active-r-z.txt", 1500)
        phishtank = _phishtank(domains_dir / "phishtank-2021-verified.csv", 800)
        protected = {
            s: _election_domains(domains_dir / "dotgov-current-full.csv", s) for s in OFFICES
        }
    else:
        phishing = _synthetic(300, ".example.net")
        phishtank = [(f"http://login-{i}.example.org/verify", "PayPal") for i in range(100)]
        protected = {
            s: [f"{s.lower()}-county{i}-elections.example.gov" for i in range(20)] for s in OFFICES
        }

    share(
        MAIL,
        "phishing domains (community, TLP:GREEN)",
        [
            _indicator(
                d,
                "domain-name",
                f"Phishing domain {d}",
                "Active phishing domain seen in messages to our users.",
                identity[MAIL],
            )
            for d in phishing
        ],
        Recipients(community=True),
        TLP.GREEN,
    )
    share(
        AGENCY,
        "brand-imitating phishing URLs (working group, TLP:AMBER)",
        [
            _indicator(
                url,
                "url",
                f"Phishing URL imitating {target}",
                f"Verified phishing URL imitating {target}.",
                identity[AGENCY],
            )
            for url, target in phishtank
        ],
        Recipients(group_ids=frozenset({working.id})),
        TLP.AMBER,
    )
    office_names = list(OFFICES.values())
    share(
        AGENCY,
        f"targeted lookalikes (to {office_names[0]} only, TLP:RED)",
        [
            _indicator(
                f"{d.split('.')[0]}-ballot-status.com",
                "domain-name",
                f"Lookalike of {d}",
                f"Registered to imitate {d} ahead of election day; under investigation.",
                identity[AGENCY],
            )
            for d in protected["NC"][:25]
        ],
        Recipients(org_ids=frozenset({orgs[office_names[0]].id})),
        TLP.RED,
    )
    share(
        PLATFORM,
        "coordinated-account domains (trust & safety, anonymous, TLP:AMBER)",
        [
            _indicator(
                d,
                "domain-name",
                f"Domain pushed by coordinated accounts: {d}",
                "Linked from a network of inauthentic accounts.",
                identity[PLATFORM],
            )
            for d in phishing[-60:]
        ],
        Recipients(group_ids=frozenset({trust.id})),
        TLP.AMBER,
        anonymous=True,
    )
    for state, office in OFFICES.items():
        refs = []
        scos = []
        for domain in protected[state]:
            sco = {
                "type": "domain-name",
                "spec_version": "2.1",
                "id": _id("domain-name", domain),
                "value": domain,
            }
            scos.append(sco)
            refs.append(sco["id"])
        grouping = {
            "type": "grouping",
            "spec_version": "2.1",
            "id": _id("grouping", office),
            "created": stix_now(),
            "modified": stix_now(),
            "name": f"Domains protected by {office}",
            "context": "suspicious-activity",
            "object_refs": refs or [identity[office]],
            "created_by_ref": identity[office],
        }
        share(
            office,
            f"protected domains of {office} (community, TLP:CLEAR)",
            [*scos, grouping],
            Recipients(community=True),
            TLP.CLEAR,
        )
    disarm = data_dir / "taxonomies" / "disarm-stix.json" if data_dir else None
    if disarm and disarm.is_file():
        bundle = orjson.loads(disarm.read_bytes())
        share(
            AGENCY,
            "DISARM influence-operation framework (community, TLP:CLEAR)",
            bundle["objects"],
            Recipients(community=True),
            TLP.CLEAR,
        )
    return result
