"""REST: who am I, organisations, users and API keys. Every decision is a ``warroom.policy``
call; a caller who may not manage something gets 404 for things it cannot see, 403 otherwise."""

from __future__ import annotations

from fastapi import APIRouter, status

from warroom import policy
from warroom.api.deps import PrincipalDep, StoreDep
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
from warroom.errors import Forbidden, NotFound
from warroom.model.orgs import Org, Principal, Role
from warroom.model.stix import now_micros
from warroom.storage.directory import ApiKey, User
from warroom.storage.records import AuditEntry
from warroom.storage.store import Store

router = APIRouter()


def _org(org: Org) -> OrgOut:
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


def audit_admin(store: Store, principal: Principal, detail: str) -> None:
    store.records.audit(
        [
            AuditEntry(
                now_micros(), principal.user_id, principal.org_id, "admin", "rest", detail=detail
            )
        ]
    )


def _managed_user(store: Store, principal: Principal, user_id: int) -> User:
    """A user the caller may manage (themself, their org's admins, instance admins) or 404."""
    try:
        user = store.directory.get_user(user_id)
    except NotFound:
        raise NotFound("user not found") from None
    if user.id != principal.user_id and not policy.may_manage_org(principal, user.org_id):
        raise NotFound("user not found")
    return user


@router.get("/me", tags=["directory"], operation_id="me")
def me(principal: PrincipalDep, store: StoreDep) -> MeOut:
    """The authenticated user, their organisation and the sharing groups it belongs to."""
    groups = store.directory.groups(principal.group_ids)
    return MeOut(
        user_id=principal.user_id,
        username=principal.username,
        role=principal.role,
        instance_admin=principal.instance_admin,
        org=_org(store.directory.get_org(principal.org_id)),
        groups=[GroupRef(id=g.id, name=g.name) for g in groups.values()],
    )


@router.get("/orgs", tags=["directory"], operation_id="list_orgs")
def list_orgs(principal: PrincipalDep, store: StoreDep) -> list[OrgOut]:
    """The member directory (names and STIX identities), so members can address each other."""
    return [_org(org) for org in store.directory.list_orgs()]


@router.post(
    "/orgs", tags=["directory"], operation_id="create_org", status_code=status.HTTP_201_CREATED
)
def create_org(body: OrgIn, principal: PrincipalDep, store: StoreDep) -> OrgOut:
    """Add a member organisation (instance admins only)."""
    policy.check_instance_admin(principal)
    org = store.directory.create_org(body.name, body.sector)
    audit_admin(store, principal, f"created organisation {org.id}")
    return _org(org)


@router.get("/orgs/{org_id}/users", tags=["directory"], operation_id="list_users")
def list_users(org_id: IdPath, principal: PrincipalDep, store: StoreDep) -> list[UserOut]:
    """Users of an organisation (its admins and instance admins)."""
    if not policy.may_manage_org(principal, org_id):
        raise NotFound("organisation not found")
    store.directory.get_org(org_id)
    return [_user(u) for u in store.directory.list_users(org_id)]


@router.post(
    "/orgs/{org_id}/users",
    tags=["directory"],
    operation_id="create_user",
    status_code=status.HTTP_201_CREATED,
)
def create_user(org_id: IdPath, body: UserIn, principal: PrincipalDep, store: StoreDep) -> UserOut:
    """Add a user. Only instance admins create instance admins."""
    if not policy.may_manage_org(principal, org_id):
        raise NotFound("organisation not found")
    if body.instance_admin and not principal.instance_admin:
        raise Forbidden("only instance admins may create instance admins")
    user = store.directory.create_user(org_id, body.username, body.role, body.instance_admin)
    audit_admin(store, principal, f"created user {user.id} ({user.role.value}) in org {org_id}")
    return _user(user)


@router.patch("/users/{user_id}", tags=["directory"], operation_id="update_user")
def update_user(
    user_id: IdPath, body: UserPatch, principal: PrincipalDep, store: StoreDep
) -> UserOut:
    """Change a user's role or disable them (their organisation's admins, instance admins)."""
    user = _managed_user(store, principal, user_id)
    if not policy.may_manage_org(principal, user.org_id):
        raise Forbidden("only admins may change users")
    if body.role is Role.ADMIN and not (principal.role.may_manage or principal.instance_admin):
        raise Forbidden("you may not grant more than you hold")
    updated = store.directory.set_user(user_id, role=body.role, disabled=body.disabled)
    audit_admin(store, principal, f"updated user {user_id}")
    return _user(updated)


@router.post(
    "/users/{user_id}/keys",
    tags=["directory"],
    operation_id="create_key",
    status_code=status.HTTP_201_CREATED,
)
def create_key(
    user_id: IdPath, body: KeyIn, principal: PrincipalDep, store: StoreDep
) -> KeyCreated:
    """Create an API key; the secret is in this response only."""
    _managed_user(store, principal, user_id)
    key, secret = store.directory.create_key(user_id, body.name)
    audit_admin(store, principal, f"created key {key.id} for user {user_id}")
    return KeyCreated(**_key(key).model_dump(), secret=secret)


@router.get("/users/{user_id}/keys", tags=["directory"], operation_id="list_keys")
def list_keys(user_id: IdPath, principal: PrincipalDep, store: StoreDep) -> list[KeyOut]:
    """A user's keys, never their secrets."""
    _managed_user(store, principal, user_id)
    return [_key(k) for k in store.directory.list_keys([user_id])]


@router.delete(
    "/keys/{key_id}",
    tags=["directory"],
    operation_id="revoke_key",
    status_code=status.HTTP_204_NO_CONTENT,
)
def revoke_key(key_id: IdPath, principal: PrincipalDep, store: StoreDep) -> None:
    """Revoke an API key."""
    try:
        key = store.directory.get_key(key_id)
    except NotFound:
        raise NotFound("key not found") from None
    _managed_user(store, principal, key.user_id)
    store.directory.revoke_key(key_id)
    audit_admin(store, principal, f"revoked key {key_id}")
