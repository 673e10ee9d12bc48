"""STIX objects in SQL: every version of every object, with its audience, TLP and author.

Why: this is the hot path of the exchange. Reads apply a :class:`~warroom.policy.ReadFilter`
(built by the policy module, never here) as ``author = ? OR audience IN (...)`` and page by
``date_added``; writes (``object_writes``) store a whole batch in one transaction or nothing.

An (id, version) may be stored more than once: each organisation writes its own versions of an
id (an observable shared by several organisations, an id reused by someone who cannot see the
first), and a version re-shared to another audience is another row. What a reader sees is
decided among the rows *it* may read only — "last" and "first" are its newest and oldest
visible versions, and of several visible rows of one version it sees the earliest — so no
answer depends on a row hidden from it (docs/security.md).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

from sqlalchemy import (
    Connection,
    Engine,
    delete,
    func,
    insert,
    select,
)

from warroom.model.sharing import Recipients
from warroom.model.stix import format_timestamp, parse_timestamp
from warroom.model.tlp import TLP
from warroom.policy import ReadFilter, StoredAudience
from warroom.storage import schema as s
from warroom.storage import state
from warroom.storage.engine import read_engine
from warroom.storage.object_sql import shape_and_params, statement
from warroom.storage.object_writes import (
    PreparedObject,
    Readable,
    VersionCheck,
    WriteOutcome,
    refresh_flags,
    write_batch,
)

o = s.objects
CHUNK = 500


@dataclass(frozen=True)
class ObjectQuery:
    """TAXII-style filters: values within a field are OR, fields are AND."""

    ids: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    versions: tuple[str, ...] = ("last",)  # first | last | all | timestamps
    spec_versions: tuple[str, ...] = ()
    added_after: int | None = None  # µs
    after: int | None = None  # the page cursor: date_added (µs) of the previous page's last row
    limit: int = 1000
    tlps: tuple[TLP, ...] = ()
    author_org_ids: tuple[int, ...] = ()  # matches only authors the caller is shown


class ObjectRow(NamedTuple):
    """One stored row as a read returns it (a tuple: a page builds hundreds of them)."""

    seq: int
    stix_id: str
    type: str
    version_text: str
    date_added: int
    author_org_id: int
    tlp: TLP
    body: str
    audience_id: int
    anonymous: bool = False

    @property
    def date_added_text(self) -> str:
        return format_timestamp(self.date_added)


@dataclass
class Page:
    rows: list[ObjectRow]
    more: bool

    @property
    def next_after(self) -> int | None:
        """The cursor of the next page: the date_added of this page's last row (a value the
        caller already sees; ``date_added`` is unique and grows with every stored row)."""
        return self.rows[-1].date_added if self.more and self.rows else None


@dataclass
class _AudienceCache:
    """Every audience by id, plus lookups that narrow the candidates for one reader. The
    lookups only ever *narrow*: policy.read_filter still decides on each candidate."""

    by_id: dict[int, StoredAudience] = field(default_factory=dict)
    max_id: int = 0
    community: set[int] = field(default_factory=set)
    by_org: dict[int, set[int]] = field(default_factory=dict)
    by_group: dict[int, set[int]] = field(default_factory=dict)
    by_key: dict[str, int] = field(default_factory=dict)

    def add(self, audience: StoredAudience) -> None:
        self.by_id[audience.id] = audience
        self.by_key[audience_key(audience.recipients, audience.tlp)] = audience.id
        rec = audience.recipients
        if rec.community:
            self.community.add(audience.id)
        for org_id in rec.org_ids:
            self.by_org.setdefault(org_id, set()).add(audience.id)
        for group_id in rec.group_ids:
            self.by_group.setdefault(group_id, set()).add(audience.id)


_ROW_COLUMNS = (
    o.c.seq,
    o.c.stix_id,
    o.c.type,
    o.c.version_text,
    o.c.date_added,
    o.c.author_org_id,
    o.c.tlp,
)


_TLPS = tuple(TLP)  # by value: TLP(n) is a slower call per row


def _object_row(r: Any) -> ObjectRow:
    """An ObjectRow from a result row of the object columns (in select order)."""
    seq, stix_id, type_, version_text, date_added, author, tlp, body, audience, anonymous = r
    return ObjectRow(seq, stix_id, type_, version_text, date_added, author, _TLPS[tlp], body,
                     audience, bool(anonymous))


def audience_key(recipients: Recipients, tlp: TLP) -> str:
    return f"{recipients.key()}:{int(tlp)}"


def _csv(ids: Iterable[int]) -> str:
    return ",".join(str(i) for i in sorted(ids))


def _ints(text: str) -> frozenset[int]:
    return frozenset(int(x) for x in text.split(",") if x)


class ObjectStore:
    def __init__(self, engine: Engine, write_lock: Callable[[Connection], None]) -> None:
        self.engine = engine
        self.reads = read_engine(engine)  # autocommit reads on PostgreSQL
        self._write_lock = write_lock
        self._cache = _AudienceCache()
        self._cache_lock = threading.Lock()
        self._audiences_epoch: int | None = None

    # audiences ----------------------------------------------------------------------
    def _refresh_audiences(self, force: bool = False) -> None:
        """Load audiences stored since the cache last looked (rows are immutable). A new
        audience bumps the directory's change counter, so while the counter is unchanged there
        is nothing to load."""
        with self.reads.connect() as conn:
            # ``force``: after a write, or asked for an id it does not know, look at the
            # database itself, not the counter the request read when it started
            epoch = state.read_epoch(conn, fresh=force)
            if epoch == self._audiences_epoch and not force:
                return
            newest = conn.execute(select(func.max(s.audiences.c.id))).scalar() or 0
            if newest > self._cache.max_id:
                rows = conn.execute(
                    select(s.audiences).where(s.audiences.c.id > self._cache.max_id)
                ).all()
                with self._cache_lock:
                    for r in rows:
                        self._cache.add(
                            StoredAudience(
                                r.id,
                                Recipients(bool(r.community), _ints(r.org_ids), _ints(r.group_ids)),
                                TLP(r.tlp),
                            )
                        )
                    self._cache.max_id = max(self._cache.max_id, newest)
            self._audiences_epoch = epoch

    def audience_candidates(self, org_id: int, group_ids: Iterable[int]) -> list[StoredAudience]:
        """The audiences that name the community, ``org_id`` or one of ``group_ids``: a superset
        of what that organisation may read, for policy.read_filter to decide on."""
        self._refresh_audiences()
        cache = self._cache
        ids = set(cache.community) | cache.by_org.get(org_id, set())
        for group_id in group_ids:
            ids |= cache.by_group.get(group_id, set())
        return [cache.by_id[i] for i in ids]

    def audience(self, audience_id: int) -> StoredAudience | None:
        found = self._cache.by_id.get(audience_id)
        if found is None:
            self._refresh_audiences(force=True)
            found = self._cache.by_id.get(audience_id)
        return found

    def _audience_id(self, conn: Connection, recipients: Recipients, tlp: TLP) -> int:
        """The id of the audience (recipients, tlp), created inside ``conn``'s transaction on
        first use (so it is committed with the objects that use it, or not at all)."""
        key = audience_key(recipients, tlp)
        known = self._cache.by_key.get(key)
        if known is not None:
            return known
        found = conn.execute(select(s.audiences.c.id).where(s.audiences.c.key == key)).scalar()
        if found is None:
            found = conn.execute(
                insert(s.audiences).values(
                    key=key,
                    tlp=int(tlp),
                    community=recipients.community,
                    org_ids=_csv(recipients.org_ids),
                    group_ids=_csv(recipients.group_ids),
                )
            ).inserted_primary_key[0]  # type: ignore[index]
            state.bump(conn)  # every process's audience cache looks again
        return int(found)

    # reads --------------------------------------------------------------------------
    def _read(
        self,
        conn: Connection,
        rf: ReadFilter,
        q: ObjectQuery,
        output: str,
        one_row_per_version: bool = True,
    ) -> Any:
        stamps = tuple(
            parse_timestamp(v) for v in q.versions if v not in ("all", "last", "first")
        )
        after = max((v for v in (q.added_after, q.after) if v is not None), default=None)
        shape, params = shape_and_params(
            rf,
            ids=q.ids,
            types=q.types,
            spec_versions=q.spec_versions,
            tlps=tuple(int(t) for t in q.tlps),
            author_org_ids=q.author_org_ids,
            after=after,
            versions=q.versions,
            stamps=stamps,
            one_row_per_version=one_row_per_version,
            output=output,
        )
        if output == "rows":
            params["limit"] = q.limit + 1
        return conn.execute(statement(shape), params)

    def select(self, rf: ReadFilter, q: ObjectQuery) -> Page:
        """One page of objects visible through ``rf``, ordered by date added."""
        if rf.empty or q.limit <= 0:
            return Page([], False)
        with self.reads.connect() as conn:
            rows = self._read(conn, rf, q, "rows").all()
        more = len(rows) > q.limit
        return Page([_object_row(r) for r in rows[: q.limit]], more)

    def count(self, rf: ReadFilter, q: ObjectQuery, group_by: str | None = None) -> dict[str, int]:
        """Counts of visible objects, in total or per ``type`` / ``tlp``."""
        if rf.empty:
            return {} if group_by else {"total": 0}
        q = replace(q, after=None)
        with self.reads.connect() as conn:
            if group_by is None:
                total = self._read(conn, rf, q, "count").scalar()
                return {"total": int(total or 0)}
            output = {"type": "count_type", "tlp": "count_tlp"}[group_by]
            rows = self._read(conn, rf, q, output).all()
        if group_by == "tlp":
            return {TLP(k).slug: int(v) for k, v in rows}
        return {str(k): int(v) for k, v in rows}

    # writes -------------------------------------------------------------------------
    def write(
        self,
        author_org_id: int,
        items: Sequence[PreparedObject],
        anonymous: bool,
        check_version: VersionCheck,
        readable: Readable,
        on_written: Callable[[Connection, list[WriteOutcome]], None] | None = None,
    ) -> list[WriteOutcome]:
        """Store ``items`` in one transaction: all of them, or (on any error) none.

        New audiences, the rows, and whatever ``on_written`` adds (the audit entries and the
        status of the write) are committed together or not at all."""
        with self.engine.connect() as conn:
            conn.info["immediate"] = True
            try:
                with conn.begin():
                    self._write_lock(conn)
                    outcomes = write_batch(
                        conn, author_org_id, items, anonymous, check_version, readable,
                        lambda r, t: self._audience_id(conn, r, t),
                    )
                    if on_written is not None:
                        on_written(conn, outcomes)
            finally:
                conn.info["immediate"] = False
        self._refresh_audiences(force=True)
        return outcomes

    def delete(self, rf: ReadFilter, stix_id: str, q: ObjectQuery) -> list[ObjectRow]:
        """Delete the versions of ``stix_id`` that ``rf`` selects with ``q``; returns them."""
        q = ObjectQuery(
            ids=(stix_id,), versions=q.versions, spec_versions=q.spec_versions, limit=1_000_000
        )
        with self.engine.connect() as conn:
            conn.info["immediate"] = True
            try:
                with conn.begin():
                    self._write_lock(conn)
                    seqs = self._read(conn, rf, q, "seqs", one_row_per_version=False)
                    wanted = [r.seq for r in seqs]
                    rows = (
                        conn.execute(
                            select(*_ROW_COLUMNS, o.c.body, o.c.audience_id, o.c.anonymous)
                            .where(o.c.seq.in_(wanted))
                            .order_by(o.c.seq)
                        ).all()
                        if wanted
                        else []
                    )
                    if rows:
                        conn.execute(delete(o).where(o.c.seq.in_([r.seq for r in rows])))
                        refresh_flags(conn, [stix_id])
            finally:
                conn.info["immediate"] = False
        return [_object_row(r) for r in rows]


__all__ = [
    "ObjectQuery",
    "ObjectRow",
    "ObjectStore",
    "Page",
    "PreparedObject",
    "WriteOutcome",
]
