"""Organisations, users, API keys and sharing groups in SQL.

Why: the directory is what a :class:`~warroom.model.orgs.Principal` is built from. API keys are
stored as SHA-256 digests of high-entropy random secrets and shown once; a key is found by its
public prefix and compared in constant time.

User names are unique within an organisation and group names within their owner organisation,
and users, keys and groups get random ids: a global name or a sequential id would tell one
organisation what others have (docs/security.md). Organisations are a public directory and keep
sequential ids.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Row, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from warroom.errors import Conflict, InvalidInput, NotFound
from warroom.model.orgs import Org, Principal, Role, SharingGroup, identity_id_for
from warroom.model.stix import now_micros
from warroom.storage import schema as s
from warroom.storage import state
from warroom.storage.engine import read_engine

KEY_PREFIX = "wr"
MAX_ID = 2**31 - 1  # the INTEGER primary keys of both databases


def random_id() -> int:
    """A random positive 31-bit id (random ids tell nobody how many rows others have)."""
    return secrets.randbelow(MAX_ID) + 1


@dataclass(frozen=True)
class User:
    id: int
    org_id: int
    username: str
    role: Role
    instance_admin: bool
    disabled: bool


@dataclass(frozen=True)
class ApiKey:
    id: int
    user_id: int
    name: str
    prefix: str
    created_at: int
    revoked: bool


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _clean_name(value: str, what: str) -> str:
    value = value.strip()
    if not value or len(value) > 200 or any(ord(c) < 32 for c in value):
        raise InvalidInput(f"{what} must be 1-200 printable characters")
    return value


CACHED_KEYS = 20_000  # principals kept per process (the cache is emptied when it is full)


class Directory:
    """CRUD over organisations, users, keys and groups.

    What every request asks — the principal of an API key, the sharing groups, the member
    directory — is cached per process and reused only while the database's change counter
    (``directory_state.epoch``) is the one it was read under: every change of who-is-who bumps
    the counter in its own transaction, so a change committed by any process is seen by the
    next request of every process (one primary-key read per check)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.reads = read_engine(engine)  # autocommit reads on PostgreSQL
        self._principals: dict[str, tuple[int, Principal]] = {}
        self._groups: tuple[int, dict[int, SharingGroup]] | None = None
        self._orgs: tuple[int, list[Org]] | None = None

    # the change counter -------------------------------------------------------------
    @staticmethod
    def _epoch(conn: Connection) -> int:
        return state.read_epoch(conn)

    @staticmethod
    def _changed(conn: Connection) -> None:
        """Bump the change counter (inside the change's transaction)."""
        state.bump(conn)

    def epoch(self) -> int:
        """The change counter as the database holds it now (read at the start of a request)."""
        with self.reads.connect() as conn:
            return int(conn.exec_driver_sql(state.EPOCH_SQL).scalar() or 0)

    # organisations ------------------------------------------------------------------
    def create_org(self, name: str, sector: str = "") -> Org:
        name = _clean_name(name, "organisation name")
        identity = identity_id_for(name)
        try:
            with self.engine.begin() as conn:
                org_id = conn.execute(
                    insert(s.orgs).values(
                        name=name, identity_id=identity, sector=sector, created_at=now_micros()
                    )
                ).inserted_primary_key[0]  # type: ignore[index]
                self._changed(conn)
        except IntegrityError:
            raise Conflict(f"organisation {name!r} already exists") from None
        return Org(id=int(org_id), name=name, identity_id=identity, sector=sector)

    def list_orgs(self) -> list[Org]:
        with self.reads.connect() as conn:
            epoch = self._epoch(conn)
            cached = self._orgs
            if cached is not None and cached[0] == epoch:
                return list(cached[1])
            rows = conn.execute(select(s.orgs).order_by(s.orgs.c.id)).all()
        orgs = [Org(r.id, r.name, r.identity_id, r.sector) for r in rows]
        self._orgs = (epoch, orgs)
        return list(orgs)

    def get_org(self, org_id: int) -> Org:
        for org in self.list_orgs():
            if org.id == org_id:
                return org
        raise NotFound("organisation not found")

    def org_by_name(self, name: str) -> Org:
        with self.reads.connect() as conn:
            r = conn.execute(select(s.orgs).where(s.orgs.c.name == name)).first()
        if r is None:
            raise NotFound(f"organisation {name!r} not found")
        return Org(r.id, r.name, r.identity_id, r.sector)

    def org_ids_by_identity(self) -> dict[str, int]:
        return {org.identity_id: org.id for org in self.list_orgs()}

    # users --------------------------------------------------------------------------
    def create_user(
        self, org_id: int, username: str, role: Role, instance_admin: bool = False
    ) -> User:
        username = _clean_name(username, "username")
        self.get_org(org_id)
        with self.engine.begin() as conn:
            taken = conn.execute(
                select(s.users.c.id).where(
                    s.users.c.org_id == org_id, s.users.c.username == username
                )
            ).first()
            if taken is not None:
                raise Conflict(f"user {username!r} already exists in this organisation")
            user_id = self._insert_with_random_id(
                conn,
                s.users,
                org_id=org_id,
                username=username,
                role=role.value,
                instance_admin=instance_admin,
                disabled=False,
                created_at=now_micros(),
            )
        return User(user_id, org_id, username, role, instance_admin, False)

    @staticmethod
    def _insert_with_random_id(conn: Any, table: Any, **values: Any) -> int:
        """Insert a row with a random unused id (inside the caller's transaction)."""
        while True:
            candidate = random_id()
            if conn.execute(select(table.c.id).where(table.c.id == candidate)).first() is None:
                conn.execute(insert(table).values(id=candidate, **values))
                return candidate

    def _user(self, r: Row[Any]) -> User:
        return User(
            r.id, r.org_id, r.username, Role(r.role), bool(r.instance_admin), bool(r.disabled)
        )

    def list_users(self, org_id: int | None = None) -> list[User]:
        query = select(s.users).order_by(s.users.c.id)
        if org_id is not None:
            query = query.where(s.users.c.org_id == org_id)
        with self.reads.connect() as conn:
            return [self._user(r) for r in conn.execute(query)]

    def get_user(self, user_id: int) -> User:
        with self.reads.connect() as conn:
            r = conn.execute(select(s.users).where(s.users.c.id == user_id)).first()
        if r is None:
            raise NotFound("user not found")
        return self._user(r)

    def user_by_name(self, username: str) -> User:
        """A user by name, or ``ORGANISATION/NAME`` when several organisations use the name."""
        with self.reads.connect() as conn:
            rows = conn.execute(select(s.users).where(s.users.c.username == username)).all()
            if not rows and "/" in username:
                org_name, _, name = username.rpartition("/")
                rows = conn.execute(
                    select(s.users)
                    .join(s.orgs, s.orgs.c.id == s.users.c.org_id)
                    .where(s.orgs.c.name == org_name, s.users.c.username == name)
                ).all()
        if not rows:
            raise NotFound(f"user {username!r} not found")
        if len(rows) > 1:
            raise InvalidInput(
                f"several organisations have a user named {username!r}: "
                "write ORGANISATION/USERNAME"
            )
        return self._user(rows[0])

    def set_user(
        self, user_id: int, *, role: Role | None = None, disabled: bool | None = None
    ) -> User:
        values: dict[str, object] = {}
        if role is not None:
            values["role"] = role.value
        if disabled is not None:
            values["disabled"] = disabled
        if values:
            with self.engine.begin() as conn:
                conn.execute(update(s.users).where(s.users.c.id == user_id).values(**values))
                self._changed(conn)
        return self.get_user(user_id)

    # API keys -----------------------------------------------------------------------
    def create_key(self, user_id: int, name: str = "") -> tuple[ApiKey, str]:
        """Create a key; returns it with its secret, which is never stored nor shown again."""
        self.get_user(user_id)
        prefix = secrets.token_hex(6)
        secret = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
        created = now_micros()
        with self.engine.begin() as conn:
            key_id = self._insert_with_random_id(
                conn,
                s.api_keys,
                user_id=user_id,
                name=name,
                prefix=prefix,
                key_hash=hash_key(secret),
                created_at=created,
                revoked=False,
            )
        return ApiKey(key_id, user_id, name, prefix, created, False), secret

    def list_keys(self, user_ids: list[int]) -> list[ApiKey]:
        with self.reads.connect() as conn:
            rows = conn.execute(
                select(s.api_keys)
                .where(s.api_keys.c.user_id.in_(user_ids))
                .order_by(s.api_keys.c.id)
            ).all()
        return [
            ApiKey(r.id, r.user_id, r.name, r.prefix, r.created_at, bool(r.revoked)) for r in rows
        ]

    def get_key(self, key_id: int) -> ApiKey:
        with self.reads.connect() as conn:
            r = conn.execute(select(s.api_keys).where(s.api_keys.c.id == key_id)).first()
        if r is None:
            raise NotFound("key not found")
        return ApiKey(r.id, r.user_id, r.name, r.prefix, r.created_at, bool(r.revoked))

    def revoke_key(self, key_id: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(s.api_keys).where(s.api_keys.c.id == key_id).values(revoked=True))
            self._changed(conn)

    def principal_for_key(self, secret: str) -> Principal | None:
        """The principal an API key authenticates, or None (unknown, revoked, disabled)."""
        parts = secret.split("_", 2)
        if len(parts) != 3 or parts[0] != KEY_PREFIX or len(parts[1]) != 12:
            return None
        digest = hash_key(secret)
        with self.reads.connect() as conn:
            epoch = self._epoch(conn)
            cached = self._principals.get(digest)
            if cached is not None and cached[0] == epoch:
                return cached[1]
            row = conn.execute(
                select(s.api_keys.c.key_hash, s.api_keys.c.revoked, s.users)
                .join(s.users, s.users.c.id == s.api_keys.c.user_id)
                .where(s.api_keys.c.prefix == parts[1])
            ).first()
            if row is None or row.revoked or row.disabled:
                return None
            if not hmac.compare_digest(row.key_hash, digest):
                return None
            group_ids = frozenset(
                conn.execute(
                    select(s.group_members.c.group_id).where(s.group_members.c.org_id == row.org_id)
                ).scalars()
            )
        principal = Principal(
            user_id=row.id,
            username=row.username,
            org_id=row.org_id,
            role=Role(row.role),
            group_ids=group_ids,
            instance_admin=bool(row.instance_admin),
        )
        if len(self._principals) >= CACHED_KEYS:
            self._principals.clear()
        self._principals[digest] = (epoch, principal)
        return principal

    def principal_for_user(self, user_id: int) -> Principal:
        """The principal of a user, for the CLI (which runs with the database's own rights)."""
        user = self.get_user(user_id)
        with self.reads.connect() as conn:
            group_ids = frozenset(
                conn.execute(
                    select(s.group_members.c.group_id).where(
                        s.group_members.c.org_id == user.org_id
                    )
                ).scalars()
            )
        return Principal(
            user.id, user.username, user.org_id, user.role, group_ids, user.instance_admin
        )

    # sharing groups -----------------------------------------------------------------
    def create_group(
        self, name: str, owner_org_id: int, confidential: bool = False, description: str = ""
    ) -> SharingGroup:
        name = _clean_name(name, "group name")
        self.get_org(owner_org_id)
        with self.engine.begin() as conn:
            taken = conn.execute(
                select(s.groups.c.id).where(
                    s.groups.c.owner_org_id == owner_org_id, s.groups.c.name == name
                )
            ).first()
            if taken is not None:
                raise Conflict(f"your organisation already has a group named {name!r}")
            group_id = self._insert_with_random_id(
                conn,
                s.groups,
                name=name,
                owner_org_id=owner_org_id,
                confidential=confidential,
                description=description,
                created_at=now_micros(),
            )
            conn.execute(insert(s.group_members).values(group_id=group_id, org_id=owner_org_id))
            self._changed(conn)
        return self.get_group(group_id)

    def groups(self, ids: Iterable[int] | None = None) -> dict[int, SharingGroup]:
        """Sharing groups with their members: all of them, or only ``ids``."""
        with self.reads.connect() as conn:
            epoch = self._epoch(conn)
            cached = self._groups
            if cached is None or cached[0] != epoch:
                cached = (epoch, self._load_groups(conn))
                self._groups = cached
        every = cached[1]
        if ids is None:
            return dict(every)
        return {i: every[i] for i in sorted(set(ids)) if i in every}

    @staticmethod
    def _load_groups(conn: Connection) -> dict[int, SharingGroup]:
        g, m = s.groups, s.group_members
        members: dict[int, set[int]] = {}
        for row in conn.execute(select(m)):
            members.setdefault(row.group_id, set()).add(row.org_id)
        return {
            r.id: SharingGroup(
                r.id,
                r.name,
                r.owner_org_id,
                bool(r.confidential),
                frozenset(members.get(r.id, ())),
                r.description,
            )
            for r in conn.execute(select(g).order_by(g.c.id))
        }

    def get_group(self, group_id: int) -> SharingGroup:
        group = self.groups([group_id]).get(group_id)
        if group is None:
            raise NotFound("group not found")
        return group

    def group_by_name(self, name: str) -> SharingGroup:
        """A group by name, ``OWNER ORGANISATION/NAME`` when several owners use the name, or
        its id (for the operator's CLI, which sees every group)."""
        groups = list(self.groups().values())
        found = [g for g in groups if g.name == name]
        if not found and "/" in name:
            owner, _, short = name.rpartition("/")
            owners = {o.id for o in self.list_orgs() if o.name == owner}
            found = [g for g in groups if g.name == short and g.owner_org_id in owners]
        if not found and name.isdigit():
            found = [g for g in groups if g.id == int(name)]
        if not found:
            raise NotFound(f"group {name!r} not found")
        if len(found) > 1:
            raise InvalidInput(
                f"several organisations own a group named {name!r}: write OWNER/NAME"
            )
        return found[0]

    def add_member(self, group_id: int, org_id: int) -> SharingGroup:
        self.get_org(org_id)
        group = self.get_group(group_id)
        if org_id not in group.member_org_ids:
            with self.engine.begin() as conn:
                conn.execute(insert(s.group_members).values(group_id=group_id, org_id=org_id))
                self._changed(conn)
        return self.get_group(group_id)

    def remove_member(self, group_id: int, org_id: int) -> SharingGroup:
        group = self.get_group(group_id)
        if org_id == group.owner_org_id:
            raise InvalidInput("the owner organisation cannot leave its group")
        with self.engine.begin() as conn:
            conn.execute(
                delete(s.group_members).where(
                    (s.group_members.c.group_id == group_id) & (s.group_members.c.org_id == org_id)
                )
            )
            self._changed(conn)
        return self.get_group(group_id)
