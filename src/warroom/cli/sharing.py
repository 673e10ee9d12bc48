"""``warroom share`` and ``warroom export``: STIX files into and out of the exchange, through the
same ExchangeService (and so the same policy) as TAXII and REST."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Annotated

import typer

from warroom.cli.common import (
    DatabaseOption,
    RecipientsOption,
    check_output,
    one_line_errors,
    open_exchange,
)
from warroom.cli.names import principal_named, recipients_named
from warroom.cli.output import result
from warroom.cli.progress import progress_bar
from warroom.model.tlp import TLP
from warroom.services.bundles import label_unmarked, parse_stix_text, write_bundle
from warroom.storage.objects import ObjectQuery

STIX_TYPE = re.compile(r"^[a-z0-9][a-z0-9-]{1,248}[a-z0-9]$")
TlpOption = Annotated[
    str,
    typer.Option(
        metavar="TLP", help="clear, green, amber, amber+strict or red; labels unmarked objects."
    ),
]
AsUser = Annotated[
    str, typer.Option("--as", metavar="USER", help="Act as this user (and organisation).")
]


def read_input(file: str) -> bytes:
    """A file's bytes ('-': stdin), with a progress bar by size on a terminal."""
    if file == "-":
        return sys.stdin.buffer.read()
    path = Path(file)
    size = path.stat().st_size
    chunks = []
    with path.open("rb") as handle, progress_bar(f"reading {path.name}", size, unit="bytes") as bar:
        while chunk := handle.read(1 << 20):
            chunks.append(chunk)
            bar.advance(len(chunk))
    return b"".join(chunks)


@one_line_errors
def share(
    file: Annotated[
        str,
        typer.Argument(
            metavar="FILE", help="STIX bundle, JSON list or JSON lines; '-' for stdin."
        ),
    ],
    as_user: AsUser,
    tlp: TlpOption,
    to: RecipientsOption = None,
    anonymous: Annotated[
        bool, typer.Option(help="Hide your organisation from recipients.")
    ] = False,
    database_url: DatabaseOption = None,
) -> None:
    """Share STIX objects with chosen recipients: all of them are stored, or none."""
    label = TLP.parse(tlp)
    _, store, exchange = open_exchange(database_url)
    principal = principal_named(store, as_user)
    recipients = recipients_named(store, to or [], principal)
    objects = label_unmarked(parse_stix_text(read_input(file)), label)
    with progress_bar(f"validating and storing {len(objects):,} objects"):
        outcome = exchange.share(
            principal, objects, recipients, tlp=label, anonymous=anonymous, transport="cli"
        )
    stored = sum(1 for o in outcome.outcomes if o.stored)
    already = outcome.status.success_count - stored
    result(
        f"shared {outcome.status.total_count} objects at {label.label} with "
        f"{', '.join(to or []) or 'your organisation only'}: {stored} stored, "
        f"{already} already there"
    )


@one_line_errors
def export(
    as_user: Annotated[
        str, typer.Option("--as", metavar="USER", help="Export what this user may read.")
    ],
    type_: Annotated[
        list[str] | None,
        typer.Option("--type", metavar="STIX_TYPE", help="Only these STIX types; repeatable."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option(metavar="PATH", help="Write the bundle here (default: stdout).")
    ] = None,
    database_url: DatabaseOption = None,
) -> None:
    """Write a STIX 2.1 bundle of the latest version of everything a user may read."""
    for name in type_ or ():
        if not STIX_TYPE.match(name):
            raise ValueError(f"--type {name!r} is not a STIX type name (e.g. indicator)")
    check_output(output)
    _, store, exchange = open_exchange(database_url)
    principal = principal_named(store, as_user)
    query = ObjectQuery(types=tuple(type_ or ()), limit=1000)
    if output is None:
        write_bundle(sys.stdout.buffer, exchange, principal, query)
        sys.stdout.flush()
        return
    total = exchange.count(principal, query)["total"]
    with output.open("wb") as out, progress_bar("exporting", total) as bar:
        count = write_bundle(out, exchange, principal, query, on_page=bar.advance)
    result(f"wrote {count} objects to {output}")
