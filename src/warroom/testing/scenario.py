"""Builders for realistic small exchanges: organisations with users and keys, sharing groups,
and valid STIX 2.1 objects with deterministic ids when asked."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from warroom.model.orgs import Org, Principal, Role
from warroom.model.patterns import equality
from warroom.model.tlp import TLP
from warroom.storage.store import Store

STAMP = "2026-10-01T12:00:00.000Z"


@dataclass
class Member:
    org: Org
    username: str
    key: str
    principal: Principal


@dataclass
class Scenario:
    store: Store
    members: dict[str, Member] = field(default_factory=dict)

    def add_org(self, name: str, role: Role = Role.ANALYST, instance_admin: bool = False) -> Member:
        directory = self.store.directory
        org = directory.create_org(name)
        username = f"{name.lower().replace(' ', '-')}-{role.value}"
        user = directory.create_user(org.id, username, role, instance_admin=instance_admin)
        _, key = directory.create_key(user.id, "test")
        member = Member(org, username, key, directory.principal_for_user(user.id))
        self.members[name] = member
        return member

    def refresh(self) -> None:
        """Reload principals after group membership changes."""
        for name, m in self.members.items():
            self.members[name] = Member(
                m.org,
                m.username,
                m.key,
                self.store.directory.principal_for_user(m.principal.user_id),
            )


def indicator(
    n: int = 0,
    *,
    tlp: TLP | None = None,
    created_by: str | None = None,
    object_id: str | None = None,
    modified: str = STAMP,
    seed: str | None = None,
) -> dict[str, Any]:
    """A valid STIX 2.1 indicator for a domain, with name and description (validator-clean)."""
    oid = object_id or (
        f"indicator--{uuid.uuid5(uuid.NAMESPACE_URL, f'{seed}:{n}')}"
        if seed
        else f"indicator--{uuid.uuid4()}"
    )
    obj: dict[str, Any] = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": oid,
        "created": STAMP,
        "modified": modified,
        "name": f"Lookalike domain {n}",
        "description": "Domain imitating an election office, seen in phishing e-mails.",
        "indicator_types": ["malicious-activity"],
        "pattern": equality("domain-name:value", f"vote-county{n}.example.com"),
        "pattern_type": "stix",
        "valid_from": STAMP,
    }
    if tlp is not None:
        obj["object_marking_refs"] = [tlp.marking_id]
    if created_by:
        obj["created_by_ref"] = created_by
    return obj
