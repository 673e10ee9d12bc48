"""The SQL of object reads, written once per query shape and reused with new parameters.

Why: reads are the hot path of the exchange (every TAXII page, search, count and export), and
building a SQLAlchemy expression per request — a visibility clause for the rows read, one for
each per-reader version test, a few aliases — cost more than running it. A read's SQL depends
only on its *shape* (which filters are present, which versions, how authors are revealed); the
text for a shape is built the first time and cached, and each request only binds values
(expanding lists for the audiences, ids and types). The rules the text encodes are the ones
``policy.ReadFilter`` states; ``ObjectStore`` is the only caller.

Per-reader versions (docs/security.md): "last" keeps a row when no newer row of its id is
visible to the caller (the global ``is_latest`` flag is a shortcut: nothing is newer at all);
"first" likewise; of several visible rows of one version the earliest is kept
(``has_earlier_twin`` is the shortcut: no earlier row of that version exists at all).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import TextClause, bindparam, text

from warroom.policy import ReadFilter

_LISTS = ("aud", "ids", "types", "specs", "tlps", "authors", "stamps")


@dataclass(frozen=True)
class Shape:
    """What a read's SQL depends on (not the values)."""

    own: bool  # the caller's own rows are read (author_org_id = :me)
    audiences: bool  # rows in the caller's audiences (audience_id IN :aud)
    reveal: str  # whose anonymous authorship the caller is shown: all | org | none
    ids: bool = False
    types: bool = False
    specs: bool = False
    tlps: bool = False
    authors: bool = False
    after: bool = False
    last: bool = False
    first: bool = False
    stamps: bool = False
    every_version: bool = False
    one_row_per_version: bool = True
    output: str = "rows"  # rows | count | count_type | count_tlp | seqs


def _visible(alias: str, shape: Shape) -> str:
    parts = []
    if shape.own:
        parts.append(f"{alias}.author_org_id = :me")
    if shape.audiences:
        parts.append(f"{alias}.audience_id IN :aud")
    return "(" + " OR ".join(parts) + ")" if parts else "(1 = 0)"


def _author_revealed(shape: Shape) -> str:
    if shape.reveal == "all":
        return "(1 = 1)"
    if shape.reveal == "org":
        return "(NOT o.anonymous OR o.author_org_id = :reveal)"
    return "(NOT o.anonymous)"


def _body(shape: Shape) -> str:
    if shape.reveal == "all":
        return "CASE WHEN o.anonymous THEN o.body_original ELSE o.body END"
    if shape.reveal == "org":
        return ("CASE WHEN o.anonymous AND o.author_org_id = :reveal THEN o.body_original "
                "ELSE o.body END")
    return "o.body"


@lru_cache(maxsize=512)
def statement(shape: Shape) -> TextClause:
    """The SQL text of one read shape, with its list parameters declared as expanding."""
    where = [_visible("o", shape)]
    if shape.ids:
        where.append("o.stix_id IN :ids")
    if shape.types:
        where.append("o.type IN :types")
    if shape.specs:
        where.append("o.spec_version IN :specs")
    if shape.tlps:
        where.append("o.tlp IN :tlps")
    if shape.authors:
        where.append(f"(o.author_org_id IN :authors AND {_author_revealed(shape)})")
    if shape.after:
        where.append("o.date_added > :after")
    if shape.one_row_per_version:
        where.append(
            "(NOT o.has_earlier_twin OR NOT EXISTS (SELECT 1 FROM objects twin "
            "WHERE twin.stix_id = o.stix_id AND twin.version = o.version "
            f"AND twin.seq < o.seq AND {_visible('twin', shape)}))"
        )
    if not shape.every_version:
        terms = []
        if shape.last:
            terms.append(
                "(o.is_latest OR NOT EXISTS (SELECT 1 FROM objects newer "
                "WHERE newer.stix_id = o.stix_id AND newer.version > o.version "
                f"AND {_visible('newer', shape)}))"
            )
        if shape.first:
            terms.append(
                "(o.is_first OR NOT EXISTS (SELECT 1 FROM objects older "
                "WHERE older.stix_id = o.stix_id AND older.version < o.version "
                f"AND {_visible('older', shape)}))"
            )
        if shape.stamps:
            terms.append("o.version IN :stamps")
        if terms:
            where.append("(" + " OR ".join(terms) + ")")
    condition = " AND ".join(where)
    if shape.output == "rows":
        sql = (
            "SELECT o.seq, o.stix_id, o.type, o.version_text, o.date_added, o.author_org_id, "
            f"o.tlp, {_body(shape)} AS body, o.audience_id, o.anonymous FROM objects o "
            f"WHERE {condition} ORDER BY o.seq LIMIT :limit"  # seq grows with date_added
        )
    elif shape.output == "seqs":
        sql = f"SELECT o.seq FROM objects o WHERE {condition}"
    elif shape.output == "count":
        sql = f"SELECT count(*) FROM objects o WHERE {condition}"
    else:
        column = "o.type" if shape.output == "count_type" else "o.tlp"
        sql = f"SELECT {column}, count(*) FROM objects o WHERE {condition} GROUP BY {column}"
    names = [name for name in _LISTS if f":{name}" in sql]
    return text(sql).bindparams(*(bindparam(name, expanding=True) for name in names))


def shape_and_params(
    rf: ReadFilter,
    *,
    ids: tuple[str, ...],
    types: tuple[str, ...],
    spec_versions: tuple[str, ...],
    tlps: tuple[int, ...],
    author_org_ids: tuple[int, ...],
    after: int | None,
    versions: tuple[str, ...],
    stamps: tuple[int, ...],
    one_row_per_version: bool,
    output: str,
) -> tuple[Shape, dict[str, Any]]:
    """The shape of a read and the values to bind."""
    reveal = "all" if rf.reveal_anonymous else ("org" if rf.reveal_org_id is not None else "none")
    shape = Shape(
        own=rf.author_org_id is not None,
        audiences=bool(rf.audience_ids),
        reveal=reveal,
        ids=bool(ids),
        types=bool(types),
        specs=bool(spec_versions),
        tlps=bool(tlps),
        authors=bool(author_org_ids),
        after=after is not None,
        last="last" in versions,
        first="first" in versions,
        stamps=bool(stamps),
        every_version="all" in versions,
        one_row_per_version=one_row_per_version,
        output=output,
    )
    params: dict[str, Any] = {}
    if shape.own:
        params["me"] = rf.author_org_id
    if shape.audiences:
        params["aud"] = sorted(rf.audience_ids)
    if reveal == "org":
        params["reveal"] = rf.reveal_org_id
    for flag, name, value in (
        (shape.ids, "ids", list(ids)),
        (shape.types, "types", list(types)),
        (shape.specs, "specs", list(spec_versions)),
        (shape.tlps, "tlps", list(tlps)),
        (shape.authors, "authors", list(author_org_ids)),
        (shape.stamps, "stamps", list(stamps)),
    ):
        if flag:
            params[name] = value
    if shape.after:
        params["after"] = after
    return shape, params
