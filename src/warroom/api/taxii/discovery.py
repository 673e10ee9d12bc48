"""TAXII 2.1 §4.1 Server Discovery and §4.2 Get API Root Information."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from warroom.api.deps import PrincipalDep, SettingsDep
from warroom.api.media import TAXII_MEDIA_TYPE
from warroom.api.taxii.common import API_ROOT, AcceptDep, ApiRootDep, taxii_response

router = APIRouter(tags=["taxii"])


@router.get("/taxii2/", operation_id="taxii_discovery", summary="TAXII server discovery")
async def discovery(
    request: Request, principal: PrincipalDep, _: AcceptDep, settings: SettingsDep
) -> Response:
    root = str(request.url_for("api_root_information", api_root=API_ROOT))
    body = {
        "title": settings.instance_name,
        "description": "warroom election threat exchange (TAXII 2.1)",
        "default": root,
        "api_roots": [root],
    }
    if settings.contact:
        body["contact"] = settings.contact
    return taxii_response(body)


@router.get("/taxii2/{api_root}/", operation_id="taxii_api_root", summary="TAXII API root")
async def api_root_information(
    api_root: str, principal: PrincipalDep, _root: ApiRootDep, _: AcceptDep, settings: SettingsDep
) -> Response:
    return taxii_response(
        {
            "title": f"{settings.instance_name} exchange",
            "description": "Collections: everything you may read, the community, your "
            "organisation, and one per sharing group you belong to.",
            "versions": [TAXII_MEDIA_TYPE],
            "max_content_length": settings.max_content_length,
        }
    )
