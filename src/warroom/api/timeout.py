"""A time limit on every request, as a plain ASGI middleware.

Why: a request that takes too long (a huge export through the REST API, a stuck database) must
not hold a client and a worker forever: after ``seconds`` the client gets 503 with a
TAXII/problem+json body (the work already running in a thread finishes on its own). A response
that has started streaming is left to finish."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from warroom.api.errors import error_response


class TimeoutMiddleware:
    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.seconds <= 0:
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            async with asyncio.timeout(self.seconds):
                await self.app(scope, receive, tracking_send)
        except TimeoutError:
            if started:
                raise
            response = error_response(
                Request(scope, receive),
                503,
                "Request timed out",
                f"the request took more than {self.seconds:g} s; try a smaller page or later",
                headers={"Retry-After": "5"},
            )
            await response(scope, receive, send)
