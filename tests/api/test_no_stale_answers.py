"""Caches never outlive a change: with `warroom serve --workers 2` (each worker caches what keys
resolve to, the groups and the audiences) and clients reading all the while, a membership
removed, a role lowered or a key revoked is in force for every request that starts after the
change is committed — in both workers (issue 16, acceptance 3).

Slow: it starts a real two-process server."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from warroom.model.collections import CollectionKind, CollectionRef
from warroom.model.orgs import Role
from warroom.model.sharing import Recipients
from warroom.model.tlp import TLP
from warroom.services.exchange import ExchangeService
from warroom.settings import Settings
from warroom.storage.store import Store
from warroom.testing.scenario import Scenario, indicator
from warroom.testing.server import free_port

pytestmark = pytest.mark.slow
TAXII = "application/taxii+json;version=2.1"
ROUNDS = 40  # requests after each change: with two workers, both serve some of them


@pytest.fixture
def served(database_url: str) -> Iterator[tuple[str, Store]]:
    store = Store.open(database_url)
    Scenario(store).add_org("Host", role=Role.ADMIN, instance_admin=True)
    port = free_port()
    env = {**os.environ, "WARROOM_LOG_LEVEL": "warning", "WARROOM_RATE_LIMIT": "0",
           "WARROOM_AUTH_FAILURE_LIMIT": "0"}  # the revoked key's 401s stay 401s
    proc = subprocess.Popen(
        [sys.executable, "-m", "warroom.cli.main", "serve", "--workers", "2", "--port",
         str(port), "--database-url", database_url],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            raise RuntimeError("the server did not start")
        time.sleep(0.2)
    try:
        yield base, store
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        store.close()


def _hammer(base: str, key: str, path: str, stop: threading.Event) -> None:
    """Keep both workers busy, and their caches warm, while a change is made."""
    with httpx.Client(base_url=base, timeout=30) as client:
        while not stop.is_set():
            client.get(path, headers={"Authorization": f"Bearer {key}", "Accept": TAXII})


def test_changes_are_in_force_for_the_next_request_of_every_worker(
    served: tuple[str, Store], tmp_path: Path
) -> None:
    base, store = served
    scenario = Scenario(store)
    owner, member = scenario.add_org("Owner"), scenario.add_org("Member")
    group = store.directory.create_group("WG", owner.org.id, confidential=True)
    store.directory.add_member(group.id, member.org.id)
    scenario.refresh()
    owner, member = scenario.members["Owner"], scenario.members["Member"]
    obj = indicator(1, tlp=TLP.AMBER, seed="stale")
    ExchangeService(store, Settings(database_url="sqlite://")).share(
        owner.principal, [obj], Recipients(group_ids=frozenset({group.id})), transport="test"
    )
    everything = CollectionRef(CollectionKind.ALL).id
    path = f"/taxii2/api/collections/{everything}/objects/{obj['id']}/"
    headers = {"Authorization": f"Bearer {member.key}", "Accept": TAXII}
    stop = threading.Event()
    hammers = [threading.Thread(target=_hammer, args=(base, member.key, path, stop))
               for _ in range(4)]
    for thread in hammers:
        thread.start()
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            assert {client.get(path, headers=headers).status_code for _ in range(ROUNDS)} == {200}
            # 1. the membership goes: the object is gone for the next request, in both workers
            store.directory.remove_member(group.id, member.org.id)
            assert {client.get(path, headers=headers).status_code for _ in range(ROUNDS)} == {404}
            # 2. the role is lowered to reader: sharing is refused from the next request on
            share = {"objects": [indicator(2, seed="stale")], "recipients": {}}
            assert client.post("/api/v1/objects", json=share, headers=headers).status_code == 201
            store.directory.set_user(member.principal.user_id, role=Role.READER)
            refused = {client.post("/api/v1/objects", json={**share, "objects": [
                indicator(3 + n, seed="stale")]}, headers=headers).status_code
                for n in range(ROUNDS)}
            assert refused == {403}
            # 3. the key is revoked: 401 from the next request on
            key_id = store.directory.list_keys([member.principal.user_id])[0].id
            store.directory.revoke_key(key_id)
            assert {client.get("/api/v1/me", headers=headers).status_code
                    for _ in range(ROUNDS)} == {401}
    finally:
        stop.set()
        for thread in hammers:
            thread.join()
