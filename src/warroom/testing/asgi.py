"""A synchronous HTTP client that calls an ASGI app in-process.

Why: Starlette's ``TestClient`` crosses threads several times per request, and a plain
``loop.run_until_complete`` per request makes AnyIO start fresh worker threads for every request
(its thread pool lives as long as the root task). The access-oracle tests send hundreds of
thousands of requests: here one long-lived root task, on an event loop in a background thread,
runs the requests one after the other, so the app's worker threads are started once."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Coroutine
from typing import Any

import httpx
from starlette.types import ASGIApp

_Job = tuple[Coroutine[Any, Any, Any], "concurrent.futures.Future[Any]"]


class InProcessClient:
    def __init__(self, app: ASGIApp, base_url: str = "http://warroom.test") -> None:
        self._loop = asyncio.new_event_loop()
        self._client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True,
                                        name="in-process-client")
        self._thread.start()
        self._jobs: asyncio.Queue[_Job | None] = asyncio.run_coroutine_threadsafe(
            self._make_queue(), self._loop
        ).result()
        self._root = asyncio.run_coroutine_threadsafe(self._serve(), self._loop)

    @staticmethod
    async def _make_queue() -> asyncio.Queue[_Job | None]:
        return asyncio.Queue()

    async def _serve(self) -> None:
        """The root task: runs each submitted request to completion, in order."""
        while (job := await self._jobs.get()) is not None:
            coroutine, future = job
            try:
                future.set_result(await coroutine)
            except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
                future.set_exception(exc)

    def _run(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        self._loop.call_soon_threadsafe(self._jobs.put_nowait, (coroutine, future))
        return future.result()

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response: httpx.Response = self._run(self._client.request(method, path, **kwargs))
        return response

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", path, **kwargs)

    def close(self) -> None:
        self._run(self._client.aclose())
        self._loop.call_soon_threadsafe(self._jobs.put_nowait, None)
        self._root.result()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()

    def __enter__(self) -> InProcessClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
