"""Errors mapped to HTTP bodies in one place: TAXII 2.1 error resources (§3.6.1) under
``/taxii2/``, RFC 9457 problem+json elsewhere."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from warroom.api.media import PROBLEM_MEDIA_TYPE, TAXII_MEDIA_TYPE
from warroom.errors import TooManyRequests, WarroomError

TAXII_PREFIX = "/taxii2"
AUTH_CHALLENGE = 'Basic realm="warroom", Bearer realm="warroom"'


def error_response(
    request: Request,
    status: int,
    title: str,
    description: str,
    details: Any = None,
    headers: dict[str, str] | None = None,
) -> Response:
    headers = dict(headers or {})
    if status == 401:
        headers["WWW-Authenticate"] = AUTH_CHALLENGE
    if request.url.path.startswith(TAXII_PREFIX):
        body: dict[str, Any] = {
            "title": title,
            "description": description,
            "http_status": str(status),
        }
        if details is not None:
            body["details"] = details if isinstance(details, dict) else {"items": details}
        media = TAXII_MEDIA_TYPE
    else:
        body = {"type": "about:blank", "title": title, "status": status, "detail": description}
        if details is not None:
            body["errors"] = details
        media = PROBLEM_MEDIA_TYPE
    return Response(orjson.dumps(body), status_code=status, media_type=media, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(WarroomError)
    async def _domain(request: Request, exc: WarroomError) -> Response:
        headers = (
            {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyRequests) else None
        )
        return error_response(request, exc.status, exc.title, exc.message, exc.details, headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", ""))}
            for e in exc.errors()
        ]
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        return error_response(
            request,
            422 if request.method in ("POST", "PUT", "PATCH") else 400,
            "Invalid request",
            f"{'.'.join(first['loc'])}: {first['msg']}",
            errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        titles = {404: "Not found", 405: "Method not allowed"}
        return error_response(
            request, exc.status_code, titles.get(exc.status_code, "Error"), str(exc.detail)
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:  # pragma: no cover
        import logging

        logging.getLogger("warroom").exception("unexpected error on %s", request.url.path)
        return error_response(request, 500, "Internal error", "the server failed; see its log")
