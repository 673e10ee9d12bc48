"""Server processes for the benchmarks: warroom (uvicorn) and medallion (werkzeug, threaded),
each in its own process so that the load generator does not share their interpreter."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx

from warroom.testing.server import spawn

TAXII = "application/taxii+json;version=2.1"
HERE = Path(__file__).resolve().parent


def wait_ready(
    url: str, auth: httpx.Auth | None, headers: dict[str, str], proc: subprocess.Popen[bytes]
) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.returncode}")
        try:
            if httpx.get(url, auth=auth, headers=headers, timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not start")


def start_warroom(database_url: str, port: int, key: str) -> subprocess.Popen[bytes]:
    proc = spawn(database_url, port, quiet=False)
    wait_ready(
        f"http://127.0.0.1:{port}/taxii2/",
        None,
        {"Accept": TAXII, "Authorization": f"Bearer {key}"},
        proc,
    )
    return proc


def start_medallion(
    config_file: Path, port: int, user: str, password: str
) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "_serve_medallion.py"), str(config_file), str(port)]
    )
    wait_ready(
        f"http://127.0.0.1:{port}/taxii2/", httpx.BasicAuth(user, password), {"Accept": TAXII}, proc
    )
    return proc


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
