"""Crash safety: SIGKILL the server in the middle of bulk ingest, 20 times, and find no partial
bundle afterwards (every bundle is stored whole or not at all) and an intact database.

The server runs with a write-transaction probe (warroom.testing.txn_probe) that notes on disk,
before each step, when a write transaction begins, inserts objects and commits; after each kill
the test reads where the server was. Half the kills come at a random moment of the ingest; the
other half are aimed: once a transaction has begun inserting a bundle, after a random delay of a
few milliseconds. The test asserts that a good share of all kills landed between BEGIN and
COMMIT, where a partial bundle could appear if the store were not atomic."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select, text

from warroom.model.orgs import Role
from warroom.storage import schema
from warroom.storage.store import Store
from warroom.testing.scenario import indicator
from warroom.testing.server import free_port, spawn
from warroom.testing.txn_probe import ENV as PROBE_ENV
from warroom.testing.txn_probe import KillPoint, kill_point

KILLS = int(os.environ.get("WARROOM_CRASH_KILLS", "20"))
BUNDLE = 2000
AIM_SECONDS = 0.02  # aimed kills come this long at most after a bundle's INSERT began
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


def _wait_for_writing(probe: Path, proc: subprocess.Popen[bytes]) -> None:
    """Return once the server has begun inserting a bundle's objects (probe state 'writing')."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if kill_point(probe).state == "writing":
            return
        time.sleep(0.001)
    raise RuntimeError("the server never began inserting a bundle")


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
    points: list[KillPoint] = []
    for kill in range(KILLS):
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        probe = tmp_path / f"probe-{kill}.log"
        proc = spawn(
            database_url,
            port,
            factory="warroom.testing.txn_probe:create_app",
            env={PROBE_ENV: str(probe)},
        )
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
            if kill % 2 == 0:  # at a random moment of the ingest
                time.sleep(rng.uniform(0.3, 1.5))
            else:  # aimed at a transaction that has begun inserting a bundle
                _wait_for_writing(probe, proc)
                time.sleep(rng.uniform(0, AIM_SECONDS))
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
            points.append(kill_point(probe))
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
    states = Counter(point.state for point in points)
    inside = sum(point.inside for point in points)
    at_random = sum(point.inside for point in points[::2])
    print(
        f"\nkill points {dict(states)}: {inside} of {len(points)} kills inside a write "
        f"transaction ({at_random} of {len(points[::2])} random ones)"
    )
    assert inside >= len(points) / 3, f"too few kills inside a write transaction: {states}"
    assert states["writing"] >= 1, "no kill landed after a bundle's INSERT began"
    if store.sqlite:
        with store.engine.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
    store.close()
