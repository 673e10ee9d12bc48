"""``warroom match``: URLs, domains and IPs in a log or list against every indicator the user
may read (through the exchange's policy, like every other read)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from warroom.cli.common import (
    DatabaseOption,
    check_output,
    one_line_errors,
    open_exchange,
    write_rows,
)
from warroom.cli.names import principal_named
from warroom.cli.output import JsonOption, console, emit, say
from warroom.cli.progress import progress_bar
from warroom.services.matching import as_dict, match_lines, visible_indicators
from warroom.storage.objects import ObjectQuery

SHOWN_ON_A_TERMINAL = 50


@one_line_errors
def match(
    file: Annotated[
        str,
        typer.Argument(
            metavar="FILE", help="A log or list of URLs, domains and IPs; '-' for stdin."
        ),
    ],
    as_user: Annotated[
        str, typer.Option("--as", metavar="USER", help="Match against what this user may read.")
    ],
    report: Annotated[
        Path | None,
        typer.Option(metavar="PATH", help="Write the matches as CSV (.csv) or JSON (.json)."),
    ] = None,
    database_url: DatabaseOption = None,
    json_output: JsonOption = False,
) -> None:
    """Match URLs, domains and IPs in a file against every indicator visible to you."""
    if file != "-" and not Path(file).is_file():
        raise ValueError(f"no such file: {file}" if not Path(file).exists() else
                         f"{file} is not a file")
    check_output(report)
    _, store, exchange = open_exchange(database_url)
    principal = principal_named(store, as_user)
    total = exchange.count(principal, ObjectQuery(types=("indicator",)))["total"]
    with progress_bar("loading indicators", total) as bar:
        indicators = visible_indicators(exchange, principal, progress=bar.advance)
    matcher = indicators.matcher
    if file == "-":
        hits = [as_dict(n, m) for n, m in match_lines(matcher, sys.stdin)]
    else:
        path = Path(file)
        with (
            path.open("rb") as raw,
            progress_bar(f"matching {path.name}", path.stat().st_size, unit="bytes") as bar,
        ):
            lines = (line.decode("utf-8", errors="replace") for line in bar.reader(raw))
            hits = [as_dict(n, m) for n, m in match_lines(matcher, lines)]
    if report is not None:
        write_rows(report, hits)
    terminal = console.is_terminal and not json_output
    shown = hits[:SHOWN_ON_A_TERMINAL] if terminal else hits
    emit(shown, as_json=json_output, columns=("line", "observable", "kind", "indicator", "ref"))
    more = f" (first {len(shown)} shown)" if len(shown) < len(hits) else ""
    say(f"{len(hits):,} matches against {matcher.size:,} indicator values of "
        f"{indicators.used:,} indicators{more}")
    if indicators.ignored:
        say(f"{sum(indicators.ignored.values()):,} indicators could not be used: "
            + indicators.ignored_text())
