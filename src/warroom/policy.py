"""THE access decision: who may read, share, version, delete and see what.

Why: almost every access-control bug in MISP and OpenCTI was a side path that skipped the main
check (see shared/reference/sharing-platforms.md §7). warroom keeps every who-may-see-what
decision in this one module; storage only applies the filters built here and the API layers only
call in. Every function denies by default and fails closed: an unknown audience, a missing
membership or an exception means "no".

Rules (DESIGN.md, "Access model"; docs/security.md holds the threat model):
- no answer depends on anything the caller may not read: filters match only what the caller
  sees (an anonymous author is nobody's filter value), versions are "first" and "last" among the
  versions the caller reads, writes are refused only for what the caller already knows exists;
- the author organisation always reads its own objects;
- an audience is readable by the community, by named organisations, or by members of any of
  its sharing groups (OR);
- TLP guards sharing: RED goes to named organisations only; AMBER and AMBER+STRICT never to the
  whole community; an audience whose TLP and recipients disagree is readable by its author only;
- anonymous submissions show an instance identity to everyone but the author org and instance
  admins;
- confidential groups hide their members (and their owner) from the other members; where that
  meets "who saw what we shared" in the audit log, confidentiality wins;
- invisible things are answered with 404 by the callers, never 403.

Every decision that catches an unexpected error denies and logs it (without the caller's data),
so a bug shows in the log rather than as an empty exchange.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from warroom.errors import Forbidden, NotFound, PolicyViolation
from warroom.model.collections import CollectionKind, CollectionRef
from warroom.model.orgs import Principal, SharingGroup
from warroom.model.sharing import Recipients
from warroom.model.tlp import TLP

log = logging.getLogger("warroom.policy")


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

    def author_shown(self, author_org_id: int, anonymous: bool) -> bool:
        """Whether the caller sees (and may filter on) ``author_org_id`` as a row's author.
        Storage applies the same rule in SQL (``ObjectStore``): an anonymous submission's
        author is hidden from every filter the caller could use to find it."""
        return not anonymous or self.reveal_anonymous or author_org_id == self.reveal_org_id


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
        log.exception("audience check failed; denying (audience %s)", getattr(audience, "id", "?"))
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
    except Exception:  # noqa: BLE001 - fail closed on any surprise
        log.exception("read filter failed; the caller reads nothing (user %s)",
                      getattr(principal, "user_id", "?"))
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
    *,
    member_of_groups: bool = True,
) -> None:
    """Raise unless ``principal`` may share at ``tlp`` with ``recipients``. One shares only with
    groups one belongs to, except feedback (:func:`feedback_recipients`), which goes back to the
    audience of what it is about."""
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
        if group_id not in groups or (member_of_groups and group_id not in principal.group_ids):
            raise PolicyViolation(f"unknown sharing group {group_id} (or you are not a member)")


def check_created_by(principal: Principal, object_id: str, created_by_ref: str | None,
                     member_identities: Mapping[str, int]) -> None:
    """An organisation shares only in its own name: ``created_by_ref`` may name itself or any
    identity that is not a member organisation's (an anonymous one, a source outside)."""
    owner = member_identities.get(created_by_ref or "")
    if owner is not None and owner != principal.org_id:
        raise PolicyViolation(
            f"{object_id}: created_by_ref names another member organisation; "
            "share only in your own name"
        )


def check_new_version(
    principal: Principal, object_id: str, *, observable: bool, own_versions: bool,
    others_visible: bool,
) -> None:
    """Whether ``principal`` may write a version of ``object_id``.

    Each organisation writes its own versions of an id. Observables (STIX cyber-observables,
    whose ids are fixed by their values) may be shared by any number of organisations: each
    share adds that organisation's audience. Any other object belongs to the organisation that
    created it: a write is refused only when the caller already *sees* another organisation's
    version of the id. An id that exists but is hidden from the caller is accepted exactly as an
    unused one would be (the refusal would tell that it exists); the caller's versions then form
    their own lineage, and readers who see both see the versions of both."""
    if observable or own_versions or not others_visible:
        return
    raise PolicyViolation(
        f"{object_id} belongs to another organisation; only its creator may add versions"
    )


def check_delete(principal: Principal, *, own: bool, visible: bool) -> None:
    """An organisation deletes only its own versions of an object it can see (what it may not
    see answers 404, like what does not exist)."""
    if not visible:
        raise NotFound("object not found")
    if not own or not principal.role.may_write:
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


def group_owner_shown(principal: Principal, group: SharingGroup) -> int | None:
    """The owner organisation, unless the group is confidential and the caller is only one of
    its members (the owner is a member too: naming it would reveal one)."""
    if not group_visible(principal, group):
        return None
    if group.confidential and not (
        principal.instance_admin or group.owner_org_id == principal.org_id
    ):
        return None
    return group.owner_org_id


def feedback_recipients(
    principal: Principal, target: Recipients, target_tlp: TLP, target_author_org_id: int
) -> Recipients:
    """Who gets feedback on an object: exactly the audience of the version the giver reads,
    plus its author organisation. Not narrowed to the giver's own groups: what the giver's
    feedback reaches, and whether it is anonymous, must not tell anyone which groups the giver
    is in."""
    org_ids = (target.org_ids | {target_author_org_id}) - {principal.org_id}
    community = target.community and target_tlp < TLP.AMBER
    return Recipients(community=community, org_ids=org_ids, group_ids=target.group_ids)


def feedback_is_anonymous(recipients: Recipients, groups: Mapping[int, SharingGroup]) -> bool:
    """Feedback (a sighting, an opinion) goes to the audience of the object it is about. When
    that audience includes a confidential group, naming the giver would tell the other members
    that the giver is one of them: such feedback is given anonymously (its real author stays
    known to its own organisation and to instance admins)."""
    return any(
        groups[g].confidential if g in groups else True for g in recipients.group_ids
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
    """Which audit entries ``principal`` may list at all: every one (None) for instance admins;
    for an organisation's admins, the candidates :func:`audit_view` then decides on (their
    organisation's own actions, reads of what it authored, and administration of it)."""
    if principal.instance_admin:
        return None
    if not principal.role.may_manage:
        raise Forbidden("organisation admins only")
    return principal.org_id


@dataclass(frozen=True)
class AuditFacts:
    """An audit entry as policy sees it (storage's ``AuditEntry`` has these fields)."""

    user_id: int | None
    org_id: int | None
    action: str
    author_org_id: int | None
    anonymous: bool
    audience: StoredAudience | None
    scope_org_id: int | None


def audit_view(
    principal: Principal, entry: AuditFacts, groups: Mapping[int, SharingGroup]
) -> AuditFacts | None:
    """What ``principal`` may see of one audit entry: the entry, a redacted copy, or None.

    - Instance admins see every entry whole.
    - Administration entries belong to the organisation they are about (``scope_org_id``): an
      instance admin's change to another organisation's group is not its own organisation's.
    - An organisation's own reads and writes: shown, but the author of an anonymous submission
      stays hidden unless it is the organisation itself.
    - Reads of what the organisation authored ("who saw what we shared"): shown only for
      readers it could know are recipients — everyone for a community object, the
      organisations it named, and members of groups whose member list it may see. A member of
      a confidential group it does not own is not shown, not even as a count: confidentiality
      wins. The reader's user id is never shown to another organisation.
    """
    try:
        if principal.instance_admin:
            return entry
        org = principal.org_id
        if entry.action == "admin":
            return entry if entry.scope_org_id == org else None
        if entry.org_id == org:
            if entry.anonymous and entry.author_org_id != org:
                return replace(entry, author_org_id=None)
            return entry
        if entry.author_org_id != org or entry.org_id is None:
            return None
        audience = entry.audience
        if audience is None or not tlp_allows(audience.recipients, audience.tlp):
            return None
        rec = audience.recipients
        known = rec.community or entry.org_id in rec.org_ids or any(
            entry.org_id in group_members_shown(principal, groups[g])
            for g in rec.group_ids
            if g in groups
        )
        return replace(entry, user_id=None) if known else None
    except Exception:  # noqa: BLE001 - fail closed on any surprise
        log.exception("audit view failed; entry withheld")
        return None


def admin_scope(*, org_id: int | None = None, group: SharingGroup | None = None) -> int | None:
    """Which organisation's admins may read an administration entry: the organisation a user or
    key belongs to, the owner of a group; None (instance admins only) for instance-wide acts
    such as adding an organisation."""
    if group is not None:
        return group.owner_org_id
    return org_id


def watch_asset_orgs(principal: Principal, requested: Iterable[int] | None) -> list[int]:
    """The organisations whose protected assets a watch that shares as ``principal`` may use:
    its own. Alerts name what they imitate, so watching another organisation's assets and
    sharing the alerts would tell the recipients what that organisation protects."""
    wanted = set(requested) if requested is not None else {principal.org_id}
    others = wanted - {principal.org_id}
    if others:
        raise PolicyViolation(
            "a watch that shares alerts uses only your own organisation's assets; run it "
            "without --as (alerts to a report or bundle files) to watch other organisations'"
        )
    return [principal.org_id]
