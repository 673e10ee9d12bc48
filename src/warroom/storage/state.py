"""The directory's change counter, read once per request.

Why: every request asks what a key resolves to, which groups exist and which audiences there
are; each answer is cached per process and reused while ``directory_state.epoch`` is unchanged
(storage.directory). Reading the counter once per request — not once per question — keeps that
check to a single primary-key read. ``request_epoch`` holds the value a request read first
(a ``ContextVar``: each request, and the threads it runs code in, see their own); outside a
request every question reads the counter itself."""

from __future__ import annotations

from contextvars import ContextVar

from sqlalchemy import Connection

EPOCH_SQL = "SELECT epoch FROM directory_state WHERE id = 1"

_request_epoch: ContextVar[int | None] = ContextVar("warroom_request_epoch", default=None)


def read_epoch(conn: Connection, *, fresh: bool = False) -> int:
    """The counter: the request's (read once) or, outside a request or when ``fresh``, the
    database's."""
    known = None if fresh else _request_epoch.get()
    if known is not None:
        return known
    return int(conn.exec_driver_sql(EPOCH_SQL).scalar() or 0)


def start_request_epoch(epoch: int) -> None:
    """Fix the counter for the rest of the current request's context (an ASGI dependency sets
    it; the context ends with the request)."""
    _request_epoch.set(epoch)


def bump(conn: Connection) -> None:
    """Bump the counter (inside the transaction of the change); what the current request asks
    next reads the counter again."""
    conn.exec_driver_sql("UPDATE directory_state SET epoch = epoch + 1 WHERE id = 1")
    _request_epoch.set(None)
