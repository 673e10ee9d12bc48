"""Database engines for the store: SQLite tuned for one writer and many readers (WAL), or
PostgreSQL; the checks that turn a bad URL into one clear sentence; and the Alembic upgrade that
every start runs.

Why: SQLite is the embedded default (one command, no server); its write transactions start with
``BEGIN IMMEDIATE`` so two writers queue instead of failing half-way, and WAL keeps a crashed
writer from ever leaving a partial transaction behind. The database holds TLP:RED content and
key hashes, so a SQLite file is created readable by its owner only (0600; SQLite gives its WAL
and shared-memory files the same mode), and never in a folder that does not exist: a typo in a
path is an error, not a new, empty exchange.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import StaticPool

from warroom.errors import WarroomError

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
SUPPORTED_URLS = "sqlite:///PATH or postgresql+psycopg://USER@HOST/DB"
_upgrade_lock = threading.Lock()


class StoreUnavailable(WarroomError):
    """The store cannot be opened: a bad URL, a missing driver, a server that does not answer."""

    status = 503
    title = "Store unavailable"


class NoInstance(StoreUnavailable):
    """There is no warroom instance at the URL (and the command does not create one)."""


def shown(url: str) -> str:
    """``url`` without its password, for messages."""
    return re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", url)


def check_url(url: str) -> URL:
    """The parsed URL, or ``StoreUnavailable`` saying what is wrong and what would work."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise StoreUnavailable(
            f"{shown(url)!r} is not a database URL: use {SUPPORTED_URLS}"
        ) from None
    backend, _, driver = parsed.drivername.partition("+")
    if backend == "postgres":  # the spelling of Heroku and libpq's docs
        backend = "postgresql"
        parsed = parsed.set(drivername="postgresql" + (f"+{driver}" if driver else ""))
    if backend == "sqlite":
        if driver not in ("", "pysqlite"):
            raise StoreUnavailable(f"unsupported SQLite driver {driver!r}: use sqlite:///PATH")
        return parsed
    if backend == "postgresql":
        if driver not in ("", "psycopg"):
            raise StoreUnavailable(
                f"unsupported PostgreSQL driver {driver!r}: use postgresql+psycopg://USER@HOST/DB"
            )
        _require_psycopg()
        return parsed.set(drivername="postgresql+psycopg")
    raise StoreUnavailable(f"unsupported database {backend!r}: use {SUPPORTED_URLS}")


def _require_psycopg() -> None:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise StoreUnavailable(
            "PostgreSQL needs the postgres extra: pip install 'warroom[postgres]' "
            "(from a clone: pip install -e '.[postgres]')"
        ) from None


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL; None for PostgreSQL and in-memory SQLite."""
    parsed = check_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database or ""
    return None if database in ("", ":memory:") else Path(database)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_sqlite_file(path: Path) -> None:
    """Create an empty database file readable by its owner only, in a folder that exists."""
    if path.exists():
        if not path.is_file():
            raise StoreUnavailable(f"{path} is not a database file")
        return
    parent = path.parent
    if not parent.is_dir():
        what = "is not a folder" if parent.exists() else "does not exist"
        raise StoreUnavailable(
            f"cannot create the database {path}: folder {parent} {what} (create it first, or "
            "choose another path)"
        )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.close(fd)
    os.chmod(path, 0o600)


def make_engine(url: str) -> Engine:
    """An engine for ``url``; a new SQLite file is created with mode 0600 (its folder must
    exist)."""
    parsed = check_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_file(url)
        connect_args = {"check_same_thread": False, "timeout": 60}
        if path is None:  # in memory: one connection, shared, or each would see its own database
            engine = create_engine(parsed, connect_args=connect_args, poolclass=StaticPool)
            _tune_sqlite(engine)
            return engine
        create_sqlite_file(path)
        engine = create_engine(parsed, connect_args=connect_args, pool_size=8, max_overflow=8)
        _tune_sqlite(engine)
        return engine
    engine = create_engine(parsed, pool_size=8, max_overflow=8)
    _ping_idle_connections(engine)
    return engine


IDLE_BEFORE_PING = 30.0
"""Seconds a pooled PostgreSQL connection may sit unused before it is checked on checkout."""


def _ping_idle_connections(engine: Engine) -> None:
    """Check a pooled connection before use only when it has been idle a while (a restarted
    server or a dropped connection is then replaced); a busy server's connections are reused
    without the extra round trip ``pool_pre_ping`` would cost on every checkout."""
    import time

    from sqlalchemy.exc import DisconnectionError

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < IDLE_BEFORE_PING:
            return
        try:
            cursor = dbapi_conn.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
            dbapi_conn.rollback()
        except Exception as error:  # noqa: BLE001 - any failure means a dead connection
            raise DisconnectionError() from error


def read_engine(engine: Engine) -> Engine:
    """The engine to read through, in autocommit: a read is one statement, not BEGIN, query,
    ROLLBACK (on SQLite the explicit BEGIN of ``_tune_sqlite`` is skipped)."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(warroom_read=True)
    return engine.execution_options(isolation_level="AUTOCOMMIT")


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves, below
        cursor = dbapi_conn.cursor()
        for pragma in (
            "journal_mode=WAL",
            "synchronous=NORMAL",
            "foreign_keys=ON",
            "busy_timeout=60000",
            "cache_size=-65536",
            "temp_store=MEMORY",
            "mmap_size=268435456",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get("warroom_read"):
            return  # a read: each statement is its own transaction (no BEGIN round trip)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("immediate") else "BEGIN")


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (idempotent)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with _upgrade_lock, engine.connect() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
        if conn.in_transaction():
            conn.commit()
