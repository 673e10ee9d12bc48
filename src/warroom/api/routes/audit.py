"""REST: the audit log as the caller may see it (services.audit: instance admins see every
entry; an organisation's admins see what their organisation could know anyway)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from warroom.api.deps import AuditDep, PrincipalDep
from warroom.api.pagination import decode_audit_cursor, encode_audit_cursor
from warroom.api.routes.schemas import AuditOut, AuditPageOut
from warroom.model.stix import check_filter_values, format_timestamp

router = APIRouter(tags=["audit"])


@router.get("/audit", operation_id="list_audit")
def list_audit(
    principal: PrincipalDep,
    audit: AuditDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[
        str | None, Query(max_length=60, description="`next_cursor` of the previous page.")
    ] = None,
    stix_id: Annotated[str | None, Query(max_length=300)] = None,
) -> AuditPageOut:
    """Who read or wrote what, newest first."""
    if stix_id is not None:
        check_filter_values(ids=(stix_id,))
    page = audit.page(
        principal,
        limit=limit,
        position=decode_audit_cursor(cursor) if cursor else None,
        stix_id=stix_id,
    )
    return AuditPageOut(
        entries=[
            AuditOut(
                ts=format_timestamp(e.ts),
                user_id=e.user_id,
                org_id=e.org_id,
                action=e.action,
                transport=e.transport,
                stix_id=e.stix_id,
                version=e.version_text,
                tlp=e.tlp.slug if e.tlp is not None else None,
                author_org_id=e.author_org_id,
                detail=e.detail,
            )
            for e in page.entries
        ],
        next_cursor=encode_audit_cursor(*page.next_position) if page.next_position else None,
    )
