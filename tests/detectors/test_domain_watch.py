"""Domain watch end to end through its public interfaces: assets imported into the store,
a watch over a source sharing alerts through the exchange (valid STIX, seen only by their
recipients), checkpoints that survive a crash, and the CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from stix2validator import ValidationOptions, validate_instance
from typer.testing import CliRunner

from warroom.cli.main import app
from warroom.detectors.domains.detector import DomainWatch
from warroom.detectors.domains.sources import CertStreamLines, ListFile, open_source
from warroom.model.sharing import Recipients
from warroom.model.tlp import TLP
from warroom.services import domain_watch as service
from warroom.services.exchange import ExchangeService
from warroom.settings import Settings
from warroom.storage.objects import ObjectQuery
from warroom.storage.store import Store
from warroom.testing.scenario import Scenario

ASSETS_CSV = """organisation,domain,tokens,owned
Maricopa County Elections,maricopa.vote,maricopa,maricopa.gov
Jane Doe for Senate,janedoe2026.com,janedoe,
"""
STREAM = [
    "weather.com",
    "maricopa-vote2026.com",
    "not a domain",
    "janedoe2026.net",
    "xn--mricopa-2fg.vote",
    "maricopa.gov",
    "garden-supplies.shop",
    "rnaricopa.org",
    "janedoe-donate.com",
    "example.org",
]
EXPECTED = {
    "maricopa-vote2026.com",
    "janedoe2026.net",
    "xn--mricopa-2fg.vote",
    "rnaricopa.org",
    "janedoe-donate.com",
}


@pytest.fixture
def world(
    store: Store, settings: Settings, tmp_path: Path
) -> Iterator[tuple[Scenario, ExchangeService]]:
    scenario = Scenario(store)
    scenario.add_org("County")
    scenario.add_org("Platform")
    scenario.add_org("Outsider")
    assets = tmp_path / "assets.csv"
    assets.write_text(ASSETS_CSV)
    saved, _ = service.import_assets(store, scenario.members["County"].org.id, assets)
    assert saved == 2
    yield scenario, ExchangeService(store, settings)


def _run(
    exchange: ExchangeService,
    scenario: Scenario,
    source: ListFile,
    checkpoint: Path | None,
    batch_size: int = 3,
) -> service.WatchResult:
    county = scenario.members["County"]
    sink = service.AlertSink(
        exchange,
        county.principal,
        Recipients(org_ids=frozenset({scenario.members["Platform"].org.id})),
        TLP.AMBER,
        county.org.identity_id,
    )
    detector = DomainWatch(service.build_index(exchange.store))
    mark = service.Checkpoint.load(checkpoint, source.path)
    return service.watch(source, detector, sink, mark, batch_size=batch_size)


def test_alerts_are_valid_stix_shared_only_with_recipients(
    world: tuple[Scenario, ExchangeService], tmp_path: Path
) -> None:
    scenario, exchange = world
    names = tmp_path / "names.txt"
    names.write_text("\n".join(STREAM))
    result = _run(exchange, scenario, ListFile(str(names)), None)
    assert {a.domain for a in result.alerts} == EXPECTED
    assert result.stats["invalid"] == 1 and result.stats["allowlisted"] == 1
    platform = scenario.members["Platform"].principal
    page = exchange.page(platform, ObjectQuery(types=("indicator",)), transport="test")
    patterns = {json.loads(r.body)["pattern"] for r in page.rows}
    assert patterns == {f"[domain-name:value = '{d}']" for d in EXPECTED}
    everything = exchange.page(platform, ObjectQuery(), transport="test").rows
    for row in everything:
        report = validate_instance(json.loads(row.body), ValidationOptions(version="2.1"))
        assert report.is_valid, [str(e) for e in report.errors]
    outsider = scenario.members["Outsider"].principal
    assert exchange.page(outsider, ObjectQuery(), transport="test").rows == []
    assert exchange.count(outsider, ObjectQuery()) == {"total": 0}
    one = exchange.page(outsider, ObjectQuery(ids=(page.rows[0].stix_id,)), transport="test").rows
    assert one == []


class Crashing(ListFile):
    """A list source that dies after ``limit`` records, like a killed process."""

    limit: int = 0

    def records(self, start: int = 0) -> Iterator[tuple[int, str]]:
        for n, record in enumerate(super().records(start)):
            if n == self.limit:
                raise KeyboardInterrupt
            yield record


@pytest.mark.parametrize("crash_after", [1, 4, 7])
def test_a_stopped_watch_resumes_without_losing_or_repeating_alerts(
    world: tuple[Scenario, ExchangeService], tmp_path: Path, crash_after: int
) -> None:
    scenario, exchange = world
    names = tmp_path / "names.txt"
    names.write_text("\n".join(STREAM))
    checkpoint = tmp_path / "watch.checkpoint"
    crashing = Crashing(str(names))
    crashing.limit = crash_after
    with pytest.raises(KeyboardInterrupt):
        _run(exchange, scenario, crashing, checkpoint)
    first = json.loads(checkpoint.read_text())["position"]
    assert 0 <= first <= crash_after
    resumed = _run(exchange, scenario, ListFile(str(names)), checkpoint)
    assert json.loads(checkpoint.read_text())["position"] == len(STREAM)
    platform = scenario.members["Platform"].principal
    indicators = exchange.page(
        platform, ObjectQuery(types=("indicator",), versions=("all",)), transport="test"
    ).rows
    assert sorted(json.loads(r.body)["pattern"] for r in indicators) == sorted(
        f"[domain-name:value = '{d}']" for d in EXPECTED
    )  # every alert once, one version each, whatever the crash point
    assert {a.domain for a in resumed.alerts} <= EXPECTED


def test_broken_certstream_lines_are_counted(tmp_path: Path) -> None:
    lines = tmp_path / "certs.jsonl"
    good = {
        "message_type": "certificate_update",
        "data": {"leaf_cert": {"all_domains": ["*.maricopa-vote.com", "maricopa-vote.com"]}},
    }
    lines.write_text("\n".join([json.dumps(good), "{broken", json.dumps({"data": 3}), "[]"]))
    source = open_source(f"certstream:{lines}")
    assert isinstance(source, CertStreamLines)
    assert [name for _, name in source.records()] == ["*.maricopa-vote.com", "maricopa-vote.com"]
    assert source.skipped["broken JSON line"] == 3


def test_cli_imports_assets_watches_and_reports(
    database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("WARROOM_DATABASE_URL", database_url)
    runner = CliRunner()
    run = lambda *a: runner.invoke(app, list(a))  # noqa: E731
    assert run("init", "--org", "Host", "--admin", "root").exit_code == 0
    assert run("org", "add", "County").exit_code == 0
    assert run("user", "add", "clerk", "--org", "County", "--role", "analyst").exit_code == 0
    assets = tmp_path / "assets.csv"
    assets.write_text(ASSETS_CSV)
    result = run("domains", "assets", "import", str(assets), "--org", "County")
    assert result.exit_code == 0 and "2 assets saved" in result.output, result.output
    names = tmp_path / "names.txt"
    names.write_text("\n".join(STREAM))
    report = tmp_path / "alerts.json"
    result = run(
        "domains",
        "watch",
        f"list:{names}",
        "--as",
        "clerk",
        "--report",
        str(report),
        "--output-dir",
        str(tmp_path / "bundles"),
    )
    assert result.exit_code == 0, result.output
    assert {a["domain"] for a in json.loads(report.read_text())} == EXPECTED
    assert list((tmp_path / "bundles").glob("alerts-*.json"))
    bad = tmp_path / "bad.csv"
    bad.write_text("name,site\nx,y\n")
    result = run("domains", "assets", "import", str(bad), "--org", "County")
    assert result.exit_code == 1 and result.output.count("\n") == 1
    assert "missing column(s) organisation, domain" in result.output
    result = run("domains", "watch", str(tmp_path / "missing.txt"), "--as", "clerk")
    assert result.exit_code == 1 and "no such file" in result.output
