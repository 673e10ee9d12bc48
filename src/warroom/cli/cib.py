"""``warroom cib``: find coordinated inauthentic behaviour in a platform's own post data.

Why: an analyst's loop is ingest (any export → canonical Parquet), detect (signals, weighting,
clusters → a JSON result), read (an HTML report), and share the networks worth sharing with the
exchange (STIX at a chosen TLP, or a bundle file). Each step is a command so each can be
re-run on its own; the JSON result is the hand-over between them."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path
from typing import Annotated

import orjson
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
)
from warroom.cli.sharing import parse_recipients
from warroom.detectors.cib import adapters
from warroom.detectors.cib.detector import DetectionResult, detect
from warroom.detectors.cib.ingest import ingest as ingest_posts
from warroom.detectors.cib.scoring import Thresholds
from warroom.detectors.cib.signals import DEFAULT_SIGNALS, SIGNALS, Params

cib_app = typer.Typer(help="Coordinated inauthentic behaviour: ingest posts, detect, report.")


@one_line_errors
def ingest(
    files: Annotated[list[Path], typer.Argument(help="CSV, JSON lines or Parquet files.")],
    adapter: Annotated[
        str,
        typer.Option(help=f"The source format: {', '.join(adapters.ADAPTERS)}, or a TOML "
                          "mapping file (docs/cib.md)."),
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Canonical Parquet to write.")],
) -> None:
    """Read posts through an adapter into warroom's canonical Parquet schema."""
    chosen = adapters.resolve(adapter)
    with err_console.status(f"ingesting {len(files)} file(s) with adapter {chosen.name}",
                            spinner="dots"):
        report = ingest_posts(files, chosen, output)
    console.print(report.summary())
    for example in report.examples:
        print(f"  skipped {example}", file=sys.stderr)


def _signal_list(value: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in value.split(",") if name.strip())
    if names == ("all",):
        return tuple(SIGNALS)
    unknown = [name for name in names if name not in SIGNALS]
    if unknown or not names:
        raise ValueError(f"unknown signal(s) {', '.join(unknown) or '(none)'}: choose from "
                         f"{', '.join(SIGNALS)} or 'all'")
    return names


@one_line_errors
def detect_command(
    posts: Annotated[Path, typer.Argument(help="Canonical Parquet from 'warroom cib ingest'.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="JSON result to write.")],
    window: Annotated[
        int, typer.Option(min=1, help="Seconds: shares closer than this count as together.")
    ] = 60,
    signals: Annotated[
        str, typer.Option(help=f"Comma-separated signals or 'all' (default: "
                               f"{','.join(DEFAULT_SIGNALS)}).")
    ] = ",".join(DEFAULT_SIGNALS),
    html: Annotated[Path | None, typer.Option(help="Also write the HTML report here.")] = None,
    min_evidence: Annotated[
        int, typer.Option(min=1, help="Evidence units a cluster needs to be flagged.")
    ] = Thresholds.min_evidence,
    max_object_accounts: Annotated[
        int, typer.Option(min=2, help="Objects shared by more accounts are viral, not evidence.")
    ] = Params.max_object_accounts,
    resolution: Annotated[float, typer.Option(help="Leiden resolution.")] = 1.0,
    engine: Annotated[
        str, typer.Option(help="duckdb (default) or spark[:master-url] (needs warroom[spark]).")
    ] = "duckdb",
) -> None:
    """Run the coordination signals, weight, cluster, and write the result."""
    from warroom.analytics.engine import open_engine

    if not posts.exists():
        raise ValueError(f"no such file: {posts}")
    names = _signal_list(signals)
    params = Params(window=window, max_object_accounts=max_object_accounts)
    thresholds = Thresholds(min_evidence=min_evidence, resolution=resolution)
    runner = open_engine(engine)
    steps = len(names) + 3
    try:
        with Progress(
            TextColumn("[bold]detecting[/] {task.description}"), BarColumn(),
            TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
            console=err_console, disable=not err_console.is_terminal,
        ) as progress:
            task = progress.add_task("reading posts", total=steps)

            def advance(message: str) -> None:
                progress.update(task, description=message, advance=1)

            result = detect(posts, engine=runner, signals=names, params=params,
                            thresholds=thresholds, progress=advance)
            progress.update(task, completed=steps)
    finally:
        runner.close()
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(orjson.dumps(result.as_dict(), option=orjson.OPT_INDENT_2))
    if html is not None:
        from warroom.detectors.cib.report import write_html

        write_html(result, html)
    _summary(result)


@one_line_errors
def report(
    result_file: Annotated[Path, typer.Argument(help="JSON result of 'warroom cib detect'.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="HTML report to write.")],
) -> None:
    """Render the HTML report (network picture, timeline, evidence) of a detection result."""
    from warroom.detectors.cib.report import write_html

    result = load_result(result_file)
    write_html(result, output)
    console.print(f"report written to {output} ({len(result.flagged_clusters)} flagged "
                  "clusters)")


def load_result(path: Path) -> DetectionResult:
    try:
        data = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as error:
        raise ValueError(f"{path} is not JSON: {error}") from error
    if not isinstance(data, dict):
        raise ValueError(f"{path} is not a warroom detection result")
    return DetectionResult.from_dict(data)


def _summary(result: DetectionResult) -> None:
    flagged = result.flagged_clusters
    console.print(
        f"{result.posts:,} posts, {result.accounts:,} accounts, {result.pairs:,} linked pairs; "
        f"{len(flagged)} clusters flagged ({len(result.flagged_accounts):,} accounts) in "
        f"{result.seconds.get('total', 0):.1f} s"
    )
    if not flagged:
        return
    table = Table("cluster", "accounts", "score", "evidence", "sync", "signals")
    for cluster in flagged[:15]:
        table.add_row(str(cluster.id), f"{len(cluster.members):,}", f"{cluster.score:.2f}",
                      f"{cluster.evidence_units}", f"{cluster.mean_sync:.0%}",
                      ", ".join(f"{k} {v}" for k, v in sorted(cluster.signals.items())))
    console.print(table)


cib_app.command("ingest")(ingest)
cib_app.command("detect")(detect_command)
cib_app.command("report")(report)

DEFAULT_DISARM = Path("../shared/data/taxonomies/disarm-stix.json")


@one_line_errors
def share(
    result_file: Annotated[Path, typer.Argument(help="JSON result of 'warroom cib detect'.")],
    as_user: Annotated[
        str | None, typer.Option("--as", help="Share as this user (and organisation).")
    ] = None,
    tlp: Annotated[str, typer.Option(help="TLP of the shared findings.")] = "amber",
    to: RecipientsOption = None,
    bundle: Annotated[
        Path | None, typer.Option(help="Write the STIX bundle here (instead of or as well).")
    ] = None,
    cluster: Annotated[
        list[int] | None, typer.Option(help="Only these flagged clusters (default: all).")
    ] = None,
    platform: Annotated[str, typer.Option(help="Platform of the accounts (STIX account "
                                                "type).")] = "twitter",
    disarm: Annotated[
        Path | None, typer.Option(help="DISARM STIX bundle, for technique names "
                                       f"(default: {DEFAULT_DISARM} when present).")
    ] = None,
    database_url: DatabaseOption = None,
) -> None:
    """Share flagged clusters as STIX: a grouping with the evidence, user accounts, indicators
    for the accounts and shared links, and the DISARM techniques the signals show."""
    from warroom.detectors.cib.stix import DisarmCatalog
    from warroom.model.stix import format_timestamp, now_micros
    from warroom.model.tlp import TLP
    from warroom.services import cib as service

    if as_user is None and bundle is None:
        raise ValueError("say where findings go: --as USER (share) and/or --bundle FILE")
    result = load_result(result_file)
    catalog_path = disarm or (DEFAULT_DISARM if DEFAULT_DISARM.exists() else None)
    catalog = DisarmCatalog.load(catalog_path) if catalog_path else None
    level = TLP.parse(tlp)
    exchange = principal = None
    recipients = None
    created_by = "identity--" + str(uuid.uuid5(uuid.NAMESPACE_URL, "warroom:cib"))
    if as_user is not None:
        _, store, exchange = open_exchange(database_url)
        principal = principal_named(store, as_user)
        created_by = store.directory.get_org(principal.org_id).identity_id
        recipients = parse_recipients(store, to or [])
    objects = service.findings_objects(
        result, platform=platform, created_by=created_by, tlp=level,
        timestamp=format_timestamp(now_micros()), disarm=catalog, clusters=cluster)
    if not objects:
        console.print("no flagged clusters: nothing to share")
        return
    from warroom.model.sharing import Recipients

    count = service.share_findings(objects, exchange=exchange, principal=principal,
                                   recipients=recipients or Recipients(), tlp=level,
                                   bundle=bundle)
    where = " and ".join(filter(None, [f"shared as {as_user}" if as_user else "",
                                       f"written to {bundle}" if bundle else ""]))
    console.print(f"{count} STIX objects for {len(cluster or result.flagged_clusters)} "
                  f"clusters {where} (TLP {level.name})")


cib_app.command("share")(share)
