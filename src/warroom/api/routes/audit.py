"""REST: the audit log, scoped by policy.audit_scope (instance admins: everything; organisation
admins: entries where their organisation read or authored)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from warroom import policy
from warroom.api.deps import PrincipalDep, StoreDep
from warroom.api.routes.schemas import AuditOut
from warroom.model.stix import format_timestamp

router = APIRouter(tags=["audit"])


@router.get("/audit", operation_id="list_audit")
def list_audit(
    principal: PrincipalDep,
    store: StoreDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    before: Annotated[
        int | None, Query(ge=1, le=2**62, description="Entries older than this id.")
    ] = None,
    stix_id: Annotated[str | None, Query(max_length=300)] = None,
) -> list[AuditOut]:
    """Who read or wrote what, newest first."""
    scope = policy.audit_scope(principal)
    return [
        AuditOut(
            id=entry_id,
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
        for entry_id, e in store.records.list_audit(
            scope, limit=limit, before_id=before, stix_id=stix_id
        )
    ]
