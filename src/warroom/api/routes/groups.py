"""REST: sharing groups (services.directory). Invisible groups answer 404; confidential groups
show members only what policy.group_members_shown allows, and hide their owner from them."""

from __future__ import annotations

from fastapi import APIRouter, status

from warroom.api.deps import DirectoryDep, PrincipalDep
from warroom.api.routes.schemas import GroupIn, GroupOut, IdPath, MemberIn, OrgOut
from warroom.services.directory import GroupView

router = APIRouter(tags=["groups"])


def group_out(view: GroupView) -> GroupOut:
    return GroupOut(
        id=view.id,
        name=view.name,
        owner_org_id=view.owner_org_id,
        confidential=view.confidential,
        description=view.description,
        members=[
            OrgOut(id=o.id, name=o.name, identity_id=o.identity_id, sector=o.sector)
            for o in view.members
        ],
    )


@router.get("/groups", operation_id="list_groups")
async def list_groups(
    principal: PrincipalDep, directory: DirectoryDep
) -> list[GroupOut]:
    """The sharing groups you belong to or own (all of them for instance admins)."""
    return [group_out(g) for g in directory.list_groups(principal)]


@router.post("/groups", operation_id="create_group", status_code=status.HTTP_201_CREATED)
def create_group(body: GroupIn, principal: PrincipalDep, directory: DirectoryDep) -> GroupOut:
    """Create a sharing group owned by your organisation (analysts and admins). Names are
    unique within your organisation."""
    return group_out(
        directory.create_group(principal, body.name, body.confidential, body.description)
    )


@router.get("/groups/{group_id}", operation_id="get_group")
async def get_group(
    group_id: IdPath, principal: PrincipalDep, directory: DirectoryDep
) -> GroupOut:
    return group_out(directory.get_group(principal, group_id))


@router.post("/groups/{group_id}/members", operation_id="add_group_member")
def add_member(
    group_id: IdPath, body: MemberIn, principal: PrincipalDep, directory: DirectoryDep
) -> GroupOut:
    """Add an organisation (the owner organisation's admins, instance admins)."""
    return group_out(directory.add_member(principal, group_id, body.org_id))


@router.delete("/groups/{group_id}/members/{org_id}", operation_id="remove_group_member")
def remove_member(
    group_id: IdPath, org_id: IdPath, principal: PrincipalDep, directory: DirectoryDep
) -> GroupOut:
    return group_out(directory.remove_member(principal, group_id, org_id))
