"""An independent statement of the access rules (DESIGN.md, "Access model"), written without
importing warroom.policy, for the property tests to compare every transport against."""

from __future__ import annotations

from dataclasses import dataclass, field

TLPS = ("clear", "green", "amber", "amber+strict", "red")


@dataclass
class WorldGroup:
    key: str
    owner: str
    members: set[str]
    confidential: bool


@dataclass
class WorldObject:
    id: str
    author: str
    tlp: str
    community: bool
    orgs: set[str]
    groups: set[str]
    anonymous: bool = False
    versions: list[str] = field(default_factory=list)


def share_allowed(obj: WorldObject, groups: dict[str, WorldGroup]) -> bool:
    """Whether the exchange must accept this share at all."""
    if obj.tlp == "red" and (obj.community or obj.groups):
        return False
    if obj.tlp in ("amber", "amber+strict") and obj.community:
        return False
    # one may only share with groups one belongs to
    return all(obj.author in groups[g].members for g in obj.groups)


def may_see(org: str, obj: WorldObject, groups: dict[str, WorldGroup]) -> bool:
    if org == obj.author:
        return True
    if obj.community:
        return True
    if org in obj.orgs:
        return True
    return any(org in groups[g].members for g in obj.groups)


def group_visible(org: str, group: WorldGroup) -> bool:
    return org == group.owner or org in group.members


def members_shown(org: str, group: WorldGroup) -> set[str]:
    if not group_visible(org, group):
        return set()
    if group.confidential and org != group.owner:
        return {org}
    return set(group.members)
