"""REST: search, counts and facets, one object, its versions, sharing, and feedback. Every read
is ExchangeService.page/count, i.e. the caller's policy read filter; invisible objects are 404."""

from __future__ import annotations

from typing import Annotated, Literal

import orjson
from fastapi import APIRouter, Query, status
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from warroom import policy
from warroom.api.deps import ExchangeDep, PrincipalDep
from warroom.api.pagination import decode_cursor, encode_cursor
from warroom.api.routes.schemas import (
    CountsOut,
    FeedbackOut,
    ObjectDetail,
    ObjectOut,
    ObjectPage,
    OpinionIn,
    ShareIn,
    ShareOut,
    SightingIn,
    VersionsOut,
)
from warroom.errors import InvalidInput, NotFound
from warroom.model.orgs import Principal
from warroom.model.sharing import Recipients
from warroom.model.stix import IDENTIFIER_RE, check_filter_values, parse_timestamp
from warroom.model.tlp import TLP
from warroom.services.exchange import ExchangeService, ShareResult
from warroom.storage.objects import ObjectQuery, ObjectRow

router = APIRouter(tags=["objects"])


def _list(values: list[str] | None) -> tuple[str, ...]:
    return tuple(v.strip() for value in values or [] for v in value.split(",") if v.strip())


def _object_id(value: str) -> str:
    if not IDENTIFIER_RE.match(value):
        raise NotFound("object not found")
    return value


def _query(
    type_: list[str] | None,
    tlp: list[str] | None,
    author_org: int | None,
    added_after: str | None,
    ids: list[str] | None,
    version: str,
    limit: int,
    cursor: str | None,
) -> ObjectQuery:
    try:
        tlps = tuple(TLP.parse(t) for t in _list(tlp))
        after = parse_timestamp(added_after) if added_after else None
    except (ValueError, OverflowError) as exc:
        raise InvalidInput(str(exc)) from None
    check_filter_values(ids=_list(ids), types=_list(type_))
    return ObjectQuery(
        ids=_list(ids),
        types=_list(type_),
        tlps=tlps,
        author_org_ids=(author_org,) if author_org is not None else (),
        added_after=after,
        versions=(version,),
        limit=limit,
        after=decode_cursor(cursor) if cursor else None,
    )


def _out(principal: Principal, row: ObjectRow) -> ObjectOut:
    shown = not row.anonymous or policy.reveal_author(principal, row.author_org_id)
    return ObjectOut(
        id=row.stix_id,
        type=row.type,
        version=row.version_text,
        date_added=row.date_added_text,
        tlp=row.tlp.slug,
        author_org_id=row.author_org_id if shown else None,
        object=orjson.loads(row.body),
    )


TypeQ = Annotated[
    list[str] | None, Query(alias="type", description="STIX types (repeat or comma-separate).")
]
TlpQ = Annotated[list[str] | None, Query(description="TLP labels, e.g. amber, red.")]
AuthorQ = Annotated[int | None, Query(ge=1, le=2**31, description="Author organisation id.")]
AfterQ = Annotated[str | None, Query(description="Only objects added after this timestamp.")]
IdQ = Annotated[
    list[str] | None, Query(alias="id", description="STIX ids (repeat or comma-separate).")
]
VersionQ = Annotated[Literal["last", "first", "all"], Query(description="Which versions.")]


@router.get("/objects", operation_id="search_objects", response_model=ObjectPage)
async def search_objects(
    principal: PrincipalDep,
    exchange: ExchangeDep,
    type_: TypeQ = None,
    tlp: TlpQ = None,
    author_org: AuthorQ = None,
    added_after: AfterQ = None,
    ids: IdQ = None,
    version: VersionQ = "last",
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
    cursor: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    """Search what you may read, newest additions last; follow ``next_cursor`` for more."""
    query = _query(
        type_,
        tlp,
        author_org,
        added_after,
        ids,
        version,
        min(limit, exchange.settings.max_page_size),
        cursor,
    )
    page = exchange.page(principal, query, transport="rest")
    cursor_out = encode_cursor(page.next_after) if page.next_after is not None else None
    return Response(_page_json(principal, page.rows, cursor_out), media_type="application/json")


def _page_json(principal: Principal, rows: list[ObjectRow], cursor: str | None) -> bytes:
    """An ``ObjectPage`` as JSON, each object's stored canonical JSON spliced in as it is (a
    page of 100 objects is not parsed and re-serialised)."""
    parts = []
    for row in rows:
        shown = not row.anonymous or policy.reveal_author(principal, row.author_org_id)
        head = orjson.dumps({
            "id": row.stix_id,
            "type": row.type,
            "version": row.version_text,
            "date_added": row.date_added_text,
            "tlp": row.tlp.slug,
            "author_org_id": row.author_org_id if shown else None,
        })
        parts.append(head[:-1] + b',"object":' + row.body.encode() + b"}")
    return (b'{"objects":[' + b",".join(parts) + b'],"next_cursor":'
            + orjson.dumps(cursor) + b"}")


@router.get("/objects/counts", operation_id="count_objects")
async def count_objects(
    principal: PrincipalDep,
    exchange: ExchangeDep,
    type_: TypeQ = None,
    tlp: TlpQ = None,
    author_org: AuthorQ = None,
    added_after: AfterQ = None,
    ids: IdQ = None,
    version: VersionQ = "last",
    group_by: Annotated[Literal["type", "tlp"] | None, Query(description="Facet field.")] = None,
) -> CountsOut:
    """How many objects you may read match, in total and per type or TLP (facets)."""
    query = _query(type_, tlp, author_org, added_after, ids, version, 1, None)
    total = exchange.count(principal, query)["total"]
    counts = exchange.count(principal, query, group_by) if group_by else {}
    return CountsOut(total=total, counts=counts)


def _visible_versions(
    exchange: ExchangeService, principal: Principal, stix_id: str, version: str
) -> list[ObjectRow]:
    page = exchange.page(
        principal,
        ObjectQuery(ids=(stix_id,), versions=(version,), limit=10_000),
        transport="rest",
        audit=version != "all",
    )
    if not page.rows:
        raise NotFound("object not found")
    return page.rows


@router.get("/objects/{stix_id}", operation_id="get_object")
async def get_object(
    stix_id: str, principal: PrincipalDep, exchange: ExchangeDep
) -> ObjectDetail:
    """The latest version of an object you may read, with its feedback counts."""
    row = _visible_versions(exchange, principal, _object_id(stix_id), "last")[-1]
    feedback = exchange.feedback_summary(principal, stix_id).counts
    return ObjectDetail(**_out(principal, row).model_dump(), feedback=feedback)


@router.get("/objects/{stix_id}/versions", operation_id="object_versions")
async def object_versions(
    stix_id: str, principal: PrincipalDep, exchange: ExchangeDep
) -> VersionsOut:
    rows = _visible_versions(exchange, principal, _object_id(stix_id), "all")
    return VersionsOut(id=stix_id, versions=[r.version_text for r in rows])


@router.post("/objects", operation_id="share_objects", status_code=status.HTTP_201_CREATED)
async def share_objects(body: ShareIn, principal: PrincipalDep, exchange: ExchangeDep) -> ShareOut:
    """Share STIX objects with recipients; all of them are stored, or none."""
    try:
        tlp = TLP.parse(body.tlp) if body.tlp else None
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    recipients = Recipients(
        community=body.recipients.community,
        org_ids=frozenset(body.recipients.orgs),
        group_ids=frozenset(body.recipients.groups),
    )

    def share() -> ShareResult:
        return exchange.share(
            principal, body.objects, recipients, tlp=tlp, anonymous=body.anonymous, transport="rest"
        )

    result = await run_in_threadpool(share)
    stored = sum(1 for o in result.outcomes if o.stored)
    return ShareOut(
        status_id=result.status.id,
        total=result.status.total_count,
        stored=stored,
        already_stored=result.status.success_count - stored,
    )


@router.get("/objects/{stix_id}/feedback", operation_id="object_feedback", tags=["feedback"])
async def object_feedback(
    stix_id: str, principal: PrincipalDep, exchange: ExchangeDep
) -> FeedbackOut:
    """Sightings and opinions on an object, counted over what you may read."""
    summary = exchange.feedback_summary(principal, _object_id(stix_id))
    return FeedbackOut(id=stix_id, counts=summary.counts)


@router.post(
    "/objects/{stix_id}/sightings",
    operation_id="add_sighting",
    tags=["feedback"],
    status_code=status.HTTP_201_CREATED,
)
def add_sighting(
    stix_id: str, body: SightingIn, principal: PrincipalDep, exchange: ExchangeDep
) -> FeedbackOut:
    """Report that you saw it too."""
    exchange.feedback(principal, _object_id(stix_id), "sighting", note=body.note, count=body.count)
    return FeedbackOut(id=stix_id, counts=exchange.feedback_summary(principal, stix_id).counts)


@router.post(
    "/objects/{stix_id}/opinions",
    operation_id="add_opinion",
    tags=["feedback"],
    status_code=status.HTTP_201_CREATED,
)
def add_opinion(
    stix_id: str, body: OpinionIn, principal: PrincipalDep, exchange: ExchangeDep
) -> FeedbackOut:
    """Agree, disagree or flag a false positive."""
    exchange.feedback(principal, _object_id(stix_id), "opinion", body.opinion, note=body.note)
    return FeedbackOut(id=stix_id, counts=exchange.feedback_summary(principal, stix_id).counts)
