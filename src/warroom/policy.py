"""THE access decision: who may read, share, version, delete and see what.

Why: almost every access-control bug in MISP and OpenCTI was a side path that skipped the main
check (see shared/reference/sharing-platforms.md §7). warroom keeps every who-may-see-what
decision in this one module; storage only applies the filters built here and the API layers only
call in. Every function denies by default and fails closed: an unknown audience, a missing
membership or an exception means "no".

Rules (DESIGN.md, "Access model"):
- the author organisation always reads its own objects;
- an audience is readable by the community, by named organisations, or by members of any of
  its sharing groups (OR);
- TLP guards sharing: RED goes to named organisations only; AMBER and AMBER+STRICT never to the
  whole community; an audience whose TLP and recipients disagree is readable by its author only;
- anonymous submissions show an instance identity to everyone but the author org and instance
  admins;
- invisible things are answered with 404 by the callers, never 403.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from warroom.errors import Forbidden, NotFound, PolicyViolation
from warroom.model.collections import CollectionKind, CollectionRef
from warroom.model.orgs import Principal, SharingGroup
from warroom.model.sharing import Recipients
from warroom.model.tlp import TLP


@dataclass(frozen=True)
class StoredAudience:
    """An audience row as storage holds it: recipients plus the handling label."""

    id: int
    recipients: Recipients
    tlp: TLP


@dataclass(frozen=True)
class ReadFilter:
    """What storage must apply to any read: rows authored by ``author_org_id`` (when set) or in
    one of ``audience_ids``. An empty filter reads nothing."""

    author_org_id: int | None
    audience_ids: frozenset[int]
    reveal_anonymous: bool = False  # instance admins see every real author they may read
    reveal_org_id: int | None = None  # the author organisation sees its own real authorship

    @property
    def empty(self) -> bool:
        return self.author_org_id is None and not self.audience_ids


NOTHING = ReadFilter(author_org_id=None, audience_ids=frozenset())


def tlp_allows(recipients: Recipients, tlp: TLP) -> bool:
    """Whether sharing at ``tlp`` to ``recipients`` respects TLP 2.0."""
    if tlp is TLP.RED:
        return not recipients.community and not recipients.group_ids
    if tlp in (TLP.AMBER, TLP.AMBER_STRICT):
        return not recipients.community
    return True


def audience_readable(principal: Principal, audience: StoredAudience) -> bool:
    """Whether ``principal``'s organisation is among the audience's recipients.

    The author organisation is handled separately (it reads its own objects whatever the
    audience)."""
    try:
        rec = audience.recipients
        if not tlp_allows(rec, audience.tlp):
            return False  # inconsistent rows never widen: fail closed
        if rec.community:
            return True
        if principal.org_id in rec.org_ids:
            return True
        return bool(rec.group_ids & principal.group_ids)
    except Exception:  # noqa: BLE001 - fail closed on any surprise
        return False


def _in_collection(principal: Principal, recipients: Recipients, ref: CollectionRef) -> bool:
    """Whether an audience belongs to a collection's slice (not whether it is readable)."""
    if ref.kind is CollectionKind.ALL:
        return True
    if ref.kind is CollectionKind.COMMUNITY:
        return recipients.community
    if ref.kind is CollectionKind.ORG:
        return principal.org_id in recipients.org_ids
    return ref.ref in recipients.group_ids


def read_filter(
    principal: Principal | None,
    audiences: Iterable[StoredAudience],
    collection: CollectionRef | None = None,
) -> ReadFilter:
    """The filter for every object read by ``principal``, optionally within one collection.

    ``collection`` must already have been resolved with :func:`collection_visible`."""
    if principal is None:
        return NOTHING
    try:
        ref = collection or CollectionRef(CollectionKind.ALL)
        ids = frozenset(
            audience.id
            for audience in audiences
            if audience_readable(principal, audience)
            and _in_collection(principal, audience.recipients, ref)
        )
        own = principal.org_id if ref.kind in (CollectionKind.ALL, CollectionKind.ORG) else None
        return ReadFilter(
            author_org_id=own,
            audience_ids=ids,
            reveal_anonymous=principal.instance_admin,
            reveal_org_id=principal.org_id,
        )
    except Exception:  # noqa: BLE001
        return NOTHING


def authored_by(principal: Principal) -> ReadFilter:
    """Only the objects ``principal``'s organisation authored (for deleting and versioning)."""
    return ReadFilter(
        author_org_id=principal.org_id, audience_ids=frozenset(), reveal_org_id=principal.org_id
    )


def may_read(
    principal: Principal | None, author_org_id: int, audience: StoredAudience | None
) -> bool:
    """Single-object form of :func:`read_filter` (used by the oracle tests and detail views)."""
    if principal is None:
        return False
    if author_org_id == principal.org_id:
        return True
    return audience is not None and audience_readable(principal, audience)


def reveal_author(principal: Principal, author_org_id: int) -> bool:
    """Whether ``principal`` may see the real author of an anonymous submission."""
    return principal.instance_admin or principal.org_id == author_org_id


# --- collections -----------------------------------------------------------------------


def visible_collections(
    principal: Principal, groups: Mapping[int, SharingGroup]
) -> list[CollectionRef]:
    """The collections ``principal`` may know exist, in display order."""
    refs = [
        CollectionRef(CollectionKind.ALL),
        CollectionRef(CollectionKind.COMMUNITY),
        CollectionRef(CollectionKind.ORG, principal.org_id),
    ]
    for group_id in sorted(principal.group_ids):
        if group_id in groups:
            refs.append(CollectionRef(CollectionKind.GROUP, group_id))
    return refs


def collection_visible(
    principal: Principal, collection_id: str, groups: Mapping[int, SharingGroup]
) -> CollectionRef:
    """Resolve a collection id for ``principal``; unknown and invisible ones raise NotFound."""
    for ref in visible_collections(principal, groups):
        if ref.id == collection_id:
            return ref
    raise NotFound("collection not found")


def collection_can_write(principal: Principal, ref: CollectionRef) -> bool:
    return principal.role.may_write and ref.kind is not CollectionKind.ALL


def collection_recipients(principal: Principal, ref: CollectionRef) -> Recipients:
    """The audience objects written into collection ``ref`` are shared with."""
    if not collection_can_write(principal, ref):
        raise Forbidden("this collection is read-only for you")
    if ref.kind is CollectionKind.COMMUNITY:
        return Recipients(community=True)
    if ref.kind is CollectionKind.GROUP:
        return Recipients(group_ids=frozenset({ref.ref}))
    return Recipients()  # ORG: the author organisation only


# --- writes ----------------------------------------------------------------------------


def check_share(
    principal: Principal,
    recipients: Recipients,
    tlp: TLP,
    known_org_ids: Iterable[int],
    groups: Mapping[int, SharingGroup],
) -> None:
    """Raise unless ``principal`` may share at ``tlp`` with ``recipients``."""
    if not principal.role.may_write:
        raise Forbidden("your role may not share")
    if not tlp_allows(recipients, tlp):
        if tlp is TLP.RED:
            raise PolicyViolation(
                "TLP:RED may only be shared with named organisations, not groups or the community"
            )
        raise PolicyViolation(f"{tlp.label} may not be shared with the whole community")
    unknown = set(recipients.org_ids) - set(known_org_ids)
    if unknown:
        raise PolicyViolation(f"unknown recipient organisation(s): {sorted(unknown)}")
    for group_id in recipients.group_ids:
        if group_id not in groups or group_id not in principal.group_ids:
            raise PolicyViolation(f"unknown sharing group {group_id} (or you are not a member)")


def check_new_version(principal: Principal, owner_org_id: int | None, object_id: str) -> None:
    """Only the organisation that created an object may add versions of it."""
    if owner_org_id is not None and owner_org_id != principal.org_id:
        raise PolicyViolation(
            f"{object_id} belongs to another organisation; only its creator may add versions"
        )


def check_delete(principal: Principal, author_org_id: int, visible: bool) -> None:
    if not visible:
        raise NotFound("object not found")
    if author_org_id != principal.org_id or not principal.role.may_write:
        raise Forbidden("only the author organisation's analysts may delete an object")


def check_feedback(principal: Principal, visible: bool) -> None:
    """Sightings and opinions may be given on any object the caller may read."""
    if not visible:
        raise NotFound("object not found")
    if not principal.role.may_write:
        raise Forbidden("your role may not give feedback")


# --- directory: organisations, users, groups, audit ----------------------------------


def may_manage_org(principal: Principal, org_id: int) -> bool:
    """Users and API keys of ``org_id`` are managed by its admins and by instance admins."""
    return principal.instance_admin or (principal.org_id == org_id and principal.role.may_manage)


def check_instance_admin(principal: Principal) -> None:
    if not principal.instance_admin:
        raise Forbidden("instance admins only")


def group_visible(principal: Principal, group: SharingGroup) -> bool:
    return (
        principal.instance_admin
        or group.id in principal.group_ids
        or group.owner_org_id == principal.org_id
    )


def group_members_shown(principal: Principal, group: SharingGroup) -> frozenset[int]:
    """The member organisations ``principal`` may see: all of them, unless the group is
    confidential, where members see only themselves and the owner sees all."""
    if not group_visible(principal, group):
        return frozenset()
    if not group.confidential or principal.instance_admin or group.owner_org_id == principal.org_id:
        return group.member_org_ids
    return group.member_org_ids & {principal.org_id}


def may_manage_group(principal: Principal, group: SharingGroup) -> bool:
    return principal.instance_admin or (
        group.owner_org_id == principal.org_id and principal.role.may_manage
    )


def audit_scope(principal: Principal) -> int | None:
    """Audit entries ``principal`` may read: all (None) for instance admins, else those whose
    actor or object author is the caller's organisation (an org admin's view)."""
    if principal.instance_admin:
        return None
    if not principal.role.may_manage:
        raise Forbidden("organisation admins only")
    return principal.org_id
