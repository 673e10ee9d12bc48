"""The domain-lookalike detector: scores one name against the asset index and explains why.

Why: a new domain is only worth an analyst's minute when it plausibly imitates something an
organisation protects. Each alert names the class of imitation (homoglyph, typo classes,
TLD swap, combosquat, subdomain impersonation, dot insertion), the protected asset, the edit
distance and a score, so the person reading it can judge it without re-deriving it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from typing import Protocol

from rapidfuzz.distance import OSA

from warroom.detectors.base import Finding
from warroom.detectors.domains.classify import classify_edit
from warroom.detectors.domains.confusables import skeleton
from warroom.detectors.domains.index import (
    MIN_FUZZY_LENGTH,
    MIN_INNER_LABEL,
    AssetIndex,
    set_off,
)
from warroom.detectors.domains.names import DomainName, InvalidDomain, parse_domain
from warroom.detectors.domains.words import ELECTION_WORDS, LURE_WORDS

BASE_SCORE = {
    "homoglyph": 0.9,
    "idn-homoglyph": 0.95,
    "tld-swap": 0.85,
    "dot-insertion": 0.8,
    "subdomain-impersonation": 0.8,
    "transposition": 0.8,
    "vowel-swap": 0.8,
    "omission": 0.75,
    "repetition": 0.75,
    "hyphenation": 0.75,
    "keyboard": 0.75,
    "insertion": 0.7,
    "replacement": 0.65,
    "bitsquat": 0.6,
    "combosquat": 0.7,  # +0.05 with lure words around a protected label
}
CLASSES = tuple(BASE_SCORE)


@dataclass(frozen=True)
class Alert:
    """A candidate domain that imitates a protected asset, with the evidence."""

    domain: str  # as seen (ASCII / punycode form)
    unicode: str
    kind: str
    asset_domain: str
    organisation: str
    distance: int
    score: float
    detail: str

    def as_finding(self) -> Finding:
        return Finding(
            detector=DomainWatch.name,
            subject=self.domain,
            kind=self.kind,
            score=self.score,
            evidence=asdict(self),
        )


class DomainWatch:
    """Scores domains against protected assets. ``stats`` counts what was seen, skipped (with
    the reason) and alerted."""

    name = "domain_lookalike"

    def __init__(self, index: AssetIndex) -> None:
        self.index = index
        self.stats: Counter[str] = Counter()
        self.invalid_reasons: Counter[str] = Counter()

    def detect(self, items: Iterable[str]) -> Iterator[Finding]:
        for alert in self.scan(items):
            yield alert.as_finding()

    def scan(self, names: Iterable[str]) -> Iterator[Alert]:
        for raw in names:
            self.stats["seen"] += 1
            try:
                name = parse_domain(raw)
            except InvalidDomain as exc:
                self.stats["invalid"] += 1
                self.invalid_reasons[exc.reason] += 1
                continue
            alert = self.score(name)
            if alert is not None:
                self.stats["alerts"] += 1
                yield alert

    def check(self, raw: str) -> Alert | None:
        """Score one name given as text (raises InvalidDomain for what is not a name)."""
        return self.score(parse_domain(raw))

    def score(self, name: DomainName) -> Alert | None:
        index = self.index
        if name.registrable_ascii in index.allowlist:
            self.stats["allowlisted"] += 1
            return None
        label = name.label
        sk = skeleton(label)
        best: tuple[float, str, int, int] | None = None  # score, kind, distance, asset

        def offer(kind: str, distance: int, asset: int, bonus: float = 0.0) -> None:
            nonlocal best
            value = round(min(1.0, BASE_SCORE[kind] + bonus), 3)
            if best is None or value > best[0]:
                best = (value, kind, distance, asset)

        for i in index.near(sk):
            asset_sk = index.skeletons[i]
            asset = index.assets[i]
            if asset_sk == sk:
                if label == asset.label:
                    offer("tld-swap", 0, i)
                else:
                    offer("idn-homoglyph" if name.is_idn else "homoglyph", 0, i)
                continue
            if len(asset_sk) < MIN_FUZZY_LENGTH or OSA.distance(sk, asset_sk) > 1:
                continue
            kind = classify_edit(label, asset.label)
            if name.is_idn:
                kind = "idn-homoglyph"
            elif kind is None:  # one edit apart only once read: a look-alike and a typo
                if OSA.distance(label, asset.label) > 2:
                    continue
                kind = "homoglyph"
            offer(kind, 1, i, bonus=min(0.1, (len(asset_sk) - MIN_FUZZY_LENGTH) * 0.01))
        if "-" in sk:  # a typo of a protected label as one part: instagarm-es-mx
            self._typo_in_parts(sk, offer)
        if name.subdomain:
            self._subdomain_checks(name, sk, offer)
        if best is None or best[0] < BASE_SCORE["combosquat"] + 0.05:
            self._combosquat(sk, offer)
        if best is None:
            return None
        value, kind, distance, i = best
        asset = index.assets[i]
        return Alert(
            domain=name.ascii,
            unicode=name.unicode,
            kind=kind,
            asset_domain=asset.domain,
            organisation=asset.organisation,
            distance=distance,
            score=value,
            detail=_explain(kind, name, asset.domain, distance),
        )

    def _subdomain_checks(self, name: DomainName, sk: str, offer: _Offer) -> None:
        index = self.index
        joined = skeleton(name.subdomain[-1]) + sk  # mari.copa.gov -> maricopa
        for i in index.by_skeleton.get(joined, ()):
            offer("dot-insertion", 1, i)
        for part in name.subdomain:
            psk = skeleton(part)
            for i in index.by_skeleton.get(psk, ()):
                if len(psk) >= MIN_FUZZY_LENGTH - 1:
                    offer("subdomain-impersonation", 0, i)
            for hit in index.token_hits(psk):
                if (
                    hit.token == psk
                    or len(hit.token) >= MIN_INNER_LABEL
                    or _lure_words(psk, hit.start, hit.end) is not None
                ):
                    for i in hit.labels:
                        offer("subdomain-impersonation", 0, i, bonus=-0.1)

    def _combosquat(self, sk: str, offer: _Offer) -> None:
        for hit in self.index.token_hits(sk):
            if hit.token == sk:
                continue
            words = _lure_words(sk, hit.start, hit.end)
            lured = words is not None
            # a protected label inside a longer one: paypal-verify, xfacebook2; a short label
            # must be set off (``malibu22``, not ``malibuchimney``) or come with lure words
            if hit.labels and (
                lured or len(hit.token) >= MIN_INNER_LABEL or set_off(sk, hit.start, hit.end)
            ):
                for i in hit.labels:
                    offer("combosquat", 0, i, bonus=0.05 if lured else -0.05)
            # a name token (a place) only next to an election word
            if hit.names and words is not None and not ELECTION_WORDS.isdisjoint(words):
                for i in hit.names:
                    offer("combosquat", 0, i, bonus=-0.05)

    def _typo_in_parts(self, sk: str, offer: _Offer) -> None:
        index = self.index
        for part in sk.split("-"):
            if len(part) < MIN_INNER_LABEL - 1:
                continue
            for i in index.near(part):
                asset_sk = index.skeletons[i]
                if len(asset_sk) >= MIN_INNER_LABEL and OSA.distance(part, asset_sk) <= 1:
                    offer("combosquat", 1, i, bonus=-0.05)


class _Offer(Protocol):  # the signature of DomainWatch.score's local ``offer``
    def __call__(self, kind: str, distance: int, asset: int, bonus: float = 0.0) -> None: ...


def _lure_words(sk: str, start: int, end: int) -> list[str] | None:
    """The lure words surrounding a brand token at sk[start:end], or None when what surrounds
    it is not made only of lure words, digits and hyphens."""
    rest = sk[:start] + "-" + sk[end:]
    words: list[str] = []
    for part in rest.replace("_", "-").split("-"):
        if not part or part.isdigit():
            continue
        found = _segment_into_lures(part)
        if found is None:
            return None
        words.extend(found)
    return words


def _segment_into_lures(text: str) -> list[str] | None:
    """``text`` split into lure words and numbers (``voteonline2026``), or None."""
    n = len(text)
    back: list[int | None] = [None] * (n + 1)
    back[0] = 0
    for i in range(n):
        if back[i] is None:
            continue
        if text[i].isdigit():
            j = i
            while j < n and text[j].isdigit():
                j += 1
            if back[j] is None:
                back[j] = i
            continue
        for j in range(i + 2, min(n, i + 14) + 1):
            if back[j] is None and text[i:j] in LURE_WORDS:
                back[j] = i
    if back[n] is None:
        return None
    words = []
    j = n
    while j > 0:
        start = back[j]
        assert start is not None
        words.append(text[start:j])
        j = start
    return words[::-1]


def _explain(kind: str, name: DomainName, asset: str, distance: int) -> str:
    what = {
        "homoglyph": "looks the same as",
        "idn-homoglyph": "uses look-alike Unicode letters to read as",
        "tld-swap": "has the same name under another suffix as",
        "dot-insertion": "splits with a dot the name of",
        "subdomain-impersonation": "puts in its subdomain the name of",
        "combosquat": "adds lure words to the name of",
    }.get(kind, f"is one edit ({kind}) away from")
    shown = name.unicode if name.is_idn else name.ascii
    return f"{shown} {what} {asset}" + (f" (distance {distance})" if distance else "")
