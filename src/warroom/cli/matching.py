"""``warroom match``: URLs, domains and IPs in a log or list against every indicator the user
may read (through the exchange's policy, like every other read)."""

from __future__ import annotations

import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from warroom.cli.common import (
    DatabaseOption,
    console,
    err_console,
    one_line_errors,
    open_exchange,
    principal_named,
    write_rows,
)
from warroom.services.matching import as_dict, match_lines, visible_indicators


@one_line_errors
def match(
    file: Annotated[
        str, typer.Argument(help="A log or list of URLs, domains and IPs; '-' for stdin.")
    ],
    as_user: Annotated[str, typer.Option("--as", help="Match against what this user may read.")],
    report: Annotated[
        Path | None, typer.Option(help="Write the matches as CSV (.csv) or JSON (.json).")
    ] = None,
    database_url: DatabaseOption = None,
) -> None:
    """Match URLs, domains and IPs in a file against every indicator visible to you."""
    _, store, exchange = open_exchange(database_url)
    principal = principal_named(store, as_user)
    with err_console.status("loading indicators") if err_console.is_terminal else nullcontext():
        indicators = visible_indicators(exchange, principal)
    matcher = indicators.matcher
    if file == "-":
        hits = [as_dict(n, m) for n, m in match_lines(matcher, sys.stdin)]
    else:
        with Path(file).open(encoding="utf-8", errors="replace") as handle:
            hits = [as_dict(n, m) for n, m in match_lines(matcher, handle)]
    if report is not None:
        write_rows(report, hits)
    table = Table("line", "observable", "kind", "indicator", "id")
    for hit in hits[:50]:
        table.add_row(
            str(hit["line"]),
            str(hit["observable"]),
            str(hit["kind"]),
            str(hit["indicator"]),
            str(hit["ref"]),
        )
    console.print(table)
    console.print(
        f"{len(hits):,} matches against {matcher.size:,} indicator values"
        f" of {indicators.used:,} indicators"
        + (" (first 50 shown)" if len(hits) > 50 else "")
    )
    if indicators.ignored:
        console.print(
            f"{sum(indicators.ignored.values()):,} indicators could not be used: "
            + indicators.ignored_text(),
            markup=False,  # a pattern_type is whatever a sharer wrote
        )
