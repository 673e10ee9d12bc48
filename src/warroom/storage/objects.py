"""STIX objects in SQL: every version of every object, with its audience, TLP and author.

Why: this is the hot path of the exchange. Reads apply a :class:`~warroom.policy.ReadFilter`
(built by the policy module, never here) as ``author = ? OR audience IN (...)`` and page by
``seq``; writes store a whole batch in one transaction or nothing.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    and_,
    case,
    delete,
    false,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.sql.elements import ColumnElement

from warroom.errors import Conflict
from warroom.model.sharing import Recipients
from warroom.model.stix import StixFacts, format_timestamp, now_micros, parse_timestamp
from warroom.model.tlp import TLP
from warroom.policy import ReadFilter, StoredAudience
from warroom.storage import schema as s
from warroom.storage.bulk import insert_many

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
    after_seq: int | None = None  # pagination cursor
    limit: int = 1000
    tlps: tuple[TLP, ...] = ()
    author_org_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class ObjectRow:
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
    def next_seq(self) -> int | None:
        return self.rows[-1].seq if self.more and self.rows else None


@dataclass(frozen=True)
class PreparedObject:
    """A validated object ready to store, with its resolved audience."""

    facts: StixFacts
    tlp: TLP
    audience_id: int
    body: bytes
    body_original: bytes | None = None


@dataclass(frozen=True)
class WriteOutcome:
    stix_id: str
    version_text: str
    date_added: int
    stored: bool  # False: the identical version was already there (idempotent re-send)
    tlp: TLP


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


def _object_row(r: Any) -> ObjectRow:
    """An ObjectRow from a result row of the object columns (in select order)."""
    return ObjectRow(
        r.seq,
        r.stix_id,
        r.type,
        r.version_text,
        r.date_added,
        r.author_org_id,
        TLP(r.tlp),
        r.body,
        r.audience_id,
        bool(r.anonymous),
    )


def audience_key(recipients: Recipients, tlp: TLP) -> str:
    return f"{recipients.key()}:{int(tlp)}"


def _csv(ids: Iterable[int]) -> str:
    return ",".join(str(i) for i in sorted(ids))


def _ints(text: str) -> frozenset[int]:
    return frozenset(int(x) for x in text.split(",") if x)


class ObjectStore:
    def __init__(self, engine: Engine, write_lock: Callable[[Connection], None]) -> None:
        self.engine = engine
        self._write_lock = write_lock
        self._cache = _AudienceCache()
        self._cache_lock = threading.Lock()

    # audiences ----------------------------------------------------------------------
    def _refresh_audiences(self) -> None:
        """Load audiences stored since the cache last looked (rows are immutable)."""
        with self.engine.connect() as conn:
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
            self._refresh_audiences()
            found = self._cache.by_id.get(audience_id)
        return found

    def audience_id(self, recipients: Recipients, tlp: TLP) -> int:
        """The id of the audience (recipients, tlp), created on first use."""
        key = audience_key(recipients, tlp)
        known = self._cache.by_key.get(key)
        if known is not None:
            return known
        with self.engine.connect() as conn:
            conn.info["immediate"] = True
            try:
                with conn.begin():
                    found = conn.execute(
                        select(s.audiences.c.id).where(s.audiences.c.key == key)
                    ).scalar()
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
            finally:
                conn.info["immediate"] = False
        self._refresh_audiences()
        return int(found)

    # reads --------------------------------------------------------------------------
    def _visibility(self, rf: ReadFilter) -> ColumnElement[bool]:
        clauses: list[ColumnElement[bool]] = []
        if rf.author_org_id is not None:
            clauses.append(o.c.author_org_id == rf.author_org_id)
        if rf.audience_ids:
            clauses.append(o.c.audience_id.in_(sorted(rf.audience_ids)))
        return or_(*clauses) if clauses else false()

    def _body_column(self, rf: ReadFilter) -> ColumnElement[str]:
        if rf.reveal_anonymous:
            reveal: ColumnElement[bool] = o.c.anonymous
        elif rf.reveal_org_id is not None:
            reveal = and_(o.c.anonymous, o.c.author_org_id == rf.reveal_org_id)
        else:
            return o.c.body
        return case((reveal, o.c.body_original), else_=o.c.body)

    def _conditions(self, rf: ReadFilter, q: ObjectQuery) -> list[ColumnElement[bool]]:
        cond = [self._visibility(rf)]
        if q.ids:
            cond.append(o.c.stix_id.in_(q.ids))
        if q.types:
            cond.append(o.c.type.in_(q.types))
        if q.spec_versions:
            cond.append(o.c.spec_version.in_(q.spec_versions))
        if q.tlps:
            cond.append(o.c.tlp.in_([int(t) for t in q.tlps]))
        if q.author_org_ids:
            cond.append(o.c.author_org_id.in_(q.author_org_ids))
        if q.added_after is not None:
            cond.append(o.c.date_added > q.added_after)
        if q.after_seq is not None:
            cond.append(o.c.seq > q.after_seq)
        version_terms: list[ColumnElement[bool]] = []
        stamps: list[int] = []
        for value in q.versions:
            if value == "all":
                version_terms = []
                stamps = []
                break
            if value == "last":
                version_terms.append(o.c.is_latest == True)  # noqa: E712
            elif value == "first":
                version_terms.append(o.c.is_first == True)  # noqa: E712
            else:
                stamps.append(parse_timestamp(value))
        else:
            if stamps:
                version_terms.append(o.c.version.in_(stamps))
            if version_terms:
                cond.append(or_(*version_terms))
        return cond

    def select(self, rf: ReadFilter, q: ObjectQuery) -> Page:
        """One page of objects visible through ``rf``, ordered by date added."""
        if rf.empty or q.limit <= 0:
            return Page([], False)
        query = (
            select(
                o.c.seq,
                o.c.stix_id,
                o.c.type,
                o.c.version_text,
                o.c.date_added,
                o.c.author_org_id,
                o.c.tlp,
                self._body_column(rf).label("body"),
                o.c.audience_id,
                o.c.anonymous,
            )
            .where(*self._conditions(rf, q))
            .order_by(o.c.seq)
            .limit(q.limit + 1)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        more = len(rows) > q.limit
        return Page([_object_row(r) for r in rows[: q.limit]], more)

    def count(self, rf: ReadFilter, q: ObjectQuery, group_by: str | None = None) -> dict[str, int]:
        """Counts of visible objects, in total or per ``type`` / ``tlp``."""
        if rf.empty:
            return {}
        q = ObjectQuery(**{**q.__dict__, "after_seq": None})
        cond = self._conditions(rf, q)
        with self.engine.connect() as conn:
            if group_by is None:
                total = conn.execute(select(func.count()).select_from(o).where(*cond)).scalar()
                return {"total": int(total or 0)}
            column = {"type": o.c.type, "tlp": o.c.tlp}[group_by]
            rows = conn.execute(select(column, func.count()).where(*cond).group_by(column)).all()
        if group_by == "tlp":
            return {TLP(k).slug: int(v) for k, v in rows}
        return {str(k): int(v) for k, v in rows}

    def owners(self, conn: Connection, ids: Sequence[str]) -> dict[str, int]:
        owners: dict[str, int] = {}
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            for r in conn.execute(
                select(o.c.stix_id, o.c.author_org_id).where(o.c.stix_id.in_(chunk)).distinct()
            ):
                owners[r.stix_id] = r.author_org_id
        return owners

    def owner_of(self, stix_id: str) -> int | None:
        with self.engine.connect() as conn:
            return self.owners(conn, [stix_id]).get(stix_id)

    # writes -------------------------------------------------------------------------
    def write(
        self,
        author_org_id: int,
        items: Sequence[PreparedObject],
        anonymous: bool,
        check_owner: Callable[[str, int | None], None],
        on_written: Callable[[Connection, list[WriteOutcome]], None] | None = None,
    ) -> list[WriteOutcome]:
        """Store ``items`` in one transaction: all of them, or (on any error) none.

        ``on_written`` runs inside the same transaction (the audit log of the write), so the
        objects and their audit entries are committed together or not at all."""
        with self.engine.connect() as conn:
            conn.info["immediate"] = True
            try:
                with conn.begin():
                    self._write_lock(conn)
                    outcomes = self._write(conn, author_org_id, items, anonymous, check_owner)
                    if on_written is not None:
                        on_written(conn, outcomes)
                    return outcomes
            finally:
                conn.info["immediate"] = False

    def _write(
        self,
        conn: Connection,
        author_org_id: int,
        items: Sequence[PreparedObject],
        anonymous: bool,
        check_owner: Callable[[str, int | None], None],
    ) -> list[WriteOutcome]:
        ids = list(dict.fromkeys(item.facts.id for item in items))
        owners = self.owners(conn, ids)
        existing_ids = set(owners)
        existing: dict[tuple[str, int], str] = {}
        latest_body: dict[str, str] = {}
        if existing_ids:
            id_list = sorted(existing_ids)
            for start in range(0, len(id_list), CHUNK):
                for r in conn.execute(
                    select(
                        o.c.stix_id,
                        o.c.version,
                        o.c.is_latest,
                        func.coalesce(o.c.body_original, o.c.body).label("body"),
                    ).where(o.c.stix_id.in_(id_list[start : start + CHUNK]))
                ):
                    existing[(r.stix_id, r.version)] = r.body
                    if r.is_latest:
                        latest_body[r.stix_id] = r.body
        last_added = conn.execute(select(func.max(o.c.date_added))).scalar() or 0
        date_added = max(now_micros(), last_added + 1)
        rows: list[dict[str, object]] = []
        outcomes: list[WriteOutcome] = []
        seen_in_batch: dict[tuple[str, int], str] = {}
        repeated: set[str] = set()
        for item in items:
            f = item.facts
            check_owner(f.id, owners.get(f.id))
            owners.setdefault(f.id, author_org_id)
            original = (item.body_original or item.body).decode()
            if f.version_micros is None:  # SCO: a new version only when the content changes
                if latest_body.get(f.id) == original:
                    outcomes.append(WriteOutcome(f.id, "", 0, False, item.tlp))
                    continue
                version = date_added
                version_text = format_timestamp(date_added)
                latest_body[f.id] = original
            else:
                version, version_text = f.version_micros, f.version or ""
                key = (f.id, version)
                prior = existing.get(key) or seen_in_batch.get(key)
                if prior is not None:
                    if prior != original:
                        raise Conflict(
                            f"{f.id} version {version_text} already exists with other content; "
                            "a new version needs a new 'modified'"
                        )
                    outcomes.append(WriteOutcome(f.id, version_text, 0, False, item.tlp))
                    continue
                seen_in_batch[key] = original
            if f.id in existing_ids:
                repeated.add(f.id)
            rows.append(
                {
                    "stix_id": f.id,
                    "type": f.type,
                    "spec_version": f.spec_version,
                    "version": version,
                    "version_text": version_text,
                    "date_added": date_added,
                    "author_org_id": author_org_id,
                    "audience_id": item.audience_id,
                    "tlp": int(item.tlp),
                    "anonymous": anonymous,
                    "is_latest": True,
                    "is_first": True,
                    "body": item.body.decode(),
                    "body_original": item.body_original.decode() if item.body_original else None,
                }
            )
            outcomes.append(WriteOutcome(f.id, version_text, date_added, True, item.tlp))
            date_added += 1
        per_id = Counter(str(row["stix_id"]) for row in rows)
        repeated |= {k for k, n in per_id.items() if n > 1}
        if rows:
            insert_many(conn, "objects", rows)
        if repeated:
            self._refresh_flags(conn, sorted(repeated))
        return outcomes

    def _refresh_flags(self, conn: Connection, ids: Sequence[str]) -> None:
        other = o.alias("other")
        newest = select(func.max(other.c.version)).where(other.c.stix_id == o.c.stix_id)
        oldest = select(func.min(other.c.version)).where(other.c.stix_id == o.c.stix_id)
        for start in range(0, len(ids), CHUNK):
            conn.execute(
                update(o)
                .where(o.c.stix_id.in_(ids[start : start + CHUNK]))
                .values(
                    is_latest=o.c.version == newest.scalar_subquery(),
                    is_first=o.c.version == oldest.scalar_subquery(),
                )
            )

    def delete(self, rf: ReadFilter, stix_id: str, q: ObjectQuery) -> list[ObjectRow]:
        """Delete the visible versions of ``stix_id`` selected by ``q``; returns them."""
        q = ObjectQuery(
            ids=(stix_id,), versions=q.versions, spec_versions=q.spec_versions, limit=1_000_000
        )
        with self.engine.connect() as conn:
            conn.info["immediate"] = True
            try:
                with conn.begin():
                    self._write_lock(conn)
                    rows = conn.execute(
                        select(
                            o.c.seq,
                            o.c.stix_id,
                            o.c.type,
                            o.c.version_text,
                            o.c.date_added,
                            o.c.author_org_id,
                            o.c.tlp,
                            o.c.body,
                            o.c.audience_id,
                            o.c.anonymous,
                        ).where(*self._conditions(rf, q))
                    ).all()
                    if rows:
                        conn.execute(delete(o).where(o.c.seq.in_([r.seq for r in rows])))
                        self._refresh_flags(conn, [stix_id])
            finally:
                conn.info["immediate"] = False
        return [_object_row(r) for r in rows]
