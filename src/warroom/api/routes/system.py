"""REST: liveness (no authentication, no data)."""

from __future__ import annotations

from fastapi import APIRouter

from warroom import __version__
from warroom.api.routes.schemas import Health

router = APIRouter(tags=["system"])


@router.get("/health", operation_id="health")
def health() -> Health:
    return Health(status="ok", version=__version__)
