"""Writing a batch of STIX objects: versions, re-shares and observables, in one transaction.

Why: what a write may do depends on what the writer already knows (policy.check_new_version),
and what it answers ("stored", "already stored", a conflict) must depend only on the writer's
own rows — never on a row someone else stored that the writer cannot read (docs/security.md).
So each organisation's versions of an id are its own lineage: the duplicate and conflict checks
look at the writer's rows only, and a row of another organisation only matters when the writer
can read it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, func, select, update

from warroom.errors import Conflict
from warroom.model.sharing import Recipients
from warroom.model.stix import StixFacts, format_timestamp, now_micros
from warroom.model.tlp import TLP
from warroom.storage import schema as s
from warroom.storage.bulk import insert_many

o = s.objects
CHUNK = 500

VersionCheck = Callable[[str, bool, bool, bool], None]
"""``(stix_id, observable, own_versions, others_visible)``: raises when the write is refused
(policy.check_new_version, bound to the writer)."""

Readable = Callable[[int, int], bool]
"""``(author_org_id, audience_id)`` of a stored row: may the writer read it? (From the writer's
policy read filter.)"""


@dataclass(frozen=True)
class PreparedObject:
    """A validated object ready to store, with the audience it is shared with."""

    facts: StixFacts
    tlp: TLP
    recipients: Recipients
    body: bytes
    body_original: bytes | None = None


@dataclass(frozen=True)
class WriteOutcome:
    stix_id: str
    version_text: str
    date_added: int
    stored: bool  # False: the writer had already stored this version for this audience
    tlp: TLP
    audience_id: int = 0


@dataclass
class _Row:
    version: int
    author_org_id: int
    audience_id: int
    body: str
    is_latest: bool


def _existing(conn: Connection, ids: list[str]) -> dict[str, list[_Row]]:
    found: dict[str, list[_Row]] = {}
    for start in range(0, len(ids), CHUNK):
        for r in conn.execute(
            select(
                o.c.stix_id,
                o.c.version,
                o.c.author_org_id,
                o.c.audience_id,
                o.c.is_latest,
                func.coalesce(o.c.body_original, o.c.body).label("body"),
            )
            .where(o.c.stix_id.in_(ids[start : start + CHUNK]))
            .order_by(o.c.seq)
        ):
            found.setdefault(r.stix_id, []).append(
                _Row(r.version, r.author_org_id, r.audience_id, r.body, bool(r.is_latest))
            )
    return found


def write_batch(
    conn: Connection,
    author_org_id: int,
    items: Sequence[PreparedObject],
    anonymous: bool,
    check_version: VersionCheck,
    readable: Readable,
    audience_id: Callable[[Recipients, TLP], int],
) -> list[WriteOutcome]:
    """Store ``items`` inside ``conn``'s (write-locked) transaction."""
    ids = list(dict.fromkeys(item.facts.id for item in items))
    existing = _existing(conn, ids)
    last_added = conn.execute(select(func.max(o.c.date_added))).scalar() or 0
    date_added = max(now_micros(), last_added + 1)
    rows: list[dict[str, object]] = []
    outcomes: list[WriteOutcome] = []
    touched: set[str] = set()
    for item in items:
        f = item.facts
        known = existing.setdefault(f.id, [])
        own = [r for r in known if r.author_org_id == author_org_id]
        others_visible = any(
            readable(r.author_org_id, r.audience_id)
            for r in known
            if r.author_org_id != author_org_id
        )
        observable = f.version_micros is None
        check_version(f.id, observable, bool(own), others_visible)
        audience = audience_id(item.recipients, item.tlp)
        original = (item.body_original or item.body).decode()
        if observable:  # an SCO: a new version only when this audience's latest content changes
            mine = [r for r in own if r.audience_id == audience]
            if mine and max(mine, key=lambda r: r.version).body == original:
                outcomes.append(WriteOutcome(f.id, "", 0, False, item.tlp, audience))
                continue
            version, version_text = date_added, format_timestamp(date_added)
        else:
            version, version_text = f.version_micros or 0, f.version or ""
            same = [r for r in own if r.version == version]
            if any(r.body != original for r in same):
                raise Conflict(
                    f"{f.id} version {version_text} already exists with other content; "
                    "a new version needs a new 'modified'"
                )
            if any(r.audience_id == audience for r in same):
                outcomes.append(WriteOutcome(f.id, version_text, 0, False, item.tlp, audience))
                continue
        twin = any(r.version == version for r in known)
        if known:
            touched.add(f.id)
        known.append(_Row(version, author_org_id, audience, original, True))
        rows.append(
            {
                "stix_id": f.id,
                "type": f.type,
                "spec_version": f.spec_version,
                "version": version,
                "version_text": version_text,
                "date_added": date_added,
                "author_org_id": author_org_id,
                "audience_id": audience,
                "tlp": int(item.tlp),
                "anonymous": anonymous,
                "is_latest": True,
                "is_first": True,
                "has_earlier_twin": twin,
                "body": item.body.decode(),
                "body_original": item.body_original.decode() if item.body_original else None,
            }
        )
        outcomes.append(
            WriteOutcome(f.id, version_text, date_added, True, item.tlp, audience)
        )
        date_added += 1
    if rows:
        insert_many(conn, "objects", rows)
    if touched:
        refresh_flags(conn, sorted(touched))
    return outcomes


def refresh_flags(conn: Connection, ids: Sequence[str]) -> None:
    """Recompute the global first/latest shortcuts of ``ids`` (over every row of each id)."""
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
