"""TAXII 2.1 §4.3 Get Status: only the organisation that made the request may read it."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from warroom.api.deps import ExchangeDep, PrincipalDep
from warroom.api.taxii.common import AcceptDep, ApiRootDep, taxii_response
from warroom.api.taxii.objects import status_body

router = APIRouter(tags=["taxii"])


@router.get(
    "/taxii2/{api_root}/status/{status_id}/",
    operation_id="taxii_status",
    summary="Status of a request",
)
async def get_status(
    api_root: str,
    status_id: str,
    principal: PrincipalDep,
    _root: ApiRootDep,
    _: AcceptDep,
    exchange: ExchangeDep,
) -> Response:
    return taxii_response(status_body(exchange.status(principal, status_id)))
