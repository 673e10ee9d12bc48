"""Match a log or list against every indicator an organisation may read.

Why: matching is a read path like any other, so the indicators come from the exchange through
the policy (``ExchangeService.page``): an organisation matches against what was shared with
it, never against what it may not see. An indicator the matcher cannot use is not dropped in
silence: it is counted by reason, so "no match" is never mistaken for "nothing to match on"."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import orjson

from warroom.detectors.matching.matcher import IndicatorMatcher, Match, observables_of
from warroom.model.orgs import Principal
from warroom.services.exchange import ExchangeService
from warroom.storage.objects import ObjectQuery

# Why an indicator was not used (the keys of ``LoadedIndicators.ignored``).
REVOKED = "revoked"
NOT_STIX = "pattern_type {}"  # e.g. "pattern_type sigma": not a STIX pattern
NOTHING_TO_MATCH = "no URL, domain or IP equality in the pattern"
UNUSABLE_VALUES = "values that are not valid URLs, domains or IPs"


@dataclass
class LoadedIndicators:
    """The matcher over the usable indicators, and how many were used or ignored (why)."""

    matcher: IndicatorMatcher
    used: int = 0
    ignored: Counter[str] = field(default_factory=Counter)

    def ignored_text(self) -> str:
        """``"3 revoked, 1 pattern_type sigma"`` (largest first), or ``""``."""
        return ", ".join(f"{n:,} {reason}" for reason, n in self.ignored.most_common())


def _load(matcher: IndicatorMatcher, body: dict[str, object], ref: str) -> str | None:
    """Add one indicator to ``matcher``; the reason it was ignored, or None when used."""
    if body.get("revoked"):
        return REVOKED
    pattern_type = body.get("pattern_type", "stix")
    if pattern_type != "stix":
        return NOT_STIX.format(str(pattern_type)[:40])
    observables = observables_of(str(body.get("pattern", "")))
    if not observables:
        return NOTHING_TO_MATCH
    added = sum(matcher.add(kind, value, ref) for kind, value in observables)
    return None if added else UNUSABLE_VALUES


def visible_indicators(
    exchange: ExchangeService, principal: Principal, progress: Callable[[int], None] | None = None
) -> LoadedIndicators:
    """A matcher over the latest version of every indicator ``principal`` may read, with the
    count of indicators used and of those ignored, by reason."""
    loaded = LoadedIndicators(IndicatorMatcher())
    after: int | None = None
    while True:
        page = exchange.page(
            principal,
            ObjectQuery(types=("indicator",), after=after, limit=5000),
            transport="match",
        )
        for row in page.rows:
            reason = _load(loaded.matcher, orjson.loads(row.body), row.stix_id)
            if reason is None:
                loaded.used += 1
            else:
                loaded.ignored[reason] += 1
        if progress is not None:
            progress(len(page.rows))
        after = page.next_after
        if after is None:
            return loaded


def match_lines(matcher: IndicatorMatcher, lines: Iterable[str]) -> Iterator[tuple[int, Match]]:
    """(line number, match) for every match in ``lines`` (numbered from 1)."""
    for number, line in enumerate(lines, start=1):
        for hit in matcher.match_text(line):
            yield number, hit


def as_dict(number: int, hit: Match) -> dict[str, object]:
    return {"line": number, **dataclasses.asdict(hit)}
