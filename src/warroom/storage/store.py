"""The Store: one object giving the services the directory, the objects and the records.

Why: services take a Store, never an engine, so the same code runs on SQLite and PostgreSQL and
the contract tests run the same cases on both (DESIGN.md principle 6).
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, text

from warroom.storage.directory import Directory
from warroom.storage.domain_assets import DomainAssets
from warroom.storage.engine import is_sqlite, make_engine, upgrade
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
    def open(cls, url: str, *, migrate: bool = True) -> Store:
        """Open (and by default migrate) the store at ``url``."""
        engine = make_engine(url)
        if migrate:
            try:
                upgrade(engine)
            except BaseException:
                engine.dispose()
                raise
        return cls(engine)

    def _write_lock(self, conn: Connection) -> None:
        if not self.sqlite:  # SQLite's BEGIN IMMEDIATE already serialises writers
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_WRITE_LOCK})

    def close(self) -> None:
        self.engine.dispose()


__all__ = ["Store", "is_sqlite"]
