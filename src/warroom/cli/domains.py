"""``warroom domains``: protected assets and the lookalike watch.

Why: an election office or campaign registers what it protects once (``assets import``), then
watches new-registration files or certificate streams (``watch``), and every alert is shared
with the chosen recipients — or written as STIX bundles when there is no exchange to share to."""

from __future__ import annotations

import dataclasses
import sys
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from warroom.cli.common import (
    DatabaseOption,
    RecipientsOption,
    console,
    err_console,
    one_line_errors,
    open_exchange,
    principal_named,
    write_rows,
)
from warroom.cli.sharing import parse_recipients
from warroom.detectors.domains.detector import DomainWatch
from warroom.detectors.domains.sources import open_source
from warroom.model.tlp import TLP
from warroom.services import domain_watch as service

domains_app = typer.Typer(help="Lookalike and phishing domains aimed at protected assets.")
assets_app = typer.Typer(help="The domains and names organisations protect.")
domains_app.add_typer(assets_app, name="assets")


@one_line_errors
def assets_import(
    file: Annotated[Path, typer.Argument(help="A CSV of assets, or CISA's dotgov-data CSV.")],
    org: Annotated[str, typer.Option(help="The organisation that protects them.")],
    dotgov: Annotated[
        bool,
        typer.Option(
            help="FILE is CISA's .gov list: import its election offices and allowlist "
            "every registered .gov domain."
        ),
    ] = False,
    all_types: Annotated[
        bool, typer.Option(help="With --dotgov: every .gov domain, not only election offices.")
    ] = False,
    database_url: DatabaseOption = None,
) -> None:
    """Import protected assets (CSV columns: organisation, domain, tokens, owned)."""
    _, store, _ = open_exchange(database_url)
    organisation = store.directory.org_by_name(org)
    saved, allowed = service.import_assets(
        store, organisation.id, file, dotgov=dotgov, election_only=not all_types
    )
    console.print(f"{saved} assets saved for {organisation.name}; {allowed} domains allowlisted")


@one_line_errors
def assets_list(
    org: Annotated[str | None, typer.Option(help="Only this organisation's assets.")] = None,
    database_url: DatabaseOption = None,
) -> None:
    """List protected assets."""
    _, store, _ = open_exchange(database_url)
    org_ids = [store.directory.org_by_name(org).id] if org else None
    names = {o.id: o.name for o in store.directory.list_orgs()}
    table = Table("organisation", "domain", "protects", "tokens")
    for a in store.domain_assets.load(org_ids):
        table.add_row(names.get(a.org_id, "?"), a.domain, a.owner_name, " ".join(a.tokens))
    console.print(table)


@one_line_errors
def watch(
    source: Annotated[
        str,
        typer.Argument(
            help="nrd:FILE.parquet, certstream:FILE.jsonl, list:FILE, or '-' for names on stdin."
        ),
    ],
    as_user: Annotated[
        str | None, typer.Option("--as", help="Share alerts as this user (and organisation).")
    ] = None,
    tlp: Annotated[str, typer.Option(help="TLP of the shared alerts.")] = "amber",
    to: RecipientsOption = None,
    org: Annotated[
        list[str] | None,
        typer.Option(help="Watch the assets of these organisations (default: all)."),
    ] = None,
    output_dir: Annotated[
        Path | None, typer.Option(help="Also write each batch's alerts as a STIX bundle here.")
    ] = None,
    report: Annotated[
        Path | None, typer.Option(help="Write the alerts as CSV (.csv) or JSON (.json).")
    ] = None,
    checkpoint: Annotated[
        Path | None,
        typer.Option(
            help="Resume from and record progress in this file (stop and resume "
            "without losing or repeating alerts)."
        ),
    ] = None,
    batch_size: Annotated[int, typer.Option(min=1)] = 10_000,
    database_url: DatabaseOption = None,
) -> None:
    """Watch a stream of new domains for lookalikes of protected assets."""
    if as_user is None and output_dir is None and report is None:
        raise ValueError("say where alerts go: --as USER (share), --output-dir or --report")
    _, store, exchange = open_exchange(database_url)
    org_ids = [store.directory.org_by_name(o).id for o in org] if org else None
    index = service.build_index(store, org_ids)
    if not len(index):
        raise ValueError("no protected assets: run 'warroom domains assets import' first")
    principal = principal_named(store, as_user) if as_user else None
    created_by = (
        store.directory.get_org(principal.org_id).identity_id
        if principal
        else exchange.anonymous_identity
    )
    sink = service.AlertSink(
        exchange if principal else None,
        principal,
        parse_recipients(store, to or []),
        TLP.parse(tlp),
        created_by,
        output_dir,
    )
    stream = open_source(source)
    mark = service.Checkpoint.load(checkpoint, source)
    detector = DomainWatch(index)
    with Progress(
        TextColumn("[bold]watching[/] {task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,} names"),
        TimeElapsedColumn(),
        console=err_console,
        disable=not err_console.is_terminal,
    ) as progress:
        task = progress.add_task(source, total=None)
        result = service.watch(
            stream,
            detector,
            sink,
            mark,
            batch_size=batch_size,
            progress=lambda n: progress.advance(task, n),
        )
    if report is not None:
        write_rows(report, [dataclasses.asdict(a) for a in result.alerts])
    _summary(result, len(index))


def _summary(result: service.WatchResult, n_assets: int) -> None:
    stats = result.stats
    table = Table("names", "invalid", "allowlisted", "alerts", "STIX objects", "assets")
    table.add_row(
        f"{stats['seen']:,}",
        f"{stats['invalid']:,}",
        f"{stats['allowlisted']:,}",
        f"{stats['alerts']:,}",
        f"{result.objects_shared:,}",
        f"{n_assets:,}",
    )
    console.print(table)
    if result.invalid:
        reasons = ", ".join(f"{n:,} × {why}" for why, n in result.invalid.most_common(5))
        print(f"skipped invalid names: {reasons}", file=sys.stderr)
    kinds = Counter(a.kind for a in result.alerts)
    if kinds:
        by_kind = Table("class", "alerts", "top example")
        for kind, n in kinds.most_common():
            top = max((a for a in result.alerts if a.kind == kind), key=lambda a: a.score)
            by_kind.add_row(kind, f"{n:,}", f"{top.domain} → {top.asset_domain}")
        console.print(by_kind)


assets_app.command("import")(assets_import)
assets_app.command("list")(assets_list)
domains_app.command("watch")(watch)
