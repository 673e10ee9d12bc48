"""Matching counts what it cannot use: every visible indicator is either used or counted as
ignored, by reason, in the service's result and in ``warroom match``'s output; indicators the
reader may not see are in neither."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from warroom.cli.main import app
from warroom.model.patterns import equality
from warroom.model.sharing import Recipients
from warroom.model.tlp import TLP
from warroom.services import matching
from warroom.services.exchange import ExchangeService
from warroom.services.matching import match_lines, visible_indicators
from warroom.settings import Settings
from warroom.storage.store import Store
from warroom.testing.scenario import Scenario, indicator

SHA256 = "ab" * 32


def _indicator(n: int, pattern: str, **extra: Any) -> dict[str, Any]:
    return {**indicator(n, seed="match"), "pattern": pattern, **extra}


# (indicator, the reason it is ignored, or None when it is used)
CASES: list[tuple[dict[str, Any], str | None]] = [
    (_indicator(1, equality("domain-name:value", "evil-vote.example")), None),
    (_indicator(2, equality("url:value", "http://phish.example/it's")), None),  # escaped quote
    (
        _indicator(
            3, "[ipv4-addr:value = 'not-an-ip' AND domain-name:value = 'good.example']"
        ),
        None,  # one of its values is usable
    ),
    (_indicator(4, equality("domain-name:value", "x.example"), revoked=True), matching.REVOKED),
    (_indicator(5, "title: x\ndetection: y", pattern_type="sigma"), "pattern_type sigma"),
    (_indicator(6, f"[file:hashes.'SHA-256' = '{SHA256}']"), matching.NOTHING_TO_MATCH),
    (_indicator(7, "[url:value LIKE 'http://%.example/']"), matching.NOTHING_TO_MATCH),
    (
        _indicator(8, "[ipv4-addr:value = '999.1.1.1' OR domain-name:value = 'localhost']"),
        matching.UNUSABLE_VALUES,
    ),
]


def test_every_visible_indicator_is_used_or_counted_by_reason(store: Store) -> None:
    scenario = Scenario(store)
    author, reader, other = scenario.add_org("A"), scenario.add_org("B"), scenario.add_org("C")
    exchange = ExchangeService(store, Settings(database_url="sqlite://"))
    exchange.share(
        author.principal,
        [obj for obj, _ in CASES],
        Recipients(community=True),
        tlp=TLP.GREEN,
        transport="test",
    )
    hidden = [  # unusable, but only C may read them: B's counts must not show them
        _indicator(20, "[file:name = 'x']"),
        _indicator(21, equality("domain-name:value", "y.example"), revoked=True),
    ]
    to_c = Recipients(org_ids=frozenset({other.org.id}))
    exchange.share(author.principal, hidden, to_c, tlp=TLP.RED, transport="test")

    loaded = visible_indicators(exchange, reader.principal)
    expected = Counter(reason for _, reason in CASES if reason is not None)
    assert loaded.ignored == expected
    assert loaded.used == sum(1 for _, reason in CASES if reason is None)
    assert loaded.used + sum(loaded.ignored.values()) == len(CASES)
    lines = ["GET / from www.evil-vote.example", "good.example x.example"]
    hits = [hit.indicator for _, hit in match_lines(loaded.matcher, lines)]
    assert hits == ["evil-vote.example", "good.example"]
    url = loaded.matcher.match_url("http://phish.example/it's?session=1")
    assert url is not None and url.ref == CASES[1][0]["id"]

    for_c = visible_indicators(exchange, other.principal)
    assert for_c.ignored == expected + Counter(
        {matching.NOTHING_TO_MATCH: 1, matching.REVOKED: 1}
    )


def test_match_command_prints_the_ignored_indicators_by_reason(
    database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("WARROOM_DATABASE_URL", database_url)
    runner = CliRunner()

    def run(*args: str) -> Any:
        return runner.invoke(app, list(args))

    assert run("init", "--org", "Host", "--admin", "root").exit_code == 0
    assert run("org", "add", "County").exit_code == 0
    assert run("user", "add", "clerk", "--org", "County", "--role", "analyst").exit_code == 0
    shared = tmp_path / "shared.json"
    shared.write_text(json.dumps([obj for obj, _ in CASES]))
    result = run("share", str(shared), "--as", "clerk", "--tlp", "amber")
    assert result.exit_code == 0, result.output
    log = tmp_path / "access.log"
    log.write_text("GET https://login.evil-vote.example/ballot\n")
    result = run("match", str(log), "--as", "clerk")
    assert result.exit_code == 0, result.output
    assert "1 matches against 3 indicator values of 3 indicators" in result.output
    assert (
        "5 indicators could not be used: 2 no URL, domain or IP equality in the pattern, "
        "1 revoked, 1 pattern_type sigma, 1 values that are not valid URLs, domains or IPs"
    ) in " ".join(result.output.split())
