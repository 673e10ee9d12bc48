"""The exchange's own records: TAXII status resources, feedback and the audit log.

Why: these are data too (sharing-platforms.md §7, "derived data leaks"): each read here takes the
scope the policy module computed for the caller and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, and_, func, insert, or_, select, tuple_

from warroom.model.stix import now_micros
from warroom.model.tlp import TLP
from warroom.policy import ReadFilter
from warroom.storage import schema as s
from warroom.storage.bulk import insert_many
from warroom.storage.engine import read_engine


@dataclass(frozen=True)
class Status:
    id: str
    org_id: int
    request_timestamp: int
    status: str
    total_count: int
    success_count: int
    failure_count: int
    pending_count: int
    detail: dict[str, Any]


@dataclass(frozen=True)
class AuditEntry:
    ts: int
    user_id: int | None
    org_id: int | None
    action: str
    transport: str
    stix_id: str | None = None
    version_text: str | None = None
    tlp: TLP | None = None
    author_org_id: int | None = None
    detail: str = ""
    audience_id: int | None = None  # the audience of the row read or written
    anonymous: bool = False  # the row is an anonymous submission
    scope_org_id: int | None = None  # admin entries: the organisation whose admins may read it


@dataclass(frozen=True)
class FeedbackSummary:
    target_id: str
    counts: dict[str, int]  # e.g. {"sighting": 3, "agree": 2, "false-positive": 1}


class Records:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.reads = read_engine(engine)  # autocommit reads on PostgreSQL

    # statuses -----------------------------------------------------------------------
    def save_status(self, status: Status, conn: Connection | None = None) -> None:
        """Store a status resource; inside ``conn``'s transaction when given."""
        row = {
            "id": status.id,
            "org_id": status.org_id,
            "request_timestamp": status.request_timestamp,
            "status": status.status,
            "total_count": status.total_count,
            "success_count": status.success_count,
            "failure_count": status.failure_count,
            "pending_count": status.pending_count,
            "detail": orjson.dumps(status.detail).decode(),
        }
        if conn is not None:
            insert_many(conn, "statuses", [row])
            return
        with self.engine.begin() as own:
            insert_many(own, "statuses", [row])

    def get_status(self, status_id: str, org_id: int) -> Status | None:
        """A status resource; only the organisation that made the request may read it."""
        with self.reads.connect() as conn:
            r = conn.execute(
                select(s.statuses).where(
                    and_(s.statuses.c.id == status_id, s.statuses.c.org_id == org_id)
                )
            ).first()
        if r is None:
            return None
        return Status(
            r.id,
            r.org_id,
            r.request_timestamp,
            r.status,
            r.total_count,
            r.success_count,
            r.failure_count,
            r.pending_count,
            orjson.loads(r.detail),
        )

    # audit --------------------------------------------------------------------------
    def audit(self, entries: list[AuditEntry], conn: Connection | None = None) -> None:
        """Append ``entries``; inside ``conn``'s transaction when given."""
        if not entries:
            return
        rows = [
            {
                "ts": e.ts,
                "user_id": e.user_id,
                "org_id": e.org_id,
                "action": e.action,
                "transport": e.transport,
                "stix_id": e.stix_id,
                "version_text": e.version_text,
                "tlp": int(e.tlp) if e.tlp is not None else None,
                "author_org_id": e.author_org_id,
                "detail": e.detail,
                "audience_id": e.audience_id,
                "anonymous": e.anonymous,
                "scope_org_id": e.scope_org_id,
            }
            for e in entries
        ]
        if conn is not None:
            insert_many(conn, "audit_log", rows)
            return
        with self.engine.begin() as own:
            insert_many(own, "audit_log", rows)

    def iter_audit(
        self,
        org_scope: int | None,
        *,
        at_or_before: int | None = None,
        stix_id: str | None = None,
        batch: int = 500,
    ) -> Iterator[AuditEntry]:
        """Entries newest first (by time), from ``at_or_before`` (µs) back. ``org_scope`` None
        means every entry; otherwise only the candidates ``policy.audit_view`` decides on for
        that organisation's admins: its own actions, reads of what it authored, and
        administration scoped to it."""
        a = s.audit_log
        base = select(a).order_by(a.c.ts.desc(), a.c.id.desc()).limit(batch)
        if org_scope is not None:
            base = base.where(
                or_(
                    and_(a.c.action == "admin", a.c.scope_org_id == org_scope),
                    and_(
                        a.c.action != "admin",
                        or_(a.c.org_id == org_scope, a.c.author_org_id == org_scope),
                    ),
                )
            )
        if at_or_before is not None:
            base = base.where(a.c.ts <= at_or_before)
        if stix_id is not None:
            base = base.where(a.c.stix_id == stix_id)
        position: tuple[int, int] | None = None
        while True:
            query = base
            if position is not None:
                query = query.where(tuple_(a.c.ts, a.c.id) < tuple_(*position))
            with self.reads.connect() as conn:
                rows = conn.execute(query).all()
            for r in rows:
                yield AuditEntry(
                    r.ts,
                    r.user_id,
                    r.org_id,
                    r.action,
                    r.transport,
                    r.stix_id,
                    r.version_text,
                    TLP(r.tlp) if r.tlp is not None else None,
                    r.author_org_id,
                    r.detail,
                    r.audience_id,
                    bool(r.anonymous),
                    r.scope_org_id,
                )
            if len(rows) < batch:
                return
            position = (rows[-1].ts, rows[-1].id)

    # feedback -----------------------------------------------------------------------
    def add_feedback(
        self, target_id: str, object_seq: int, org_id: int, user_id: int, kind: str, value: str
    ) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                insert(s.feedback).values(
                    target_id=target_id,
                    object_seq=object_seq,
                    org_id=org_id,
                    user_id=user_id,
                    kind=kind,
                    value=value,
                    created_at=now_micros(),
                )
            )

    def feedback_summary(self, rf: ReadFilter, target_id: str) -> FeedbackSummary:
        """Counts of the feedback on ``target_id`` whose own STIX objects ``rf`` may read."""
        f, o = s.feedback, s.objects
        if rf.empty:
            return FeedbackSummary(target_id, {})
        visible = []
        if rf.author_org_id is not None:
            visible.append(o.c.author_org_id == rf.author_org_id)
        if rf.audience_ids:
            visible.append(o.c.audience_id.in_(sorted(rf.audience_ids)))
        query = (
            select(f.c.kind, f.c.value, func.count())
            .join(o, o.c.seq == f.c.object_seq)
            .where(f.c.target_id == target_id, or_(*visible))
            .group_by(f.c.kind, f.c.value)
        )
        counts: dict[str, int] = {}
        with self.reads.connect() as conn:
            for kind, value, n in conn.execute(query):
                name = "sighting" if kind == "sighting" else value
                counts[name] = counts.get(name, 0) + int(n)
        return FeedbackSummary(target_id, counts)
