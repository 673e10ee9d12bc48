"""The write-transaction probe of the crash test notes each step of a real write, in order, and
reads a server's last state back from what it wrote before dying."""

from __future__ import annotations

from pathlib import Path

from warroom.model.sharing import Recipients
from warroom.services.exchange import ExchangeService
from warroom.settings import Settings
from warroom.storage.store import Store
from warroom.testing.scenario import Scenario, indicator
from warroom.testing.txn_probe import install, kill_point


def test_a_share_is_noted_begin_write_commit_end(store: Store, tmp_path: Path) -> None:
    member = Scenario(store).add_org("A")
    probe = tmp_path / "probe.log"
    install(store.engine, probe)
    exchange = ExchangeService(store, Settings(database_url="sqlite://"))
    exchange.share(member.principal, [indicator(1), indicator(2)], Recipients(), transport="t")
    with store.engine.connect() as conn:  # a read is not a write transaction
        conn.exec_driver_sql("SELECT 1")
    notes = [line.split()[:2] for line in probe.read_text().splitlines()]
    writes = [n for n in notes if n[0] == "W"]
    assert len(writes) == 1
    number = writes[0][1]
    assert [w for w, n in notes if n == number] == ["B", "W", "C", "E"]
    assert kill_point(probe).state == "outside"


def test_kill_points_from_notes(tmp_path: Path) -> None:
    probe = tmp_path / "probe.log"
    assert kill_point(probe).state == "outside"  # no file: the server never wrote
    cases = {
        "B 1 0\n": "begun",
        "B 1 0\nW 1 1\n": "writing",
        "B 1 0\nW 1 1\nC 1 2\n": "committing",
        "B 1 0\nW 1 1\nC 1 2\nE 1 3\n": "outside",
        "B 1 0\nC 1 1\nE 1 2\nB 2 3\nW 2": "writing",  # the last line cut short by the kill
    }
    for text, state in cases.items():
        probe.write_text(text)
        point = kill_point(probe)
        assert point.state == state, text
        assert point.inside is (state in ("begun", "writing"))
