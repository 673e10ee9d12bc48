"""Organisations, users, roles and sharing groups: who is asking, and on whose behalf.

Why: every decision in ``warroom.policy`` is taken for a :class:`Principal` (a user acting for an
organisation); keeping these as small frozen types keeps the policy pure and testable.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field

# A fixed namespace so an organisation's STIX identity id is stable across instances.
IDENTITY_NAMESPACE = uuid.UUID("8a4f3c2e-2b7e-4d7e-9f2a-6a3e0f5c9b11")


class Role(enum.StrEnum):
    """What a user may do inside their own organisation."""

    READER = "reader"  # read what the organisation may see
    ANALYST = "analyst"  # also share, add versions, give feedback
    ADMIN = "admin"  # also manage the organisation's users and API keys

    @property
    def may_write(self) -> bool:
        return self in (Role.ANALYST, Role.ADMIN)

    @property
    def may_manage(self) -> bool:
        return self is Role.ADMIN


@dataclass(frozen=True)
class Org:
    """A member organisation (platform, agency, election office)."""

    id: int
    name: str
    identity_id: str  # the STIX identity used as created_by_ref for the org's objects
    sector: str = ""


@dataclass(frozen=True)
class SharingGroup:
    """A named set of organisations; ``confidential`` hides the member list from members."""

    id: int
    name: str
    owner_org_id: int
    confidential: bool
    member_org_ids: frozenset[int] = field(default_factory=frozenset)
    description: str = ""


@dataclass(frozen=True)
class Principal:
    """The caller: a user of an organisation, with the groups the organisation belongs to.

    ``instance_admin`` manages organisations and groups and sees the real author of anonymous
    submissions it may read; it does not widen what objects the user may read.
    """

    user_id: int
    username: str
    org_id: int
    role: Role
    group_ids: frozenset[int] = field(default_factory=frozenset)
    instance_admin: bool = False


def identity_id_for(org_name: str) -> str:
    """A deterministic STIX identity id for an organisation name."""
    return f"identity--{uuid.uuid5(IDENTITY_NAMESPACE, org_name)}"
