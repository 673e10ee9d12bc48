"""The command line through its public interface (Typer's runner), on a fresh database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from warroom.cli.main import app
from warroom.model.tlp import TLP
from warroom.storage.objects import ObjectQuery
from warroom.storage.store import Store
from warroom.testing.scenario import indicator


@pytest.fixture
def run(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("WARROOM_DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]  # noqa: A002
        return runner.invoke(app, list(args), input=input)

    return invoke


def _objects(database_url: str) -> int:
    store = Store.open(database_url)
    with store.engine.connect() as conn:
        from sqlalchemy import func, select

        from warroom.storage.schema import objects

        n = conn.execute(select(func.count()).select_from(objects)).scalar_one()
    store.close()
    return int(n)


def _setup(run) -> None:  # type: ignore[no-untyped-def]
    assert run("init", "--org", "Host", "--admin", "root").exit_code == 0
    assert run("org", "add", "Chirp Social").exit_code == 0
    assert run("org", "add", "Parcel Mail").exit_code == 0
    assert run("user", "add", "alice", "--org", "Chirp Social", "--role", "analyst").exit_code == 0
    assert run("user", "add", "bob", "--org", "Parcel Mail", "--role", "reader").exit_code == 0


def test_init_prints_a_key_once_that_authenticates(run, database_url: str) -> None:  # type: ignore[no-untyped-def]
    result = run("init", "--org", "Host", "--admin", "root")
    assert result.exit_code == 0, result.output
    key = result.output.strip().splitlines()[-1]
    store = Store.open(database_url)
    principal = store.directory.principal_for_key(key)
    assert principal is not None and principal.instance_admin and principal.username == "root"
    assert key not in json.dumps(
        [k.__dict__ for k in store.directory.list_keys([principal.user_id])]
    )
    store.close()
    again = run("init")
    assert (
        again.exit_code == 1
        and again.output.count("\n") == 1
        and "already initialised" in again.output
    )


def test_share_and_export_respect_recipients(run, database_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _setup(run)
    bundle = tmp_path / "bundle.json"
    private, shared = indicator(1), indicator(2)
    bundle.write_text(
        json.dumps(
            {
                "type": "bundle",
                "id": "bundle--6c1f1a4e-8a53-4c3d-9a57-0bd8c1d3a6b2",
                "objects": [private],
            }
        )
    )
    result = run("share", str(bundle), "--as", "alice", "--tlp", "amber+strict")
    assert result.exit_code == 0, result.output
    lines = tmp_path / "objects.jsonl"
    lines.write_text(json.dumps(shared) + "\n")
    result = run("share", str(lines), "--as", "alice", "--tlp", "amber", "--to", "org:Parcel Mail")
    assert result.exit_code == 0, result.output
    out = tmp_path / "bob.json"
    assert run("export", "--as", "bob", "--output", str(out)).exit_code == 0
    exported = json.loads(out.read_text())
    ids = {o["id"] for o in exported["objects"]}
    assert shared["id"] in ids and private["id"] not in ids
    assert TLP.AMBER.marking_id in ids  # the marking definition travels with the objects
    store = Store.open(database_url)
    alice = store.directory.principal_for_user(store.directory.user_by_name("alice").id)
    from warroom.services.exchange import ExchangeService
    from warroom.settings import Settings

    page = ExchangeService(store, Settings(database_url=database_url)).page(
        alice, ObjectQuery(), transport="test"
    )
    store.close()
    assert {r.stix_id for r in page.rows} == {private["id"], shared["id"]}
    assert all(
        TLP.AMBER_STRICT.marking_id in r.body or TLP.AMBER.marking_id in r.body for r in page.rows
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"type": "bundle", "objects": [', "malformed JSON"),
        ("", "empty"),
        ('[{"type": "indicator", "id": "indicator--x"}]', "nothing was stored"),
    ],
)
def test_bad_files_fail_with_one_line_and_store_nothing(
    run, database_url: str, tmp_path: Path, content: str, message: str
) -> None:  # type: ignore[no-untyped-def]
    _setup(run)
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    result = run("share", str(bad), "--as", "alice", "--tlp", "green", "--to", "community")
    assert result.exit_code == 1
    assert (
        result.output.startswith("error:")
        and result.output.count("\n") == 1
        and message in result.output
    )
    assert _objects(database_url) == 0


def test_policy_refusals_are_one_line_errors(run, database_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _setup(run)
    f = tmp_path / "one.json"
    f.write_text(json.dumps([indicator(1)]))
    red = run("share", str(f), "--as", "alice", "--tlp", "red", "--to", "community")
    assert red.exit_code == 1 and "TLP:RED" in red.output
    reader = run("share", str(f), "--as", "bob", "--tlp", "green", "--to", "community")
    assert reader.exit_code == 1 and "role" in reader.output
    unknown = run("share", str(f), "--as", "alice", "--tlp", "purple")
    assert unknown.exit_code == 1 and "unknown TLP" in unknown.output
    missing = run("share", str(tmp_path / "nope.json"), "--as", "alice", "--tlp", "green")
    assert missing.exit_code == 1 and missing.output.startswith("error:")
    assert _objects(database_url) == 0


def test_groups_keys_and_listing(run) -> None:  # type: ignore[no-untyped-def]
    _setup(run)
    assert run("group", "add", "WG", "--owner", "Chirp Social", "--confidential").exit_code == 0
    assert run("group", "member", "add", "WG", "Parcel Mail").exit_code == 0
    listing = run("group", "list")
    assert "WG" in listing.output and "Parcel Mail" in listing.output
    created = run("key", "create", "alice", "--name", "laptop")
    assert created.exit_code == 0
    assert "laptop" in run("key", "list", "alice").output
    assert run("key", "revoke", "99").exit_code == 1
    assert "Chirp Social" in run("org", "list").output


def test_demo_seeds_without_shared_data(run, tmp_path: Path, database_url: str) -> None:  # type: ignore[no-untyped-def]
    result = run("demo", "--no-serve")  # in tmp_path, where ../shared/data is absent
    assert result.exit_code == 0, result.output
    assert "synthetic" in result.output
    assert _objects(database_url) > 300
    assert (tmp_path / "warroom-data" / "demo-keys.txt").stat().st_mode & 0o777 == 0o600


def test_demo_seeds_real_data(run, shared_data: Path, database_url: str) -> None:  # type: ignore[no-untyped-def]
    result = run("demo", "--no-serve", "--data-dir", str(shared_data))
    assert result.exit_code == 0, result.output
    assert "DISARM" in result.output
    assert _objects(database_url) > 2500
