"""The Store: one object giving the services the directory, the objects and the records.

Why: services take a Store, never an engine, so the same code runs on SQLite and PostgreSQL and
the contract tests run the same cases on both (DESIGN.md principle 6).
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, func, inspect, select, text
from sqlalchemy.exc import DBAPIError

from warroom.storage import schema
from warroom.storage.directory import Directory
from warroom.storage.domain_assets import DomainAssets
from warroom.storage.engine import (
    NoInstance,
    StoreUnavailable,
    is_sqlite,
    make_engine,
    shown,
    sqlite_file,
    upgrade,
)
from warroom.storage.objects import ObjectStore
from warroom.storage.records import Records

# Any constant: PostgreSQL writers of objects take this transaction-level advisory lock so that
# date_added grows with commit order (TAXII pagination by added_after relies on it).
_PG_WRITE_LOCK = 74_646_464


class Store:
    """The exchange store over one SQLAlchemy engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sqlite = engine.dialect.name == "sqlite"
        self.directory = Directory(engine)
        self.objects = ObjectStore(engine, self._write_lock)
        self.records = Records(engine)
        self.domain_assets = DomainAssets(engine)

    @classmethod
    def open(cls, url: str, *, migrate: bool = True, existing: bool = False) -> Store:
        """Open (and by default migrate) the store at ``url``.

        With ``existing``, refuse (``NoInstance``) unless an initialised instance is there: a
        SQLite file that exists, with the schema and at least one organisation. Every failure
        to reach the database is a ``StoreUnavailable`` with a one-line reason."""
        if existing:
            path = sqlite_file(url)
            if path is not None and (not path.is_file() or path.stat().st_size == 0):
                raise NoInstance(_no_instance(url))  # (an empty file is left as it is)
        engine = make_engine(url)
        try:
            if existing and not _initialised(engine):
                raise NoInstance(_no_instance(url))
            if migrate:
                upgrade(engine)
        except DBAPIError as error:
            engine.dispose()
            reason = str(error.orig).strip().splitlines()[0] if str(error.orig).strip() else ""
            raise StoreUnavailable(
                f"cannot open the database {shown(url)}: {reason or type(error.orig).__name__}"
            ) from None
        except BaseException:
            engine.dispose()
            raise
        return cls(engine)

    def _write_lock(self, conn: Connection) -> None:
        if not self.sqlite:  # SQLite's BEGIN IMMEDIATE already serialises writers
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_WRITE_LOCK})

    def close(self) -> None:
        self.engine.dispose()


def _no_instance(url: str) -> str:
    return (
        f"no warroom instance here ({shown(url)}): run `warroom init` "
        "(or set WARROOM_DATABASE_URL)"
    )


def _initialised(engine: Engine) -> bool:
    """The schema is there and holds at least one organisation (``warroom init`` made one)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table(schema.orgs.name):
            return False
        return bool(conn.execute(select(func.count()).select_from(schema.orgs)).scalar_one())


__all__ = ["NoInstance", "Store", "StoreUnavailable", "is_sqlite"]
