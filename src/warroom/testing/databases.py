"""Fresh, empty databases for tests: a SQLite file, or a new PostgreSQL database when
``WARROOM_TEST_DATABASE_URL`` names a server (e.g. postgresql://postgres@127.0.0.1:5432/test)."""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ENV = "WARROOM_TEST_DATABASE_URL"


def postgres_base_url() -> str | None:
    return os.environ.get(ENV) or None


def database_name(label: str) -> str:
    """A PostgreSQL database name for ``label`` (a test's name): readable, at most 63 bytes,
    and distinct for distinct labels and for each checkout of the code (a hash of both), so
    that parametrised tests whose names share 40 characters, or the same test run from two
    worktrees against one server, never drop each other's database."""
    digest = hashlib.sha1(f"{Path(__file__).resolve()}|{label}".encode()).hexdigest()[:12]
    return "wr_" + re.sub(r"[^a-z0-9_]", "_", label[:40].lower()) + "_" + digest


def fresh_database_url(tmp_dir: Path, label: str = "") -> str:
    """A URL to an empty database that nobody else uses."""
    base = postgres_base_url()
    if base is None:
        return f"sqlite:///{tmp_dir / 'warroom.db'}"
    name = database_name(label or uuid.uuid4().hex)
    url = make_url(base).set(drivername="postgresql+psycopg")
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
        # a test database need not survive a crash of the server: commits do not wait for the
        # disk (the data stay consistent; the store's own transactions are unchanged)
        conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)
