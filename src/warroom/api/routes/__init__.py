"""REST API routers (OpenAPI documented under /api/docs), mounted at /api/v1."""

from fastapi import APIRouter

from warroom.api.routes import audit, directory, groups, objects, system

MODULES = (system, directory, groups, objects, audit)
router = APIRouter()
for module in MODULES:
    router.include_router(module.router)
