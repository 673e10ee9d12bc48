"""Crash safety: SIGKILL the server in the middle of bulk ingest, 20 times, and find no partial
bundle afterwards (every bundle is stored whole or not at all) and an intact database."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select, text

from warroom.model.orgs import Role
from warroom.storage import schema
from warroom.storage.store import Store
from warroom.testing.scenario import indicator
from warroom.testing.server import free_port, spawn

KILLS = int(os.environ.get("WARROOM_CRASH_KILLS", "20"))
BUNDLE = 2000
TAXII = "application/taxii+json;version=2.1"

pytestmark = pytest.mark.slow


def _wait_ready(base: str, key: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited during start-up")
        try:
            r = httpx.get(
                f"{base}/taxii2/", headers={"Authorization": f"Bearer {key}", "Accept": TAXII}
            )
            if r.status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError("server did not start")


def _bundle_counts(store: Store, tags: list[str]) -> dict[str, int]:
    counts = {}
    with store.engine.connect() as conn:
        for tag in tags:
            counts[tag] = conn.execute(
                select(func.count())
                .select_from(schema.objects)
                .where(schema.objects.c.body.like(f"%{tag}%"))
            ).scalar_one()
    return counts


def test_sigkill_during_bulk_ingest_leaves_no_partial_bundle(
    database_url: str, tmp_path: Path
) -> None:
    store = Store.open(database_url)
    org = store.directory.create_org("Crash Test Org")
    user = store.directory.create_user(org.id, "crasher", Role.ANALYST)
    _, key = store.directory.create_key(user.id)
    headers = {"Authorization": f"Bearer {key}", "Accept": TAXII, "Content-Type": TAXII}
    rng = random.Random(20261124)
    sent_tags: list[str] = []
    acknowledged: set[str] = set()
    collection_id = ""
    for _kill in range(KILLS):
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        proc = spawn(database_url, port)
        try:
            _wait_ready(base, key, proc)
            if not collection_id:
                cols = httpx.get(f"{base}/taxii2/api/collections/", headers=headers).json()[
                    "collections"
                ]
                collection_id = next(c["id"] for c in cols if c["alias"] == "my-org")
            stop = threading.Event()

            def post_bundles(
                base: str = base, stop: threading.Event = stop, collection_id: str = collection_id
            ) -> None:
                with httpx.Client(timeout=30) as client:
                    while not stop.is_set():
                        tag = f"crash{uuid.uuid4().hex}"
                        objects = [indicator(i, seed=tag) for i in range(BUNDLE)]
                        for obj in objects:
                            obj["description"] = f"bundle {tag}"
                        sent_tags.append(tag)
                        try:
                            r = client.post(
                                f"{base}/taxii2/api/collections/{collection_id}/objects/",
                                headers=headers,
                                json={"objects": objects},
                            )
                        except httpx.TransportError:
                            return
                        if r.status_code == 202:
                            acknowledged.add(tag)

            writer = threading.Thread(target=post_bundles, daemon=True)
            writer.start()
            time.sleep(rng.uniform(0.3, 1.5))
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
            stop.set()
            writer.join(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    counts = _bundle_counts(store, sent_tags)
    partial = {tag: n for tag, n in counts.items() if n not in (0, BUNDLE)}
    assert not partial, f"partial bundles after SIGKILL: {partial}"
    assert all(counts[tag] == BUNDLE for tag in acknowledged), "an acknowledged bundle was lost"
    stored = sum(1 for n in counts.values() if n == BUNDLE)
    assert stored >= 1, "no bundle was stored at all: the test did not exercise ingest"
    assert len(sent_tags) > stored, "no bundle was in flight at a kill: the test proved nothing"
    if store.sqlite:
        with store.engine.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
    store.close()
