"""Shared fixtures: a fresh store per test (SQLite, or PostgreSQL when
WARROOM_TEST_DATABASE_URL is set), an app, a live server and a small scenario."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from warroom.api import create_app
from warroom.settings import Settings
from warroom.storage.store import Store
from warroom.testing.databases import fresh_database_url
from warroom.testing.scenario import Scenario
from warroom.testing.server import running

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture
def database_url(tmp_path: Path, request: pytest.FixtureRequest) -> str:
    return fresh_database_url(tmp_path, request.node.name)


@pytest.fixture
def settings(database_url: str) -> Settings:
    # no per-key rate limit: tests send as fast as they can (tests of the limit set their own)
    return Settings(database_url=database_url, instance_name="warroom-test", rate_limit=0)


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    store = Store.open(settings.database_url)
    yield store
    store.close()


@pytest.fixture
def app(settings: Settings, store: Store) -> FastAPI:
    return create_app(settings, store)


@pytest.fixture
def live_url(app: FastAPI) -> Iterator[str]:
    with running(app) as url:
        yield url


@pytest.fixture
def scenario(store: Store) -> Scenario:
    return Scenario(store)


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not present in this checkout")
    return SHARED_DATA


# Access-oracle counts: each test module counts what it checked; under pytest-xdist every worker
# hands its counts to the controller, which adds them up for the terminal summary.
WORKER_COUNTS: dict[str, Counter[str]] = {}


def _local_counts() -> dict[str, Counter[str]]:
    from tests.access import test_inference, test_policy_properties, test_transports_oracle

    return {
        "access oracle, policy module": test_policy_properties.CHECKED,
        "access oracle, every transport": test_transports_oracle.CHECKED,
        "inference oracle, every transport": test_inference.CHECKED,
    }


def pytest_sessionfinish(session: pytest.Session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["access_oracle"] = {k: dict(v) for k, v in _local_counts().items()}
        return
    shortfalls = _shortfalls()
    if shortfalls and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        session.config.stash[_SHORT] = shortfalls


_SHORT = pytest.StashKey[list[str]]()


def _totals() -> dict[str, Counter[str]]:
    return {
        label: checked + WORKER_COUNTS.get(label, Counter())
        for label, checked in _local_counts().items()
    }


def _shortfalls() -> list[str]:
    """The oracle counts below the minimums CI asks for in ``WARROOM_ORACLE_MINIMUMS``
    (``label/count=number;...``, e.g. ``inference oracle, every transport/world pairs=10000``):
    a figure a note or a doc quotes is asserted, not just printed."""
    wanted = os.environ.get("WARROOM_ORACLE_MINIMUMS", "")
    totals = _totals()
    missing = []
    for item in filter(None, (part.strip() for part in wanted.split(";"))):
        name, _, minimum = item.rpartition("=")
        label, _, what = name.rpartition("/")
        got = totals.get(label, Counter())[what]
        if got < int(minimum):
            missing.append(f"{label}: {got:,} {what}, fewer than the {int(minimum):,} required")
    return missing


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    for label, counts in getattr(node, "workeroutput", {}).get("access_oracle", {}).items():
        WORKER_COUNTS.setdefault(label, Counter()).update(counts)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how many access scenarios the oracle tests checked (and any shortfall)."""
    for label, total in _totals().items():
        if total:
            counts = ", ".join(f"{n:,} {what}" for what, n in total.items())
            terminalreporter.write_line(f"{label}: {counts}")
    for line in terminalreporter.config.stash.get(_SHORT, []):
        terminalreporter.write_line(f"FAILED (oracle count) {line}", red=True)
