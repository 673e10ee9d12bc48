"""Request dependencies: settings, store, services and the authenticated principal.

Why: routers stay thin (DESIGN.md principle 9); authentication happens here once, with HTTP
Basic (user name + API key as password, the TAXII interop baseline) or a bearer API key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Annotated

from fastapi import Depends, Request

from warroom.errors import Unauthorized
from warroom.model.orgs import Principal
from warroom.services.audit import AuditService
from warroom.services.directory import DirectoryService
from warroom.services.exchange import ExchangeService
from warroom.settings import Settings
from warroom.storage.state import start_request_epoch
from warroom.storage.store import Store


# The three getters below do no I/O: ``async`` keeps FastAPI from sending each one through the
# thread pool on every request.
async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


async def get_exchange(request: Request) -> ExchangeService:
    exchange: ExchangeService = request.app.state.exchange
    return exchange


async def get_directory(request: Request) -> DirectoryService:
    directory: DirectoryService = request.app.state.directory
    return directory


async def get_audit(request: Request) -> AuditService:
    audit: AuditService = request.app.state.audit
    return audit


def authenticate(store: Store, authorization: str | None) -> Principal:
    """The principal for an Authorization header, or Unauthorized."""
    if not authorization:
        raise Unauthorized("send an API key: Authorization: Bearer <key>, or HTTP Basic")
    scheme, _, value = authorization.strip().partition(" ")
    scheme = scheme.lower()
    username: str | None = None
    if scheme in ("bearer", "token"):  # taxii2-client's TokenAuth sends "Token <key>"
        secret = value.strip()
    elif scheme == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise Unauthorized("malformed Basic credentials") from None
        username, _, secret = decoded.partition(":")
    else:
        raise Unauthorized("unsupported authorization scheme; use Basic, Bearer or Token")
    principal = store.directory.principal_for_key(secret)
    if principal is None or (username and username != principal.username):
        raise Unauthorized("invalid credentials")
    return principal


async def current_principal(request: Request) -> Principal:
    """The caller, authenticated; an address with too many recent failures, or a key over its
    request rate, is refused (429 with Retry-After)."""
    store: Store = request.app.state.store
    limiter = request.app.state.auth_limiter
    client = request.client.host if request.client else "unknown"
    limiter.check(client)
    # the directory's change counter, read once: every cached answer of this request (the
    # key's principal, groups, audiences) is checked against it
    start_request_epoch(store.directory.epoch())
    try:
        principal = authenticate(store, request.headers.get("authorization"))
    except Unauthorized:
        limiter.failed(client)
        raise
    # per API key (its digest: the bucket's name must not be the secret)
    authorization = request.headers.get("authorization", "")
    request.app.state.key_limiter.take(hashlib.sha256(authorization.encode()).hexdigest()[:24])
    return principal


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[Store, Depends(get_store)]
ExchangeDep = Annotated[ExchangeService, Depends(get_exchange)]
DirectoryDep = Annotated[DirectoryService, Depends(get_directory)]
AuditDep = Annotated[AuditService, Depends(get_audit)]
PrincipalDep = Annotated[Principal, Depends(current_principal)]
