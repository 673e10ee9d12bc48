"""REST: sharing groups. Invisible groups answer 404; confidential groups show members only
what policy.group_members_shown allows."""

from __future__ import annotations

from fastapi import APIRouter, status

from warroom import policy
from warroom.api.deps import PrincipalDep, StoreDep
from warroom.api.routes.directory import _org, audit_admin
from warroom.api.routes.schemas import GroupIn, GroupOut, IdPath, MemberIn
from warroom.errors import Forbidden, NotFound
from warroom.model.orgs import Principal, SharingGroup
from warroom.storage.store import Store

router = APIRouter(tags=["groups"])


def _out(store: Store, principal: Principal, group: SharingGroup) -> GroupOut:
    orgs = {o.id: o for o in store.directory.list_orgs()}
    shown = policy.group_members_shown(principal, group)
    return GroupOut(
        id=group.id,
        name=group.name,
        owner_org_id=group.owner_org_id,
        confidential=group.confidential,
        description=group.description,
        members=[_org(orgs[i]) for i in sorted(shown) if i in orgs],
    )


def _visible(store: Store, principal: Principal, group_id: int) -> SharingGroup:
    group = store.directory.groups([group_id]).get(group_id)
    if group is None or not policy.group_visible(principal, group):
        raise NotFound("group not found")
    return group


@router.get("/groups", operation_id="list_groups")
def list_groups(principal: PrincipalDep, store: StoreDep) -> list[GroupOut]:
    """The sharing groups you belong to or own (all of them for instance admins)."""
    return [
        _out(store, principal, g)
        for g in store.directory.groups().values()
        if policy.group_visible(principal, g)
    ]


@router.post("/groups", operation_id="create_group", status_code=status.HTTP_201_CREATED)
def create_group(body: GroupIn, principal: PrincipalDep, store: StoreDep) -> GroupOut:
    """Create a sharing group owned by your organisation (analysts and admins)."""
    if not principal.role.may_write:
        raise Forbidden("your role may not create groups")
    group = store.directory.create_group(
        body.name, principal.org_id, body.confidential, body.description
    )
    audit_admin(store, principal, f"created group {group.id}")
    return _out(store, principal, group)


@router.get("/groups/{group_id}", operation_id="get_group")
def get_group(group_id: IdPath, principal: PrincipalDep, store: StoreDep) -> GroupOut:
    return _out(store, principal, _visible(store, principal, group_id))


@router.post("/groups/{group_id}/members", operation_id="add_group_member")
def add_member(
    group_id: IdPath, body: MemberIn, principal: PrincipalDep, store: StoreDep
) -> GroupOut:
    """Add an organisation (the owner organisation's admins, instance admins)."""
    group = _visible(store, principal, group_id)
    if not policy.may_manage_group(principal, group):
        raise Forbidden("only the owner organisation's admins may change members")
    updated = store.directory.add_member(group_id, body.org_id)
    audit_admin(store, principal, f"added org {body.org_id} to group {group_id}")
    return _out(store, principal, updated)


@router.delete("/groups/{group_id}/members/{org_id}", operation_id="remove_group_member")
def remove_member(
    group_id: IdPath, org_id: IdPath, principal: PrincipalDep, store: StoreDep
) -> GroupOut:
    group = _visible(store, principal, group_id)
    if not policy.may_manage_group(principal, group):
        raise Forbidden("only the owner organisation's admins may change members")
    if org_id not in group.member_org_ids:
        raise NotFound("not a member")
    updated = store.directory.remove_member(group_id, org_id)
    audit_admin(store, principal, f"removed org {org_id} from group {group_id}")
    return _out(store, principal, updated)
