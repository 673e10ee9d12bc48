"""REST: who am I, organisations, users and API keys (services.directory). A caller who may
not manage something gets 404 for things it cannot see, 403 otherwise."""

from __future__ import annotations

from fastapi import APIRouter, status

from warroom.api.deps import DirectoryDep, PrincipalDep
from warroom.api.routes.schemas import (
    GroupRef,
    IdPath,
    KeyCreated,
    KeyIn,
    KeyOut,
    MeOut,
    OrgIn,
    OrgOut,
    UserIn,
    UserOut,
    UserPatch,
)
from warroom.model.orgs import Org
from warroom.storage.directory import ApiKey, User

router = APIRouter()


def org_out(org: Org) -> OrgOut:
    return OrgOut(id=org.id, name=org.name, identity_id=org.identity_id, sector=org.sector)


def _user(user: User) -> UserOut:
    return UserOut(
        id=user.id,
        org_id=user.org_id,
        username=user.username,
        role=user.role,
        instance_admin=user.instance_admin,
        disabled=user.disabled,
    )


def _key(key: ApiKey) -> KeyOut:
    return KeyOut(
        id=key.id, user_id=key.user_id, name=key.name, prefix=key.prefix, revoked=key.revoked
    )


@router.get("/me", tags=["directory"], operation_id="me")
async def me(principal: PrincipalDep, directory: DirectoryDep) -> MeOut:
    """The authenticated user, their organisation and the sharing groups it belongs to."""
    org, groups = directory.me(principal)
    return MeOut(
        user_id=principal.user_id,
        username=principal.username,
        role=principal.role,
        instance_admin=principal.instance_admin,
        org=org_out(org),
        groups=[GroupRef(id=g.id, name=g.name) for g in groups],
    )


@router.get("/orgs", tags=["directory"], operation_id="list_orgs")
async def list_orgs(principal: PrincipalDep, directory: DirectoryDep) -> list[OrgOut]:
    """The member directory (names and STIX identities), so members can address each other."""
    return [org_out(org) for org in directory.list_orgs(principal)]


@router.post(
    "/orgs", tags=["directory"], operation_id="create_org", status_code=status.HTTP_201_CREATED
)
def create_org(body: OrgIn, principal: PrincipalDep, directory: DirectoryDep) -> OrgOut:
    """Add a member organisation (instance admins only)."""
    return org_out(directory.create_org(principal, body.name, body.sector))


@router.get("/orgs/{org_id}/users", tags=["directory"], operation_id="list_users")
def list_users(org_id: IdPath, principal: PrincipalDep, directory: DirectoryDep) -> list[UserOut]:
    """Users of an organisation (its admins and instance admins)."""
    return [_user(u) for u in directory.list_users(principal, org_id)]


@router.post(
    "/orgs/{org_id}/users",
    tags=["directory"],
    operation_id="create_user",
    status_code=status.HTTP_201_CREATED,
)
def create_user(
    org_id: IdPath, body: UserIn, principal: PrincipalDep, directory: DirectoryDep
) -> UserOut:
    """Add a user (names are unique within the organisation). Only instance admins create
    instance admins."""
    return _user(
        directory.create_user(principal, org_id, body.username, body.role, body.instance_admin)
    )


@router.patch("/users/{user_id}", tags=["directory"], operation_id="update_user")
def update_user(
    user_id: IdPath, body: UserPatch, principal: PrincipalDep, directory: DirectoryDep
) -> UserOut:
    """Change a user's role or disable them (their organisation's admins, instance admins)."""
    return _user(directory.update_user(principal, user_id, body.role, body.disabled))


@router.post(
    "/users/{user_id}/keys",
    tags=["directory"],
    operation_id="create_key",
    status_code=status.HTTP_201_CREATED,
)
def create_key(
    user_id: IdPath, body: KeyIn, principal: PrincipalDep, directory: DirectoryDep
) -> KeyCreated:
    """Create an API key; the secret is in this response only."""
    key, secret = directory.create_key(principal, user_id, body.name)
    return KeyCreated(**_key(key).model_dump(), secret=secret)


@router.get("/users/{user_id}/keys", tags=["directory"], operation_id="list_keys")
def list_keys(user_id: IdPath, principal: PrincipalDep, directory: DirectoryDep) -> list[KeyOut]:
    """A user's keys, never their secrets."""
    return [_key(k) for k in directory.list_keys(principal, user_id)]


@router.delete(
    "/keys/{key_id}",
    tags=["directory"],
    operation_id="revoke_key",
    status_code=status.HTTP_204_NO_CONTENT,
)
def revoke_key(key_id: IdPath, principal: PrincipalDep, directory: DirectoryDep) -> None:
    """Revoke an API key."""
    directory.revoke_key(principal, key_id)
