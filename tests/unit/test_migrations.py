"""The Alembic migrations build exactly the schema the code declares, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from warroom.errors import Conflict
from warroom.model.orgs import Role
from warroom.storage.engine import upgrade
from warroom.storage.schema import metadata
from warroom.storage.store import Store


def test_migrated_schema_matches_declared_schema(store: Store) -> None:
    with store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []


def test_upgrade_is_idempotent(store: Store) -> None:
    upgrade(store.engine)
    with store.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == "0003"


def test_upgrade_from_0002_keeps_the_data(database_url: str) -> None:
    """A store made by revision 0002 (global user and group names, one row per version) is
    upgraded in place: every row kept, administration entries scoped to their organisation."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import insert, select, text

    from warroom.storage import schema as s
    from warroom.storage.engine import MIGRATIONS_DIR, make_engine

    engine = make_engine(database_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.connect() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0002")
        conn.commit()
    with engine.begin() as conn:
        # the columns 0002 had (the declared tables have more now)
        conn.execute(insert(s.orgs).values(
            id=1, name="A", identity_id="identity--1", sector="", created_at=1))
        conn.execute(insert(s.users).values(
            id=7, org_id=1, username="alice", role="admin", instance_admin=False,
            disabled=False, created_at=1))
        conn.execute(insert(s.groups).values(
            id=3, name="WG", owner_org_id=1, confidential=True, description="", created_at=1))
        conn.execute(text(
            "INSERT INTO audit_log (id, ts, user_id, org_id, action, transport, detail) "
            "VALUES (1, 5, 7, 1, 'admin', 'rest', 'created group 3')"))
    upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(select(s.users.c.username)).scalars().all() == ["alice"]
        assert conn.execute(select(s.groups.c.name)).scalars().all() == ["WG"]
        assert conn.execute(select(s.audit_log.c.scope_org_id)).scalars().all() == [1]
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    engine.dispose()


def test_names_are_unique_per_organisation_not_globally(store: Store) -> None:
    """Two organisations may both have a user 'alice' and a group 'WG' (0003 dropped the
    global unique constraints, which would answer whether another organisation has a name)."""
    directory = store.directory
    a, b = directory.create_org("A"), directory.create_org("B")
    for org in (a, b):
        directory.create_user(org.id, "alice", Role.ANALYST)
        directory.create_group("WG", org.id)
    assert sorted(u.org_id for u in directory.list_users() if u.username == "alice") == sorted(
        [a.id, b.id]
    )
    with pytest.raises(Conflict):
        directory.create_user(a.id, "alice", Role.READER)
    with pytest.raises(Conflict):
        directory.create_group("WG", b.id)
