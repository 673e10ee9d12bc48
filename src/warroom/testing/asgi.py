"""A synchronous HTTP client that calls an ASGI app in-process.

Why: the access-oracle tests send hundreds of thousands of requests. Starlette's ``TestClient``
crosses threads several times per request, httpx's ASGI transport costs about as much CPU as the
request it carries, and a plain ``loop.run_until_complete`` per request makes AnyIO start fresh
worker threads each time (its thread pool lives as long as the root task). Here one long-lived
root task, on an event loop in a background thread, runs the requests one after the other, and
each request is a bare ASGI scope: the app sees exactly what a server would hand it."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Coroutine, Mapping
from typing import Any
from urllib.parse import urlencode

import orjson
from starlette.types import ASGIApp, Message

_Job = tuple[Coroutine[Any, Any, Any], "concurrent.futures.Future[Any]"]


class Headers(dict[str, str]):
    """Response headers, looked up without regard to case."""

    def __getitem__(self, name: str) -> str:
        return super().__getitem__(name.lower())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and super().__contains__(name.lower())

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        return super().get(name.lower(), default)


class Response:
    """What the tests read of a response: status, headers, body."""

    def __init__(self, status_code: int, headers: Headers, content: bytes) -> None:
        self.status_code = status_code
        self.headers = headers
        self.content = content

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return orjson.loads(self.content)


class InProcessClient:
    def __init__(self, app: ASGIApp, base_url: str = "http://warroom.test") -> None:
        self._app = app
        self._host = base_url.split("://", 1)[-1].rstrip("/")
        self._loop = asyncio.new_event_loop()
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
                # its own task, as a server gives each request: context variables a request
                # sets end with it
                future.set_result(await asyncio.create_task(coroutine))
            except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
                future.set_exception(exc)

    def _run(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        self._loop.call_soon_threadsafe(self._jobs.put_nowait, (coroutine, future))
        return future.result()

    async def _call(
        self, method: str, path: str, query: str, headers: list[tuple[bytes, bytes]], body: bytes
    ) -> Response:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 50000),
            "server": (self._host, 80),
        }
        sent = False
        done = asyncio.Event()

        async def receive() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await done.wait()  # the client leaves once the response is complete
            return {"type": "http.disconnect"}

        status = 500
        response_headers = Headers()
        chunks: list[bytes] = []

        async def send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                for name, value in message.get("headers", []):
                    key = name.decode("latin-1").lower()
                    text = value.decode("latin-1")
                    response_headers[key] = (
                        f"{response_headers[key]}, {text}" if key in response_headers else text
                    )
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    done.set()

        await self._app(scope, receive, send)
        return Response(status, response_headers, b"".join(chunks))

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        content: bytes | str | None = None,
    ) -> Response:
        raw_headers = [(b"host", self._host.encode())]
        raw_headers += [(k.lower().encode(), str(v).encode()) for k, v in (headers or {}).items()]
        body = b""
        if json is not None:
            body = orjson.dumps(json)
            if not any(k == b"content-type" for k, _ in raw_headers):
                raw_headers.append((b"content-type", b"application/json"))
        elif content is not None:
            body = content.encode() if isinstance(content, str) else content
        if body:
            raw_headers.append((b"content-length", str(len(body)).encode()))
        query = urlencode(list((params or {}).items()), doseq=True)
        response: Response = self._run(self._call(method, path, query, raw_headers, body))
        return response

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Response:
        return self.request("POST", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Response:
        return self.request("DELETE", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Response:
        return self.request("PATCH", path, **kwargs)

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._jobs.put_nowait, None)
        self._root.result()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()

    def __enter__(self) -> InProcessClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
