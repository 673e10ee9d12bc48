"""``warroom share`` and ``warroom export``: STIX files into and out of the exchange, through the
same ExchangeService (and so the same policy) as TAXII and REST."""

from __future__ import annotations

import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress
from rich.table import Table

from warroom.cli.common import (
    DatabaseOption,
    RecipientsOption,
    console,
    err_console,
    one_line_errors,
    open_exchange,
    principal_named,
)
from warroom.model.sharing import Recipients
from warroom.model.tlp import TLP
from warroom.services.bundles import label_unmarked, parse_stix_text, write_bundle
from warroom.storage.objects import ObjectQuery
from warroom.storage.store import Store


def parse_recipients(store: Store, targets: list[str]) -> Recipients:
    """``community``, ``org:NAME`` and ``group:NAME`` (repeatable); none means private."""
    community = False
    orgs: set[int] = set()
    groups: set[int] = set()
    for target in targets:
        kind, _, name = target.partition(":")
        if target == "community":
            community = True
        elif kind == "org" and name:
            orgs.add(store.directory.org_by_name(name).id)
        elif kind == "group" and name:
            groups.add(store.directory.group_by_name(name).id)
        else:
            raise ValueError(f"--to {target!r}: use community, org:NAME or group:NAME")
    return Recipients(community, frozenset(orgs), frozenset(groups))


@one_line_errors
def share(
    file: Annotated[
        str, typer.Argument(help="STIX bundle, JSON list or JSON lines; '-' for stdin.")
    ],
    as_user: Annotated[str, typer.Option("--as", help="Share as this user (and organisation).")],
    tlp: Annotated[
        str, typer.Option(help="clear, green, amber, amber+strict or red; labels unmarked objects.")
    ],
    to: RecipientsOption = None,
    anonymous: Annotated[
        bool, typer.Option(help="Hide your organisation from recipients.")
    ] = False,
    database_url: DatabaseOption = None,
) -> None:
    """Share STIX objects with chosen recipients: all of them are stored, or none."""
    label = TLP.parse(tlp)
    data = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
    objects = label_unmarked(parse_stix_text(data), label)
    _, store, exchange = open_exchange(database_url)
    principal = principal_named(store, as_user)
    recipients = parse_recipients(store, to or [])
    with (
        err_console.status(f"validating and storing {len(objects)} objects")
        if err_console.is_terminal
        else nullcontext()
    ):
        result = exchange.share(
            principal, objects, recipients, tlp=label, anonymous=anonymous, transport="cli"
        )
    stored = sum(1 for o in result.outcomes if o.stored)
    table = Table("objects", "stored", "already there", "TLP", "recipients")
    table.add_row(
        str(result.status.total_count),
        str(stored),
        str(result.status.success_count - stored),
        label.label,
        recipients.describe(),
    )
    console.print(table)


@one_line_errors
def export(
    as_user: Annotated[str, typer.Option("--as", help="Export what this user may read.")],
    type_: Annotated[
        list[str] | None, typer.Option("--type", help="Only these STIX types; repeatable.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option(help="Write the bundle here (default: stdout).")
    ] = None,
    database_url: DatabaseOption = None,
) -> None:
    """Write a STIX 2.1 bundle of the latest version of everything a user may read."""
    _, store, exchange = open_exchange(database_url)
    principal = principal_named(store, as_user)
    query = ObjectQuery(types=tuple(type_ or ()), limit=1000)
    total = exchange.count(principal, query)["total"] if output else 0
    if output is None:
        write_bundle(sys.stdout.buffer, exchange, principal, query)
        sys.stdout.flush()
        return
    with output.open("wb") as out, Progress(console=err_console) as progress:
        task = progress.add_task("exporting", total=total)
        count = write_bundle(
            out, exchange, principal, query, on_page=lambda n: progress.advance(task, n)
        )
    console.print(f"wrote {count} objects to {output}")
