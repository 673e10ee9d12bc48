"""A real uvicorn server on a free loopback port, in a background thread, for tests that use
real HTTP clients (taxii2-client, httpx, Playwright)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def running(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 and yield its base URL (no trailing slash)."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def spawn(
    database_url: str,
    port: int,
    *,
    quiet: bool = True,
    factory: str = "warroom.api.app:create_app",
    env: Mapping[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """Start ``factory`` (an application factory) under uvicorn in its own process on
    127.0.0.1 (for crash tests and benchmarks, where the server must not share this
    interpreter); ``env`` adds environment variables."""
    env = {
        **os.environ,
        **(env or {}),
        "WARROOM_DATABASE_URL": database_url,
        "WARROOM_LOG_LEVEL": "warning",
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        factory,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    output = subprocess.DEVNULL if quiet else None
    return subprocess.Popen(command, env=env, stdout=output, stderr=output)
