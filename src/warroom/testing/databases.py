"""Fresh, empty databases for tests: a SQLite file, or a new PostgreSQL database when
``WARROOM_TEST_DATABASE_URL`` names a server (e.g. postgresql://postgres@127.0.0.1:5432/test)."""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ENV = "WARROOM_TEST_DATABASE_URL"


def postgres_base_url() -> str | None:
    return os.environ.get(ENV) or None


def fresh_database_url(tmp_dir: Path, label: str = "") -> str:
    """A URL to an empty database that nobody else uses."""
    base = postgres_base_url()
    if base is None:
        return f"sqlite:///{tmp_dir / 'warroom.db'}"
    name = "wr_" + re.sub(r"[^a-z0-9_]", "_", (label or uuid.uuid4().hex)[:40].lower())
    url = make_url(base).set(drivername="postgresql+psycopg")
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)
