"""What commands print: tables on a terminal; plain, complete lines when piped; JSON on request.

Why: ids and keys must be copyable. On a terminal a table is aligned columns at their natural
width (never cut with "…" nor folded; a long line wraps in the terminal); piped, every listing
is tab-separated text with a header line and nothing else on stdout (messages go to stderr),
never wrapped; ``--json`` gives a list of objects for scripts.
User data is never read as Rich markup."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table

console = Console(soft_wrap=True, markup=False, highlight=False)
err_console = Console(stderr=True, soft_wrap=True, markup=False, highlight=False)

JsonOption = Annotated[
    bool, typer.Option("--json", help="Print JSON (a list of objects) instead of a table.")
]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(str(v) for v in value)
    return str(value)


def _plain(value: Any) -> str:
    return " ".join(_cell(value).split("\t")).replace("\r", " ").replace("\n", " ")


def emit(
    rows: Sequence[dict[str, Any]],
    *,
    as_json: bool = False,
    columns: Sequence[str] | None = None,
    title: str | None = None,
) -> None:
    """Print ``rows`` (dicts with the same keys) as JSON, a table, or tab-separated lines."""
    keys = list(columns or (rows[0].keys() if rows else ()))
    if as_json:
        print(json.dumps([{k: row.get(k) for k in keys} for row in rows], indent=2,
                         ensure_ascii=False, default=str))
        return
    if console.is_terminal:
        table = Table(*(key.replace("_", " ") for key in keys), title=title, box=None,
                      pad_edge=False, header_style="bold")
        for column in table.columns:
            column.no_wrap = True
        for row in rows:
            table.add_row(*(_cell(row.get(k)) for k in keys))
        natural = Measurement.get(console, console.options.update_width(100_000), table).maximum
        wide = Console(file=console.file, width=max(natural, console.width), force_terminal=True,
                       color_system="auto", soft_wrap=True, markup=False,
                       highlight=False)
        wide.print(table, crop=False)
        return
    out = sys.stdout
    out.write("\t".join(keys) + "\n")
    for row in rows:
        out.write("\t".join(_plain(row.get(k)) for k in keys) + "\n")
    out.flush()


def say(message: str) -> None:
    """A message for the person at the terminal (stderr, so stdout stays data)."""
    err_console.print(message)


def result(message: str) -> None:
    """A line of result (stdout)."""
    console.print(message)
