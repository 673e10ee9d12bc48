"""``warroom cib``: find coordinated inauthentic behaviour in a platform's own post data.

Why: an analyst's loop is ingest (any export → canonical Parquet), detect (signals, weighting,
clusters → a JSON result), read (an HTML report), and share the networks worth sharing with the
exchange (STIX at a chosen TLP, or a bundle file). Each step is a command so each can be
re-run on its own; the JSON result is the hand-over between them. Each step checks what it is
given first (an ingest that keeps no post fails and leaves no file; detect wants the Parquet
that ingest wrote, not the CSV it read)."""

from __future__ import annotations

import math
import os
import re
import sys
import uuid
from pathlib import Path
from typing import Annotated

import orjson
import typer

from warroom.cli.app import App
from warroom.cli.common import (
    DatabaseOption,
    RecipientsOption,
    check_output,
    one_line_errors,
    open_exchange,
)
from warroom.cli.names import principal_named, recipients_named
from warroom.cli.output import emit, result, say
from warroom.cli.progress import progress_bar
from warroom.detectors.cib import adapters
from warroom.detectors.cib.detector import DetectionResult, detect
from warroom.detectors.cib.ingest import ingest as ingest_posts
from warroom.detectors.cib.schema import CANONICAL_SCHEMA
from warroom.detectors.cib.scoring import Thresholds
from warroom.detectors.cib.signals import DEFAULT_SIGNALS, SIGNALS, Params
from warroom.detectors.cib.stix import DisarmCatalog

cib_app = App(help="Coordinated inauthentic behaviour: ingest posts, detect, report.")
PLATFORM = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")
DEFAULT_DISARM = Path("../shared/data/taxonomies/disarm-stix.json")
ResultFile = Annotated[
    Path, typer.Argument(metavar="RESULT", help="JSON result of 'warroom cib detect'.")
]


@one_line_errors
def ingest(
    files: Annotated[
        list[Path], typer.Argument(metavar="FILE", help="CSV, JSON lines or Parquet files.")
    ],
    adapter: Annotated[
        str,
        typer.Option(metavar="NAME|FILE.toml",
                     help=f"The source format: {', '.join(adapters.ADAPTERS)}, or a TOML "
                          "mapping file (docs/cib.md)."),
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", metavar="PATH", help="Canonical Parquet to write.")
    ],
) -> None:
    """Read posts through an adapter into warroom's canonical Parquet schema."""
    if not adapter.strip():
        raise ValueError(f"--adapter: use one of {', '.join(adapters.ADAPTERS)} or a TOML "
                         "mapping file (docs/cib.md)")
    try:
        chosen = adapters.resolve(adapter)
    except UnicodeDecodeError:
        raise ValueError(f"--adapter {adapter}: not a TOML mapping file (docs/cib.md)") from None
    check_output(output)
    partial = output.with_name(f".{output.name}.{os.getpid()}.ingest")
    try:
        with progress_bar(f"ingesting {len(files)} file(s) with adapter {chosen.name}"):
            report = ingest_posts(files, chosen, partial)
        for example in report.examples:
            print(f"  skipped {example}", file=sys.stderr)
        if report.rows_written == 0:
            reasons = ", ".join(f"{n:,} {why}" for why, n in report.skipped.items() if n)
            raise ValueError(
                f"no posts in {', '.join(str(f) for f in files)} (adapter {chosen.name}): "
                f"{report.rows_read:,} rows read" + (f", skipped {reasons}" if reasons else "")
                + f"; {output} was not written"
            )
        os.replace(partial, output)
    finally:
        partial.unlink(missing_ok=True)
    report.output = output
    result(report.summary())


def _signal_list(value: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in value.split(",") if name.strip())
    if names == ("all",):
        return tuple(SIGNALS)
    unknown = [name for name in names if name not in SIGNALS]
    if unknown or not names:
        raise ValueError(f"unknown signal(s) {', '.join(unknown) or '(none)'}: choose from "
                         f"{', '.join(SIGNALS)} or 'all'")
    return names


def check_posts(posts: Path) -> None:
    """``posts`` is canonical Parquet, or a one-line reason (and the command that makes it)."""
    import pyarrow.parquet as pq

    if not posts.is_file():
        raise ValueError(f"{posts} is a folder" if posts.is_dir() else f"no such file: {posts}")
    with posts.open("rb") as handle:
        magic = handle.read(4)
    hint = f"run 'warroom cib ingest {posts} --adapter NAME -o posts.parquet' first"
    if magic != b"PAR1":
        raise ValueError(f"{posts} is not Parquet: {hint}")
    names = set(pq.read_schema(posts).names)
    missing = [f.name for f in CANONICAL_SCHEMA if not f.nullable and f.name not in names]
    if missing:
        raise ValueError(f"{posts} lacks column(s) {', '.join(missing)} of warroom's post "
                         f"schema: {hint}")


@one_line_errors
def detect_command(
    posts: Annotated[
        Path, typer.Argument(metavar="POSTS", help="Canonical Parquet from 'warroom cib ingest'.")
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", metavar="PATH", help="JSON result to write.")
    ],
    window: Annotated[
        int, typer.Option(min=1, metavar="SECONDS",
                          help="Seconds: shares closer than this count as together.")
    ] = 60,
    signals: Annotated[
        str,
        typer.Option(
            metavar="NAMES",
            show_default=False,
            help=f"Comma-separated signals, or 'all'. Default: {', '.join(DEFAULT_SIGNALS)}.",
        ),
    ] = ",".join(DEFAULT_SIGNALS),
    html: Annotated[
        Path | None, typer.Option(metavar="PATH", help="Also write the HTML report here.")
    ] = None,
    min_evidence: Annotated[
        int, typer.Option(min=1, metavar="N", help="Evidence units a cluster needs to be flagged.")
    ] = Thresholds.min_evidence,
    max_object_accounts: Annotated[
        int, typer.Option(min=2, metavar="N",
                          help="Objects shared by more accounts are viral, not evidence.")
    ] = Params.max_object_accounts,
    resolution: Annotated[
        float, typer.Option(metavar="NUMBER", help="Leiden resolution (above 0).")
    ] = 1.0,
    engine: Annotated[
        str, typer.Option(metavar="ENGINE",
                          help="duckdb, or spark[:master-url] (needs warroom[spark]).")
    ] = "duckdb",
) -> None:
    """Run the coordination signals, weight, cluster, and write the result."""
    from warroom.analytics.engine import open_engine

    check_posts(posts)
    check_output(output)
    check_output(html)
    names = _signal_list(signals)
    if not (math.isfinite(resolution) and resolution > 0):
        raise ValueError(f"--resolution {resolution}: must be a number above 0")
    params = Params(window=window, max_object_accounts=max_object_accounts)
    thresholds = Thresholds(min_evidence=min_evidence, resolution=resolution)
    runner = open_engine(engine)
    steps = len(names) + 3
    try:
        with progress_bar("reading posts", steps) as bar:

            def advance(message: str) -> None:
                bar.describe(message)
                bar.advance()

            found = detect(posts, engine=runner, signals=names, params=params,
                           thresholds=thresholds, progress=advance)
            bar.finish()
    finally:
        runner.close()
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(orjson.dumps(found.as_dict(), option=orjson.OPT_INDENT_2))
    if html is not None:
        from warroom.detectors.cib.report import write_html

        write_html(found, html)
    _summary(found)


@one_line_errors
def report(
    result_file: ResultFile,
    output: Annotated[
        Path, typer.Option("--output", "-o", metavar="PATH", help="HTML report to write.")
    ],
) -> None:
    """Render the HTML report (network picture, timeline, evidence) of a detection result."""
    from warroom.detectors.cib.report import write_html

    found = load_result(result_file)
    check_output(output)
    write_html(found, output)
    result(f"report written to {output} ({len(found.flagged_clusters)} flagged clusters)")


def load_result(path: Path) -> DetectionResult:
    try:
        data = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError:
        raise ValueError(f"{path} is not JSON: give the result of 'warroom cib detect'") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path} is not a warroom detection result")
    try:
        return DetectionResult.from_dict(data)
    except (KeyError, TypeError, AttributeError):
        raise ValueError(f"{path} is not a warroom detection result") from None


def _summary(found: DetectionResult) -> None:
    flagged = found.flagged_clusters
    say(
        f"{found.posts:,} posts, {found.accounts:,} accounts, {found.pairs:,} linked pairs; "
        f"{len(flagged)} clusters flagged ({len(found.flagged_accounts):,} accounts) in "
        f"{found.seconds.get('total', 0):.1f} s"
    )
    if flagged:
        emit([{"cluster": c.id, "accounts": len(c.members), "score": round(c.score, 2),
               "evidence": c.evidence_units, "sync": f"{c.mean_sync:.0%}",
               "signals": ", ".join(f"{k} {v}" for k, v in sorted(c.signals.items()))}
              for c in flagged])


def _disarm(path: Path | None) -> DisarmCatalog | None:
    chosen = path or (DEFAULT_DISARM if DEFAULT_DISARM.exists() else None)
    if chosen is None:
        return None
    try:
        bundle = orjson.loads(chosen.read_bytes())
    except orjson.JSONDecodeError:
        raise ValueError(f"{chosen} is not JSON: give the DISARM STIX bundle") from None
    if not isinstance(bundle, dict) or not isinstance(bundle.get("objects"), list):
        raise ValueError(f"{chosen} is not a STIX bundle: give the DISARM STIX bundle")
    return DisarmCatalog.load(chosen)


@one_line_errors
def share(
    result_file: ResultFile,
    as_user: Annotated[
        str | None,
        typer.Option("--as", metavar="USER", help="Share as this user (and organisation)."),
    ] = None,
    tlp: Annotated[str, typer.Option(metavar="TLP", help="TLP of the shared findings.")] = "amber",
    to: RecipientsOption = None,
    bundle: Annotated[
        Path | None,
        typer.Option(metavar="PATH", help="Write the STIX bundle here (instead of or as well)."),
    ] = None,
    cluster: Annotated[
        list[int] | None,
        typer.Option(metavar="ID", help="Only these flagged clusters (default: all)."),
    ] = None,
    platform: Annotated[
        str, typer.Option(metavar="NAME", help="Platform of the accounts (STIX account type).")
    ] = "twitter",
    disarm: Annotated[
        Path | None,
        typer.Option(metavar="PATH", help="DISARM STIX bundle, for technique names "
                                          f"(default: {DEFAULT_DISARM} when present)."),
    ] = None,
    database_url: DatabaseOption = None,
) -> None:
    """Share flagged clusters as STIX: a grouping with the evidence, user accounts, indicators
    for the accounts and shared links, and the DISARM techniques the signals show."""
    from warroom.model.sharing import Recipients
    from warroom.model.stix import format_timestamp, now_micros
    from warroom.model.tlp import TLP
    from warroom.services import cib as service

    if as_user is None and bundle is None:
        raise ValueError("say where findings go: --as USER (share) and/or --bundle FILE")
    if not PLATFORM.match(platform):
        raise ValueError(f"--platform {platform!r}: use a short lower-case name, e.g. twitter")
    found = load_result(result_file)
    check_output(bundle)
    catalog = _disarm(disarm)
    level = TLP.parse(tlp)
    exchange = principal = None
    recipients = Recipients()
    created_by = "identity--" + str(uuid.uuid5(uuid.NAMESPACE_URL, "warroom:cib"))
    if as_user is not None:
        _, store, exchange = open_exchange(database_url)
        principal = principal_named(store, as_user)
        created_by = store.directory.get_org(principal.org_id).identity_id
        recipients = recipients_named(store, to or [], principal)
    objects = service.findings_objects(
        found, platform=platform, created_by=created_by, tlp=level,
        timestamp=format_timestamp(now_micros()),
        disarm=catalog, clusters=cluster)
    if not objects:
        result("no flagged clusters: nothing to share")
        return
    with progress_bar(f"sharing {len(objects):,} STIX objects"):
        count = service.share_findings(objects, exchange=exchange, principal=principal,
                                       recipients=recipients, tlp=level, bundle=bundle)
    where = " and ".join(filter(None, [f"shared as {as_user}" if as_user else "",
                                       f"written to {bundle}" if bundle else ""]))
    result(f"{count} STIX objects for {len(cluster or found.flagged_clusters)} "
           f"clusters {where} (TLP {level.name})")


cib_app.command("ingest")(ingest)
cib_app.command("detect")(detect_command)
cib_app.command("report")(report)
cib_app.command("share")(share)
