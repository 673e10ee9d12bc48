"""The request-size limit (``max_content_length``) as a plain ASGI middleware.

Why: an oversized body must be refused with 413 and a TAXII/problem+json error before anything
reads it, and the check runs on every request, so it must cost nothing when the body is fine.
Starlette's ``BaseHTTPMiddleware`` wraps every response in a stream and hops threads; this does
neither. A declared ``Content-Length`` is checked up front; a body without one (chunked) is read
up to the limit and replayed to the application."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from warroom.api.errors import error_response

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = Headers(scope=scope).get("content-length")
        if length is not None:
            length = length.strip()
            if not length.isdigit():
                await _refuse(scope, receive, send, 400, "Bad request", "invalid Content-Length")
                return
            if int(length) > self.limit:
                detail = f"the body is {length} bytes; this server accepts at most {self.limit}"
                await _refuse(scope, receive, send, 413, "Request too large", detail)
                return
            await self.app(scope, receive, send)
            return
        if scope["method"] not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                detail = f"this server accepts at most {self.limit} bytes"
                await _refuse(scope, receive, send, 413, "Request too large", detail)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


async def _refuse(
    scope: Scope, receive: Receive, send: Send, status: int, title: str, detail: str
) -> None:
    response = error_response(Request(scope), status, title, detail)
    await response(scope, receive, send)
