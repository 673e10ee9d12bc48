"""The directory use-cases: who am I, organisations, users, API keys and sharing groups.

Why: the REST API (and the CLI, which acts as the instance operator) manage the same things;
every decision here is a ``warroom.policy`` call, every change lands in the audit log scoped to
the organisation it concerns (policy.admin_scope), and whatever the caller may not know exists
is answered exactly like what does not exist."""

from __future__ import annotations

from dataclasses import dataclass

from warroom import policy
from warroom.errors import Forbidden, NotFound
from warroom.model.orgs import Org, Principal, Role, SharingGroup
from warroom.model.stix import now_micros
from warroom.storage.directory import ApiKey, User
from warroom.storage.records import AuditEntry
from warroom.storage.store import Store


@dataclass(frozen=True)
class GroupView:
    """A sharing group as one caller may see it."""

    id: int
    name: str
    owner_org_id: int | None  # hidden from the other members of a confidential group
    confidential: bool
    description: str
    members: list[Org]


class DirectoryService:
    def __init__(self, store: Store) -> None:
        self.store = store

    # helpers ----------------------------------------------------------------------------
    def _audit(
        self, principal: Principal, detail: str, scope_org_id: int | None, transport: str = "rest"
    ) -> None:
        self.store.records.audit(
            [
                AuditEntry(
                    now_micros(),
                    principal.user_id,
                    principal.org_id,
                    "admin",
                    transport,
                    detail=detail,
                    scope_org_id=scope_org_id,
                )
            ]
        )

    def _managed_user(self, principal: Principal, user_id: int, missing: str) -> User:
        """A user the caller may manage (themself, their org's admins, instance admins);
        otherwise NotFound(``missing``), as for a user that does not exist."""
        try:
            user = self.store.directory.get_user(user_id)
        except NotFound:
            raise NotFound(missing) from None
        if user.id != principal.user_id and not policy.may_manage_org(principal, user.org_id):
            raise NotFound(missing)
        return user

    # who am I, organisations ------------------------------------------------------------
    def me(self, principal: Principal) -> tuple[Org, list[SharingGroup]]:
        groups = self.store.directory.groups(principal.group_ids)
        return self.store.directory.get_org(principal.org_id), list(groups.values())

    def list_orgs(self, principal: Principal) -> list[Org]:
        """The member directory (public to members: they address each other by it)."""
        return self.store.directory.list_orgs()

    def create_org(self, principal: Principal, name: str, sector: str) -> Org:
        policy.check_instance_admin(principal)
        org = self.store.directory.create_org(name, sector)
        self._audit(principal, f"created organisation {org.id}", policy.admin_scope())
        return org

    # users and keys ---------------------------------------------------------------------
    def list_users(self, principal: Principal, org_id: int) -> list[User]:
        if not policy.may_manage_org(principal, org_id):
            raise NotFound("organisation not found")
        self.store.directory.get_org(org_id)
        return self.store.directory.list_users(org_id)

    def create_user(
        self, principal: Principal, org_id: int, username: str, role: Role, instance_admin: bool
    ) -> User:
        """Add a user. Only instance admins create instance admins."""
        if not policy.may_manage_org(principal, org_id):
            raise NotFound("organisation not found")
        if instance_admin and not principal.instance_admin:
            raise Forbidden("only instance admins may create instance admins")
        user = self.store.directory.create_user(org_id, username, role, instance_admin)
        self._audit(
            principal,
            f"created user {user.id} ({user.role.value}) in org {org_id}",
            policy.admin_scope(org_id=org_id),
        )
        return user

    def update_user(
        self, principal: Principal, user_id: int, role: Role | None, disabled: bool | None
    ) -> User:
        user = self._managed_user(principal, user_id, "user not found")
        if not policy.may_manage_org(principal, user.org_id):
            raise Forbidden("only admins may change users")
        if role is Role.ADMIN and not (principal.role.may_manage or principal.instance_admin):
            raise Forbidden("you may not grant more than you hold")
        updated = self.store.directory.set_user(user_id, role=role, disabled=disabled)
        self._audit(principal, f"updated user {user_id}", policy.admin_scope(org_id=user.org_id))
        return updated

    def create_key(self, principal: Principal, user_id: int, name: str) -> tuple[ApiKey, str]:
        """A new API key; its secret is returned once."""
        user = self._managed_user(principal, user_id, "user not found")
        key, secret = self.store.directory.create_key(user_id, name)
        self._audit(
            principal,
            f"created key {key.id} for user {user_id}",
            policy.admin_scope(org_id=user.org_id),
        )
        return key, secret

    def list_keys(self, principal: Principal, user_id: int) -> list[ApiKey]:
        self._managed_user(principal, user_id, "user not found")
        return self.store.directory.list_keys([user_id])

    def revoke_key(self, principal: Principal, key_id: int) -> None:
        """Revoke a key; another organisation's key answers exactly like a missing one."""
        try:
            key = self.store.directory.get_key(key_id)
        except NotFound:
            raise NotFound("key not found") from None
        user = self._managed_user(principal, key.user_id, "key not found")
        self.store.directory.revoke_key(key_id)
        self._audit(principal, f"revoked key {key_id}", policy.admin_scope(org_id=user.org_id))

    # sharing groups ---------------------------------------------------------------------
    def _view(self, principal: Principal, group: SharingGroup) -> GroupView:
        orgs = {o.id: o for o in self.store.directory.list_orgs()}
        shown = policy.group_members_shown(principal, group)
        return GroupView(
            id=group.id,
            name=group.name,
            owner_org_id=policy.group_owner_shown(principal, group),
            confidential=group.confidential,
            description=group.description,
            members=[orgs[i] for i in sorted(shown) if i in orgs],
        )

    def _visible(self, principal: Principal, group_id: int) -> SharingGroup:
        group = self.store.directory.groups([group_id]).get(group_id)
        if group is None or not policy.group_visible(principal, group):
            raise NotFound("group not found")
        return group

    def list_groups(self, principal: Principal) -> list[GroupView]:
        """The groups the caller belongs to or owns (all of them for instance admins)."""
        return [
            self._view(principal, g)
            for g in self.store.directory.groups().values()
            if policy.group_visible(principal, g)
        ]

    def get_group(self, principal: Principal, group_id: int) -> GroupView:
        return self._view(principal, self._visible(principal, group_id))

    def create_group(
        self, principal: Principal, name: str, confidential: bool, description: str
    ) -> GroupView:
        """A group owned by the caller's organisation (analysts and admins)."""
        if not principal.role.may_write:
            raise Forbidden("your role may not create groups")
        group = self.store.directory.create_group(
            name, principal.org_id, confidential, description
        )
        self._audit(principal, f"created group {group.id}", policy.admin_scope(group=group))
        return self._view(principal, group)

    def add_member(self, principal: Principal, group_id: int, org_id: int) -> GroupView:
        """Add an organisation (the owner organisation's admins, instance admins)."""
        group = self._visible(principal, group_id)
        if not policy.may_manage_group(principal, group):
            raise Forbidden("only the owner organisation's admins may change members")
        updated = self.store.directory.add_member(group_id, org_id)
        self._audit(
            principal, f"added org {org_id} to group {group_id}", policy.admin_scope(group=group)
        )
        return self._view(principal, updated)

    def remove_member(self, principal: Principal, group_id: int, org_id: int) -> GroupView:
        group = self._visible(principal, group_id)
        if not policy.may_manage_group(principal, group):
            raise Forbidden("only the owner organisation's admins may change members")
        if org_id not in group.member_org_ids:
            raise NotFound("not a member")
        updated = self.store.directory.remove_member(group_id, org_id)
        self._audit(
            principal,
            f"removed org {org_id} from group {group_id}",
            policy.admin_scope(group=group),
        )
        return self._view(principal, updated)
