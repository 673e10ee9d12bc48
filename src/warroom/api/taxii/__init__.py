"""TAXII 2.1 server (OASIS TAXII 2.1 OS, 10 June 2021), mounted at /taxii2/: one module per
resource, all of them reading through ``warroom.policy``."""

from fastapi import APIRouter

from warroom.api.taxii import collections, discovery, objects, status

MODULES = (discovery, collections, objects, status)
router = APIRouter()
for module in MODULES:
    router.include_router(module.router)
