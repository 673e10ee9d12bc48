"""TAXII 2.1 §5.3 Get Object Manifests, §5.4 Get Objects, §5.5 Add Objects, §5.6 Get An
Object, §5.7 Delete An Object and §5.8 Get Object Versions.

Every read is the caller's :class:`~warroom.policy.ReadFilter` within the collection; an object
the caller may not read is answered exactly like one that does not exist (404)."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from warroom import policy
from warroom.api.deps import ExchangeDep, PrincipalDep
from warroom.api.media import STIX_MEDIA_TYPE, check_content_type
from warroom.api.taxii.common import (
    AcceptDep,
    CollectionDep,
    FiltersDep,
    date_headers,
    encode_next,
    envelope_bytes,
    taxii_response,
)
from warroom.errors import Forbidden, InvalidInput, NotFound
from warroom.model.stix import check_identifier, parse_json
from warroom.services.exchange import ShareResult

router = APIRouter(tags=["taxii"])
COLLECTION = "/taxii2/{api_root}/collections/{collection_id}"


def status_body(result_status: Any) -> dict[str, Any]:
    from warroom.model.stix import format_timestamp

    detail = result_status.detail
    return {
        "id": result_status.id,
        "status": result_status.status,
        "request_timestamp": format_timestamp(result_status.request_timestamp),
        "total_count": result_status.total_count,
        "success_count": result_status.success_count,
        "successes": detail.get("successes", []),
        "failure_count": result_status.failure_count,
        "failures": detail.get("failures", []),
        "pending_count": result_status.pending_count,
        "pendings": detail.get("pendings", []),
    }


def _object_id(object_id: str) -> str:
    try:
        return check_identifier(object_id, "path", "object id")
    except Exception:  # noqa: BLE001 - any malformed id is simply not found
        raise NotFound("object not found") from None


@router.get(f"{COLLECTION}/manifest/", operation_id="taxii_manifest", summary="Object manifests")
async def manifest(
    api_root: str,
    collection_id: str,
    principal: PrincipalDep,
    _: AcceptDep,
    exchange: ExchangeDep,
    ref: CollectionDep,
    filters: FiltersDep,
) -> Response:
    page = exchange.page(principal, filters.query(), collection=ref, transport="taxii", audit=False)
    body: dict[str, Any] = {"more": page.more}
    if page.next_after is not None:
        body["next"] = encode_next(page.next_after)
    if page.rows:
        body["objects"] = [
            {
                "id": r.stix_id,
                "date_added": r.date_added_text,
                "version": r.version_text,
                "media_type": STIX_MEDIA_TYPE,
            }
            for r in page.rows
        ]
    return taxii_response(body, headers=date_headers(page.rows))


@router.get(f"{COLLECTION}/objects/", operation_id="taxii_get_objects", summary="Get objects")
async def get_objects(
    api_root: str,
    collection_id: str,
    principal: PrincipalDep,
    _: AcceptDep,
    exchange: ExchangeDep,
    ref: CollectionDep,
    filters: FiltersDep,
) -> Response:
    page = exchange.page(principal, filters.query(), collection=ref, transport="taxii")
    return taxii_response(
        envelope_bytes(page.rows, page.more, page.next_after), headers=date_headers(page.rows)
    )


@router.post(
    f"{COLLECTION}/objects/",
    operation_id="taxii_add_objects",
    summary="Add objects",
    status_code=202,
)
async def add_objects(
    request: Request,
    api_root: str,
    collection_id: str,
    principal: PrincipalDep,
    _: AcceptDep,
    exchange: ExchangeDep,
    ref: CollectionDep,
) -> Response:
    check_content_type(request.headers.get("content-type"))
    if not policy.collection_can_write(principal, ref):
        raise Forbidden("you may not write to this collection")
    envelope = parse_json(await request.body())
    if not isinstance(envelope, dict) or not isinstance(envelope.get("objects"), list):
        raise InvalidInput('the body must be a TAXII envelope: {"objects": [...]}')
    recipients = policy.collection_recipients(principal, ref)

    def share() -> ShareResult:
        return exchange.share(principal, envelope["objects"], recipients, transport="taxii")

    result = await run_in_threadpool(share)
    return taxii_response(status_body(result.status), status=202)


@router.get(
    f"{COLLECTION}/objects/{{object_id}}/", operation_id="taxii_get_object", summary="Get an object"
)
async def get_object(
    api_root: str,
    collection_id: str,
    object_id: str,
    principal: PrincipalDep,
    _: AcceptDep,
    exchange: ExchangeDep,
    ref: CollectionDep,
    filters: FiltersDep,
) -> Response:
    if filters.ids or filters.types:
        raise InvalidInput("match[id] and match[type] are not filters of this endpoint")
    object_id = _object_id(object_id)
    page = exchange.page(
        principal, filters.query(object_id=object_id), collection=ref, transport="taxii"
    )
    if not page.rows and filters.after is None:
        raise NotFound("object not found")
    return taxii_response(
        envelope_bytes(page.rows, page.more, page.next_after), headers=date_headers(page.rows)
    )


@router.delete(
    f"{COLLECTION}/objects/{{object_id}}/",
    operation_id="taxii_delete_object",
    summary="Delete an object",
)
def delete_object(
    api_root: str,
    collection_id: str,
    object_id: str,
    principal: PrincipalDep,
    _: AcceptDep,
    exchange: ExchangeDep,
    ref: CollectionDep,
    filters: FiltersDep,
) -> Response:
    if not policy.collection_can_write(principal, ref):
        # can_write false (the read-only "all" collection, a reader): deleting is writing
        raise Forbidden("you may not write to this collection")
    object_id = _object_id(object_id)
    # Deleting without match[version] removes every version (the whole object).
    versions = filters.versions if "match[version]" in filters.given else ("all",)
    query = filters.query(object_id=object_id, versions=versions)
    deleted = exchange.delete(principal, object_id, query, collection=ref, transport="taxii")
    if not deleted:
        raise NotFound("no version of the object matched")
    return Response(status_code=200, media_type="application/taxii+json;version=2.1")


@router.get(
    f"{COLLECTION}/objects/{{object_id}}/versions/",
    operation_id="taxii_object_versions",
    summary="Versions of an object",
)
async def object_versions(
    api_root: str,
    collection_id: str,
    object_id: str,
    principal: PrincipalDep,
    _: AcceptDep,
    exchange: ExchangeDep,
    ref: CollectionDep,
    filters: FiltersDep,
) -> Response:
    if filters.ids or filters.types or "match[version]" in filters.given:
        raise InvalidInput("only added_after, limit, next and match[spec_version] filter versions")
    object_id = _object_id(object_id)
    query = filters.query(object_id=object_id, versions=("all",))
    page = exchange.page(principal, query, collection=ref, transport="taxii", audit=False)
    if not page.rows and filters.after is None:
        raise NotFound("object not found")
    body: dict[str, Any] = {"more": page.more}
    if page.next_after is not None:
        body["next"] = encode_next(page.next_after)
    if page.rows:
        body["versions"] = [r.version_text for r in page.rows]
    return taxii_response(orjson.dumps(body), headers=date_headers(page.rows))
