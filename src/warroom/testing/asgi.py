"""A synchronous HTTP client that calls an ASGI app in-process on its own event loop.

Why: Starlette's ``TestClient`` runs the app on a portal thread and crosses threads several times
per request; the access-oracle test sends hundreds of thousands of requests, and this client
does the same requests through the same ASGI stack at about half the cost."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from starlette.types import ASGIApp


class InProcessClient:
    def __init__(self, app: ASGIApp, base_url: str = "http://warroom.test") -> None:
        self._loop = asyncio.new_event_loop()
        self._client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self._loop.run_until_complete(self._client.get(path, **kwargs))

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self._loop.run_until_complete(self._client.post(path, **kwargs))

    def close(self) -> None:
        self._loop.run_until_complete(self._client.aclose())
        self._loop.close()

    def __enter__(self) -> InProcessClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
