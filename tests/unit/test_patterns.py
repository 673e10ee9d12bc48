"""STIX patterns: the one quoting helper (warroom.model.patterns) against the OASIS
``stix2-patterns`` validator and parser, and every producer of indicator patterns (the demo data,
the coordination and the domain detectors) on values with quotes and backslashes; the matcher
reads each value back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from stix2patterns.v21.pattern import Pattern
from stix2patterns.validator import run_validator

from tests.branches import Branches
from warroom.detectors.cib.scoring import Cluster
from warroom.detectors.cib.stix import cluster_to_stix
from warroom.detectors.domains.detector import Alert
from warroom.detectors.domains.stix import alert_objects
from warroom.detectors.matching.matcher import observables_of
from warroom.model.patterns import (
    equality,
    equality_comparisons,
    equals,
    observation,
    quote,
    unquote,
)
from warroom.model.tlp import TLP
from warroom.services.demo import seed
from warroom.services.exchange import ExchangeService
from warroom.settings import Settings
from warroom.storage.objects import ObjectQuery
from warroom.storage.store import Store
from warroom.testing.scenario import indicator

AWKWARD = ["it's", "back\\slash", "\\'", "'", "\\", "a'b\\c'd", "x = 'y'", "] OR [url:value = 'z"]


def assert_valid(pattern: str) -> None:
    errors = run_validator(pattern, stix_version="2.1")
    assert errors == [], f"{pattern!r}: {errors}"


def stix2_literals(pattern: str) -> list[tuple[str, str]]:
    """(object path, literal as written) of every comparison, as stix2-patterns parses them."""
    found = []
    for object_type, comparisons in Pattern(pattern).inspect().comparisons.items():
        for path, _operator, literal in comparisons:
            found.append((object_type + ":" + ".".join(map(str, path)), literal))
    return found


values = st.one_of(
    st.text(max_size=30),
    st.text(alphabet=st.sampled_from("ab'\\ ]["), max_size=12),
    st.sampled_from(AWKWARD),
)
PATHS = ["domain-name:value", "url:value", "ipv4-addr:value", "user-account:user_id"]
QUOTING = Branches("quote and backslash", "quote only", "backslash only", "neither")


@QUOTING.required
@given(st.sampled_from(PATHS), values)
def test_quoted_values_make_valid_patterns_that_read_back(path: str, value: str) -> None:
    has_quote, has_backslash = "'" in value, "\\" in value
    QUOTING.reached(
        "quote and backslash"
        if has_quote and has_backslash
        else "quote only"
        if has_quote
        else "backslash only"
        if has_backslash
        else "neither"
    )
    pattern = equality(path, value)
    assert_valid(pattern)
    assert stix2_literals(pattern) == [(path, quote(value))]
    assert equality_comparisons(pattern) == [(path, value)]
    assert unquote(quote(value)) == value


def test_observations_join_comparisons_and_read_back_in_order() -> None:
    pattern = observation(
        equals("user-account:account_type", "twitter"), equals("user-account:user_id", "o'neil\\")
    )
    assert_valid(pattern)
    assert equality_comparisons(pattern) == [
        ("user-account:account_type", "twitter"),
        ("user-account:user_id", "o'neil\\"),
    ]
    assert_valid(observation(equals("url:value", "a"), equals("url:value", "b"), operator="OR"))


def test_only_equality_comparisons_outside_literals_are_read() -> None:
    sha = "ab" * 32
    pattern = (
        f"[url:value != 'a' AND url:value LIKE 'b = \\'c\\'' AND file:hashes.'SHA-256' = '{sha}'] "
        "OR [domain-name:value = 'x.example' AND domain-name:value NOT = 'y.example']"
    )
    assert_valid(pattern)
    assert equality_comparisons(pattern) == [
        ("file:hashes.'SHA-256'", sha),
        ("domain-name:value", "x.example"),
    ]


@pytest.mark.parametrize("literal", ["'a", "a'", "'a'b'", "'\\x'", "'\\'", "\"a\""])
def test_unquote_refuses_what_is_not_a_literal(literal: str) -> None:
    with pytest.raises(ValueError, match="not a STIX pattern string literal"):
        unquote(literal)


def test_builders_refuse_what_they_cannot_quote() -> None:
    for path in ("url value", "url:value = 'x' OR url:value", "URL:value", ":value"):
        with pytest.raises(ValueError, match="not a STIX object path"):
            equals(path, "x")
    with pytest.raises(ValueError, match="at least one"):
        observation()
    with pytest.raises(ValueError, match="AND or OR"):
        observation(equals("url:value", "x"), operator="FOLLOWEDBY")


# --- every producer of patterns ----------------------------------------------------------
def _indicators(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [o for o in objects if o["type"] == "indicator"]


@pytest.mark.parametrize("domain", ["evil'corp.example", "back\\slash.example", "plain.example"])
def test_domain_alert_patterns_are_valid_and_read_back(domain: str) -> None:
    alert = Alert(domain, domain, "homoglyph", "vote.example.gov", "Office", 1, 0.9, "lookalike")
    objects = alert_objects(
        alert,
        created_by="identity--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061",
        tlp=TLP.AMBER,
        timestamp="2026-11-03T08:00:00.000Z",
    )
    (found,) = _indicators(objects)
    assert_valid(found["pattern"])
    assert observables_of(found["pattern"]) == [("domain-name", domain)]


def test_coordination_patterns_are_valid_and_read_back() -> None:
    accounts = ["o'brien", "back\\slash", "plain"]
    link = "http://example.com/it's\\here"
    cluster = Cluster(
        id=1, members=accounts, score=0.9, flagged=True, evidence_objects=2, evidence_units=3,
        mean_sync=0.8, signals={"co_link": 2}, first=0, last=60,
        top_evidence=[
            {"signal": "co_link", "object": link, "n": 3, "burst": 3},
            {"signal": "co_domain", "object": "it's.example", "n": 3, "burst": 3},
        ],
    )
    objects = cluster_to_stix(
        cluster,
        platform="twitter",
        created_by_ref="identity--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061",
        created="2026-11-03T08:00:00.000Z",
        source_name="test",
        marking_refs=[TLP.AMBER.marking_id],
    )
    read: list[tuple[str, str]] = []
    for found in _indicators(objects):
        assert_valid(found["pattern"])
        read += equality_comparisons(found["pattern"])
    for account in accounts:
        assert ("user-account:user_id", account) in read
    assert ("url:value", link) in read and ("domain-name:value", "it's.example") in read


def test_demo_patterns_are_valid_and_read_back(tmp_path: Path) -> None:
    """The demo with a data directory whose phishing list holds awkward values."""
    domains = tmp_path / "domains"
    domains.mkdir()
    awkward = ["it's-a-trap.example", "back\\slash.example", "plain.example"]
    (domains / "phishing-database-active-r-z.txt").write_text("\n".join(awkward) + "\n")
    (domains / "phishtank-2021-verified.csv").write_text(
        "url,target\nhttp://login.example/it's?a=\\b,PayPal\n"
    )
    (domains / "dotgov-current-full.csv").write_text(
        "Domain name,Domain type,State\nvote.example.gov,County - Election,NC\n"
    )
    store = Store.open(f"sqlite:///{tmp_path / 'demo.db'}")
    try:
        exchange = ExchangeService(store, Settings(database_url="sqlite://"))
        assert seed(store, exchange, tmp_path).real_data
        # the agency shared the URLs and reads the community's phishing domains
        agency = store.directory.user_by_name("federal-election-security-agency-analyst")
        principal = store.directory.principal_for_user(agency.id)
        rows = exchange.page(principal, ObjectQuery(types=("indicator",)), transport="test").rows
        values: set[str] = set()
        for row in rows:
            pattern = orjson.loads(row.body)["pattern"]
            assert_valid(pattern)
            values |= {value for _, value in observables_of(pattern)}
        assert set(awkward) <= values and "http://login.example/it's?a=\\b" in values
    finally:
        store.close()


def test_scenario_indicators_use_valid_patterns() -> None:
    assert_valid(indicator(7, seed="x")["pattern"])
