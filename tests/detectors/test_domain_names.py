"""Parsing names from the wild: anything in, a DomainName or InvalidDomain out (property
tests), and the lookalike classes on hand-made names."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from warroom.detectors.domains.assets import asset
from warroom.detectors.domains.classify import classify_edit
from warroom.detectors.domains.confusables import skeleton
from warroom.detectors.domains.detector import DomainWatch
from warroom.detectors.domains.index import AssetIndex
from warroom.detectors.domains.names import InvalidDomain, parse_domain

LABEL = st.text(
    st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789-аеоіα"), min_size=1, max_size=70
)
NAMES = st.one_of(
    st.text(max_size=300),
    st.lists(LABEL, min_size=1, max_size=6).map(".".join),
    st.lists(LABEL, min_size=1, max_size=3).map(lambda ls: "*." + ".".join(ls) + ".com."),
)


@settings(max_examples=3000, deadline=None)
@given(NAMES)
def test_parse_gives_a_name_or_invalid_domain_never_another_error(raw: str) -> None:
    try:
        name = parse_domain(raw)
    except InvalidDomain as exc:
        assert exc.reason and str(exc)
        return
    assert len(name.ascii) <= 253 and name.ascii.isascii()
    assert parse_domain(name.ascii) == name  # the ASCII form parses back to the same name
    assert name.unicode.endswith(name.registrable)
    assert name.registrable_ascii == name.ascii or name.ascii.endswith("." + name.registrable_ascii)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "empty"),
        ("localhost", "no suffix"),
        ("co.uk", "public suffix"),
        ("a..com", "empty label"),
        ("x" * 64 + ".com", "label too long"),
        (("a" * 60 + ".") * 5 + "com", "too long"),
        ("bad name.com", "bad characters"),
        ("xn--zz.com", "bad punycode"),
    ],
)
def test_invalid_names_say_why(raw: str, reason: str) -> None:
    with pytest.raises(InvalidDomain) as info:
        parse_domain(raw)
    assert info.value.reason == reason


def test_idna_and_public_suffix() -> None:
    name = parse_domain("*.Login.XN--MRICOPA-2FG.co.uk.")
    assert name.label == "mаricopa" and name.suffix == "co.uk" and name.subdomain == ("login",)
    assert parse_domain("paypal-verify.github.io").label == "paypal-verify"  # private suffix


def test_skeletons_make_lookalikes_meet() -> None:
    assert skeleton("maricopa") == skeleton("rnaricopa") == skeleton("mаricopa")  # Cyrillic а
    assert skeleton("marìcopa") == skeleton("maricopa")
    assert skeleton("vvashington") == skeleton("washington")
    assert skeleton("maricopa") != skeleton("marion")


@pytest.mark.parametrize(
    ("candidate", "kind"),
    [
        ("maricpa", "omission"),
        ("marixcopa", "insertion"),
        ("mariccopa", "repetition"),
        ("mari-copa", "hyphenation"),
        ("maricipa", "vowel-swap"),
        ("maricopm", "replacement"),
        ("maricops", "keyboard"),
        ("amricopa", "transposition"),
        ("marigopa", "bitsquat"),
        ("maricopa", None),
        ("mxricxpa", None),
    ],
)
def test_edit_classes(candidate: str, kind: str | None) -> None:
    assert classify_edit(candidate, "maricopa") == kind


@pytest.fixture(scope="module")
def watch() -> DomainWatch:
    assets = [
        asset("Maricopa County Elections", "maricopa.vote", ["maricopa"]),
        asset("Jane Doe for Senate", "janedoe2026.com", ["janedoe"], ["janedoe.org"]),
        asset("Town of Ely", "ely.gov"),
    ]
    return DomainWatch(AssetIndex(assets, allowlist={"maricopa.gov"}))


@pytest.mark.parametrize(
    ("domain", "kind", "asset_domain"),
    [
        ("maricopa.com", "tld-swap", "maricopa.vote"),
        ("xn--mricopa-2fg.vote", "idn-homoglyph", "maricopa.vote"),
        ("rnaricopa.net", "homoglyph", "maricopa.vote"),
        ("maricpoa.net", "transposition", "maricopa.vote"),
        ("maricopavote-2026.com", "combosquat", "maricopa.vote"),
        ("janedoe-donate.com", "combosquat", "janedoe2026.com"),
        ("maricopa.vote.evil-host.net", "subdomain-impersonation", "maricopa.vote"),
        ("marico.pa.vote", "dot-insertion", "maricopa.vote"),
        ("janedoe2O26.com", "homoglyph", "janedoe2026.com"),
    ],
)
def test_lookalikes_are_alerted_with_their_class(
    watch: DomainWatch, domain: str, kind: str, asset_domain: str
) -> None:
    alert = watch.check(domain)
    assert alert is not None, domain
    assert (alert.kind, alert.asset_domain) == (kind, asset_domain)
    assert 0 < alert.score <= 1 and alert.detail


@pytest.mark.parametrize(
    "domain",
    [
        "maricopa.vote",  # the asset itself
        "www.janedoe.org",  # owned
        "maricopa.gov",  # allowlisted
        "elyria.com",  # a short name only counts as a whole part
        "marion.com",
        "weather.com",
        "janedoe-recipes-and-knitting-club.com".replace("janedoe", "jane"),
    ],
)
def test_ordinary_names_are_not_alerted(watch: DomainWatch, domain: str) -> None:
    assert watch.check(domain) is None


def test_a_stream_with_garbage_is_counted_not_fatal() -> None:
    watch = DomainWatch(AssetIndex([asset("Maricopa", "maricopa.vote")]))
    names = ["maricopa.com", "", "not a name", "x" * 300, "\x00.com", "a..b", "ok.example"]
    alerts = list(watch.scan(names))
    assert [a.domain for a in alerts] == ["maricopa.com"]
    assert watch.stats["seen"] == 7 and watch.stats["invalid"] == 5
    assert sum(watch.invalid_reasons.values()) == 5


@pytest.mark.parametrize(
    ("name", "suffix"),
    [
        ("a.b.co.uk", "co.uk"),
        ("foo.blogspot.com", "blogspot.com"),  # private section
        ("x.y.kawasaki.jp", "y.kawasaki.jp"),  # wildcard rule *.kawasaki.jp
        ("a.city.kawasaki.jp", "kawasaki.jp"),  # exception rule !city.kawasaki.jp
        ("a.www.ck", "ck"),  # exception under a wildcard TLD
        ("evil.unlistedtld", "unlistedtld"),  # the default rule *
        ("xn--fiqs8s.xn--fiqs8s", "xn--fiqs8s"),  # IDN TLD (中国)
    ],
)
def test_public_suffixes_follow_the_list_algorithm(name: str, suffix: str) -> None:
    from warroom.detectors.domains.suffixes import public_suffixes

    assert public_suffixes().suffix(name) == suffix
