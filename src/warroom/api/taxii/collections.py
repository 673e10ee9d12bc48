"""TAXII 2.1 §5.1 Get Collections and §5.2 Get A Collection. Each caller sees its own
collections (policy.visible_collections); others' group collections answer 404."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.responses import Response

from warroom import policy
from warroom.api.deps import ExchangeDep, PrincipalDep
from warroom.api.media import STIX_MEDIA_TYPE
from warroom.api.taxii.common import AcceptDep, ApiRootDep, CollectionDep, taxii_response
from warroom.model.collections import CollectionKind, CollectionRef
from warroom.model.orgs import Principal
from warroom.services.exchange import ExchangeService

router = APIRouter(tags=["taxii"])


def describe(exchange: ExchangeService, principal: Principal, ref: CollectionRef) -> dict[str, Any]:
    directory = exchange.store.directory
    if ref.kind is CollectionKind.ALL:
        title, alias = "Everything shared with you", "all"
        description = "Every object your organisation may read, from every audience (read-only)."
    elif ref.kind is CollectionKind.COMMUNITY:
        title, alias = "Community", "community"
        description = "Shared with every member organisation (TLP:CLEAR and TLP:GREEN)."
    elif ref.kind is CollectionKind.ORG:
        org = directory.get_org(ref.ref)
        title, alias = f"{org.name} (my organisation)", "my-org"
        description = "Your organisation's own objects and those addressed to it by name. "
        description += "Objects written here stay private to your organisation."
    else:
        group = directory.get_group(ref.ref)
        title, alias = f"Group: {group.name}", f"group-{group.id}"
        description = group.description or f"Shared with the members of {group.name}."
    return {
        "id": ref.id,
        "title": title,
        "description": description,
        "alias": alias,
        "can_read": True,
        "can_write": policy.collection_can_write(principal, ref),
        "media_types": [STIX_MEDIA_TYPE],
    }


@router.get(
    "/taxii2/{api_root}/collections/", operation_id="taxii_collections", summary="TAXII collections"
)
async def collections(
    api_root: str, principal: PrincipalDep, _root: ApiRootDep, _: AcceptDep, exchange: ExchangeDep
) -> Response:
    refs = policy.visible_collections(
        principal, exchange.store.directory.groups(principal.group_ids)
    )
    return taxii_response({"collections": [describe(exchange, principal, r) for r in refs]})


@router.get(
    "/taxii2/{api_root}/collections/{collection_id}/",
    operation_id="taxii_collection",
    summary="One TAXII collection",
)
async def collection(
    api_root: str,
    collection_id: str,
    principal: PrincipalDep,
    _: AcceptDep,
    exchange: ExchangeDep,
    ref: CollectionDep,
) -> Response:
    return taxii_response(describe(exchange, principal, ref))
