"""Match a log or list against every indicator an organisation may read.

Why: matching is a read path like any other, so the indicators come from the exchange through
the policy (``ExchangeService.page``): an organisation matches against what was shared with
it, never against what it may not see."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator

import orjson

from warroom.detectors.matching.matcher import IndicatorMatcher, Match
from warroom.model.orgs import Principal
from warroom.services.exchange import ExchangeService
from warroom.storage.objects import ObjectQuery


def visible_indicators(
    exchange: ExchangeService, principal: Principal, progress: Callable[[int], None] | None = None
) -> IndicatorMatcher:
    """A matcher over the latest version of every indicator ``principal`` may read."""
    matcher = IndicatorMatcher()
    after: int | None = None
    while True:
        page = exchange.page(
            principal,
            ObjectQuery(types=("indicator",), after=after, limit=5000),
            transport="match",
        )
        for row in page.rows:
            body = orjson.loads(row.body)
            if body.get("pattern_type", "stix") == "stix" and not body.get("revoked"):
                matcher.add_pattern(str(body.get("pattern", "")), row.stix_id)
        if progress is not None:
            progress(len(page.rows))
        after = page.next_after
        if after is None:
            return matcher


def match_lines(matcher: IndicatorMatcher, lines: Iterable[str]) -> Iterator[tuple[int, Match]]:
    """(line number, match) for every match in ``lines`` (numbered from 1)."""
    for number, line in enumerate(lines, start=1):
        for hit in matcher.match_text(line):
            yield number, hit


def as_dict(number: int, hit: Match) -> dict[str, object]:
    return {"line": number, **dataclasses.asdict(hit)}
