"""A write-transaction probe for crash tests: the server notes in a side file, in a way that
survives SIGKILL, when each write transaction begins, when it inserts objects and when it
commits; after the kill the test reads where the server was.

Why: a crash test that kills a server during ingest proves all-or-nothing storage only if some
kills land *inside* a write transaction, between BEGIN and COMMIT. Timing alone cannot show it
(validation and JSON parsing take most of a request); this probe does. Each note is one
``os.write`` to a file opened with O_APPEND, followed by ``fsync``: ``B`` once BEGIN has
returned (for SQLite, once the write lock is held), ``W`` before the objects' INSERT runs, ``C``
before COMMIT is sent and ``E`` once the connection is back in the pool.

Run a server with it: ``uvicorn --factory warroom.testing.txn_probe:create_app`` with
``WARROOM_TXN_PROBE=<file>`` (see ``warroom.testing.server.spawn``). Notes are lines
``<event> <transaction number> <monotonic clock, ns>``; ``E`` also follows a rollback. Only
write transactions are noted (the store marks them ``immediate``).
"""

from __future__ import annotations

import itertools
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from sqlalchemy import Engine, event

ENV = "WARROOM_TXN_PROBE"
_KEY = "txn_probe"


def install(engine: Engine, path: Path) -> None:
    """Note the write transactions of ``engine`` in ``path`` (appended to)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    numbers = itertools.count(1)

    def note(what: str, number: int) -> None:
        os.write(fd, f"{what} {number} {time.monotonic_ns()}\n".encode())
        os.fsync(fd)

    # registered after the store's own "begin" listener, which sends SQLite's BEGIN IMMEDIATE
    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        if conn.info.get("immediate"):
            conn.info[_KEY] = next(numbers)
            note("B", conn.info[_KEY])

    @event.listens_for(engine, "before_cursor_execute")
    def _execute(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        number = conn.info.get(_KEY)
        if number and statement.lstrip().upper().startswith("INSERT INTO OBJECTS"):
            note("W", number)

    @event.listens_for(engine, "commit")
    def _commit(conn: Any) -> None:  # runs just before the COMMIT is sent
        if conn.info.get(_KEY):
            note("C", conn.info[_KEY])

    @event.listens_for(engine, "rollback")
    def _rollback(conn: Any) -> None:
        number = conn.info.pop(_KEY, None)
        if number:
            note("E", number)

    # Connection.info is the pooled connection's own dict: once COMMIT has returned, the
    # connection goes back to the pool, and that is the transaction's end
    @event.listens_for(engine.pool, "checkin")
    def _checkin(_dbapi_conn: Any, record: Any) -> None:
        number = record.info.pop(_KEY, None)
        if number:
            note("E", number)


@dataclass(frozen=True)
class KillPoint:
    """Where the server was when it died, from its probe file."""

    state: str  # "outside" | "begun" | "writing" | "committing"
    transactions: int  # write transactions begun in this server's life

    @property
    def inside(self) -> bool:
        """Between BEGIN and COMMIT: nothing of the transaction may survive."""
        return self.state in ("begun", "writing")


def kill_point(path: Path) -> KillPoint:
    """Read a probe file after the server was killed."""
    last: dict[int, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            what, number, *_ = [*line.split(), "", ""]
            if number.isdigit():
                last[int(number)] = what
    open_ones = [what for what in last.values() if what != "E"]
    state = "outside"
    if open_ones:
        state = {"B": "begun", "W": "writing", "C": "committing"}[open_ones[-1]]
    return KillPoint(state, len(last))


def create_app() -> FastAPI:
    """The application factory with the probe installed on the store's engine."""
    from warroom.api.app import create_app as make

    app = make()
    install(app.state.store.engine, Path(os.environ[ENV]))
    return app
