"""``warroom domains``: protected assets and the lookalike watch.

Why: an election office or campaign registers what it protects once (``assets import``), then
watches new-registration files or certificate streams (``watch``), and every alert is shared
with the chosen recipients — or written as STIX bundles when there is no exchange to share to."""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

from warroom import policy
from warroom.cli.app import App
from warroom.cli.common import (
    DatabaseOption,
    RecipientsOption,
    check_output,
    one_line_errors,
    open_exchange,
    write_rows,
)
from warroom.cli.names import org_named, principal_named, recipients_named
from warroom.cli.output import JsonOption, emit, say
from warroom.cli.progress import progress_bar
from warroom.detectors.domains.detector import DomainWatch
from warroom.detectors.domains.sources import DomainSource, NewRegistrations, open_source
from warroom.model.tlp import TLP
from warroom.services import domain_watch as service

domains_app = App(help="Lookalike and phishing domains aimed at protected assets.")
assets_app = App(help="The domains and names organisations protect.")
domains_app.add_typer(assets_app, name="assets")


@one_line_errors
def assets_import(
    file: Annotated[
        Path, typer.Argument(metavar="FILE", help="A CSV of assets, or CISA's dotgov-data CSV.")
    ],
    org: Annotated[
        str, typer.Option(metavar="ORG", help="The organisation that protects them.")
    ],
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
    organisation = org_named(store, org)
    with progress_bar(f"importing {file.name}"):
        try:
            saved, allowed = service.import_assets(
                store, organisation.id, file, dotgov=dotgov, election_only=not all_types
            )
        except UnicodeDecodeError:
            raise ValueError(f"{file} is not UTF-8 text: give a CSV file") from None
    say(f"{saved} assets saved for {organisation.name}; {allowed} domains allowlisted")


@one_line_errors
def assets_list(
    org: Annotated[
        str | None, typer.Option(metavar="ORG", help="Only this organisation's assets.")
    ] = None,
    database_url: DatabaseOption = None,
    json_output: JsonOption = False,
) -> None:
    """List protected assets."""
    _, store, _ = open_exchange(database_url)
    org_ids = [org_named(store, org).id] if org is not None else None
    names = {o.id: o.name for o in store.directory.list_orgs()}
    emit(
        [
            {
                "organisation": names.get(a.org_id, "?"),
                "domain": a.domain,
                "protects": a.owner_name,
                "tokens": list(a.tokens),
                "owned": list(a.owned),
            }
            for a in store.domain_assets.load(org_ids)
        ],
        as_json=json_output,
        columns=("organisation", "domain", "protects", "tokens", "owned"),
    )


@one_line_errors
def watch(
    source: Annotated[
        str,
        typer.Argument(
            metavar="SOURCE",
            help="nrd:FILE.parquet, certstream:FILE.jsonl, list:FILE, or '-' for names on stdin.",
        ),
    ],
    as_user: Annotated[
        str | None,
        typer.Option("--as", metavar="USER", help="Share alerts as this user (and organisation)."),
    ] = None,
    tlp: Annotated[str, typer.Option(metavar="TLP", help="TLP of the shared alerts.")] = "amber",
    to: RecipientsOption = None,
    org: Annotated[
        list[str] | None,
        typer.Option(metavar="ORG", help="Watch the assets of these organisations (default: all)."),
    ] = None,
    output_dir: Annotated[
        Path | None,
        typer.Option(metavar="PATH", help="Also write each batch's alerts as a STIX bundle here."),
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option(metavar="PATH", help="Write the alerts as CSV (.csv) or JSON (.json)."),
    ] = None,
    checkpoint: Annotated[
        Path | None,
        typer.Option(
            metavar="PATH",
            help="Resume from and record progress in this file (stop and resume "
            "without losing or repeating alerts).",
        ),
    ] = None,
    batch_size: Annotated[
        int, typer.Option(min=1, metavar="N", help="Names per batch (shared, then checkpointed).")
    ] = 10_000,
    database_url: DatabaseOption = None,
) -> None:
    """Watch a stream of new domains for lookalikes of protected assets."""
    if as_user is None and output_dir is None and report is None:
        raise ValueError("say where alerts go: --as USER (share), --output-dir or --report")
    level = TLP.parse(tlp)
    check_output(output_dir, folder=True)
    check_output(report)
    check_output(checkpoint)
    stream = _source(source)
    mark = _checkpoint(checkpoint, source)
    if output_dir is not None:
        output_dir.mkdir(parents=True, exist_ok=True)
    _, store, exchange = open_exchange(database_url)
    org_ids = [org_named(store, o).id for o in org] if org is not None else None
    principal = principal_named(store, as_user) if as_user is not None else None
    if principal is not None:  # alerts shared as a user: its own organisation's assets only
        org_ids = policy.watch_asset_orgs(principal, org_ids)
    index = service.build_index(store, org_ids)
    if not len(index):
        raise ValueError("no protected assets: run 'warroom domains assets import' first")
    created_by = (
        store.directory.get_org(principal.org_id).identity_id
        if principal
        else exchange.anonymous_identity
    )
    sink = service.AlertSink(
        exchange if principal else None,
        principal,
        recipients_named(store, to or [], principal),
        level,
        created_by,
        output_dir,
    )
    detector = DomainWatch(index)
    total = _rows(stream) - mark.position if isinstance(stream, NewRegistrations) else None
    with progress_bar(f"watching {source}", total, unit="names") as bar:
        result = service.watch(
            stream, detector, sink, mark, batch_size=batch_size, progress=bar.advance
        )
    if report is not None:
        write_rows(report, [dataclasses.asdict(a) for a in result.alerts])
    _summary(result, len(index))


def _source(spec: str) -> DomainSource:
    stream = open_source(spec)
    path = getattr(stream, "path", "-")
    if not path:
        raise ValueError(f"{spec!r}: name a file after the colon, e.g. nrd:new-domains.parquet")
    if path != "-" and not Path(path).is_file():
        raise ValueError(f"{path} is not a file")
    if isinstance(stream, NewRegistrations):
        with Path(path).open("rb") as handle:
            if handle.read(4) != b"PAR1":
                raise ValueError(f"{path} is not Parquet (nrd: wants Parquet with a 'domain' "
                                 "column; list:FILE reads one name a line)")
    return stream


def _checkpoint(path: Path | None, source: str) -> service.Checkpoint:
    try:
        return service.Checkpoint.load(path, source)
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        if isinstance(error, ValueError) and "is for source" in str(error):
            raise
        raise ValueError(f"{path} is not a warroom checkpoint (a JSON file that 'warroom "
                         "domains watch --checkpoint' writes)") from None


def _rows(stream: NewRegistrations) -> int:
    import pyarrow.parquet as pq

    return int(pq.ParquetFile(stream.path).metadata.num_rows)


def _summary(result: service.WatchResult, n_assets: int) -> None:
    stats = result.stats
    say(
        f"{stats['seen']:,} names ({stats['invalid']:,} invalid, {stats['allowlisted']:,} "
        f"allowlisted): {stats['alerts']:,} alerts, {result.objects_shared:,} STIX objects; "
        f"{n_assets:,} protected assets"
    )
    if result.invalid:
        reasons = ", ".join(f"{n:,} × {why}" for why, n in result.invalid.most_common(5))
        say(f"skipped invalid names: {reasons}")
    kinds = Counter(a.kind for a in result.alerts)
    rows = []
    for kind, n in kinds.most_common():
        top = max((a for a in result.alerts if a.kind == kind), key=lambda a: a.score)
        rows.append({"class": kind, "alerts": n, "top_example": top.domain,
                     "imitates": top.asset_domain})
    if rows:
        emit(rows, columns=("class", "alerts", "top_example", "imitates"))


assets_app.command("import")(assets_import)
assets_app.command("list")(assets_list)
domains_app.command("watch")(watch)
