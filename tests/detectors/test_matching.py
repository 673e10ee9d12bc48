"""Indicator matching: canonical URLs (property tests), suffix and CIDR matching, and the
``warroom match`` command reading only what the user may see."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from warroom.cli.main import app
from warroom.detectors.matching.canonical import canonical_url, ipv4_int
from warroom.detectors.matching.matcher import IndicatorMatcher, observables_of

URL_CHARS = st.sampled_from("abcXYZ019/.-_~%?#:@!$&'()*+,;= \t")


@settings(max_examples=2000, deadline=None)
@given(st.text(URL_CHARS, max_size=60), st.sampled_from(["", "http://", "HTTPS://", "ftp://"]))
def test_canonical_url_is_idempotent_and_never_raises(rest: str, scheme: str) -> None:
    first = canonical_url(scheme + "Example.COM" + ("/" if rest[:1] not in "/?#" else "") + rest)
    assert first is not None
    assert canonical_url(first) == first
    assert (
        "#" not in first and " " not in first and first.split("://", 1)[1].startswith("example.com")
    )


@given(st.text(max_size=20))
def test_ipv4_parser_agrees_with_the_standard_library(text: str) -> None:
    import ipaddress

    try:
        expected: int | None = int(ipaddress.IPv4Address(text))
    except ValueError:
        expected = None
    got = ipv4_int(text)
    if expected is None:
        assert got is None or text.count(".") == 3  # leading zeros are refused by ipaddress only
    else:
        assert got == expected


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("HTTP://Evil.COM:80/a/./b/../c#frag", "http://evil.com/a/c"),
        ("evil.com", "http://evil.com/"),
        ("http://evil.com/%2541", "http://evil.com/A"),
        ("https://evil.com:8443//a//b/?q=1 2", "https://evil.com:8443/a/b/?q=1%202"),
        ("http://user:pw@evil.com./x", "http://evil.com/x"),
    ],
)
def test_canonical_urls(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical


def test_patterns_and_matches() -> None:
    pattern = (
        "[domain-name:value = 'evil.com'] OR [url:value = 'http://bad.org/login/'] OR "
        "[ipv4-addr:value = '10.1.0.0/16'] OR [ipv4-addr:value = '10.1.2.3'] OR "
        "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']"
    )
    assert len(observables_of(pattern)) == 4
    matcher = IndicatorMatcher()
    assert matcher.add_pattern(pattern, "indicator--1") == 4
    line = "GET http://BAD.org/./login/form?a=1 from 10.1.2.3, 10.1.9.9 via sub.evil.com; ok.com"
    found = {(m.observable, m.kind, m.indicator) for m in matcher.match_text(line)}
    assert found == {
        ("http://bad.org/login/form?a=1", "url", "http://bad.org/login/"),
        ("10.1.2.3", "ipv4", "10.1.2.3"),
        ("10.1.9.9", "ipv4", "10.1.0.0/16"),
        ("sub.evil.com", "domain", "evil.com"),
    }
    assert matcher.match_text("notevil.com 10.2.0.1 http://bad.org/logout") == []
    assert list(matcher.match_domains(["a.b.evil.com", "evil.co"])) == ["indicator--1", None]


def test_match_command_sees_only_what_the_user_may_read(
    database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("WARROOM_DATABASE_URL", database_url)
    runner = CliRunner()
    run = lambda *a: runner.invoke(app, list(a))  # noqa: E731
    assert run("init", "--org", "Host", "--admin", "root").exit_code == 0
    for org, user in (("County", "clerk"), ("Platform", "analyst"), ("Agency", "agent")):
        assert run("org", "add", org).exit_code == 0
        assert run("user", "add", user, "--org", org, "--role", "analyst").exit_code == 0

    def indicator(n: int, pattern: str) -> dict[str, str]:
        return {
            "type": "indicator",
            "spec_version": "2.1",
            "id": f"indicator--00000000-0000-4000-8000-00000000000{n}",
            "created": "2026-10-01T00:00:00.000Z",
            "modified": "2026-10-01T00:00:00.000Z",
            "pattern": pattern,
            "pattern_type": "stix",
            "valid_from": "2026-10-01T00:00:00Z",
        }

    shared = tmp_path / "shared.json"
    shared.write_text(json.dumps([indicator(1, "[domain-name:value = 'evil-vote.com']")]))
    secret = tmp_path / "secret.json"
    secret.write_text(json.dumps([indicator(2, "[ipv4-addr:value = '203.0.113.0/24']")]))
    assert (
        run("share", str(shared), "--as", "agent", "--tlp", "amber", "--to", "org:County").exit_code
        == 0
    )
    assert (
        run("share", str(secret), "--as", "agent", "--tlp", "red", "--to", "org:Platform").exit_code
        == 0
    )
    log = tmp_path / "access.log"
    log.write_text(
        "GET https://login.evil-vote.com/ballot from 203.0.113.7\nGET /ok from 10.0.0.1\n"
    )
    report = tmp_path / "matches.json"
    result = run("match", str(log), "--as", "clerk", "--report", str(report))
    assert result.exit_code == 0, result.output
    assert [(m["line"], m["indicator"]) for m in json.loads(report.read_text())] == [
        (1, "evil-vote.com")
    ]
    result = run("match", str(log), "--as", "analyst", "--report", str(report))
    assert [(m["line"], m["indicator"]) for m in json.loads(report.read_text())] == [
        (1, "203.0.113.0/24")
    ]
    assert run("match", str(tmp_path / "none.log"), "--as", "clerk").exit_code == 1
