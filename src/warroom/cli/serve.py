"""``warroom serve`` and ``warroom demo``: run the server, or seed the demo exchange and run it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from rich.table import Table

from warroom.api import create_app
from warroom.cli.common import DatabaseOption, console, load_settings, one_line_errors, open_store
from warroom.services.demo import DemoResult, seed
from warroom.services.exchange import ExchangeService
from warroom.settings import DEFAULT_DATA_DIR

DEFAULT_SHARED_DATA = Path("..") / "shared" / "data"


@one_line_errors
def serve(
    host: Annotated[str | None, typer.Option(help="Listen address (WARROOM_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (WARROOM_PORT).")] = None,
    database_url: DatabaseOption = None,
) -> None:
    """Run the TAXII 2.1 server and the REST API."""
    settings = load_settings(database_url)
    settings = settings.model_copy(
        update={"host": host or settings.host, "port": port or settings.port}
    )
    app = create_app(settings)
    console.print(
        f"warroom on http://{settings.host}:{settings.port} (TAXII: /taxii2/, API docs: /api/docs)"
    )
    uvicorn.run(app, host=settings.host, port=settings.port, log_level=settings.log_level)


def _print_keys(result: DemoResult, keys_file: Path) -> None:
    console.print("[bold]Demo users[/] (API keys are shown once):")
    for k in result.keys:
        console.print(f"  {k.username} ({k.role}, {k.org})", highlight=False)
        console.print(f"    {k.key}", markup=False, highlight=False, soft_wrap=True)
    keys_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(keys_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        for k in result.keys:
            handle.write(f"{k.org}\t{k.username}\t{k.role}\t{k.key}\n")
    console.print(f"keys also written to {keys_file} (mode 600)")


@one_line_errors
def demo(
    data_dir: Annotated[
        Path, typer.Option(help="Real public data (see shared/data/README.md).")
    ] = DEFAULT_SHARED_DATA,
    serve_after: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the demo exchange afterwards.")
    ] = True,
    port: Annotated[int | None, typer.Option(help="Port to serve on.")] = None,
    database_url: DatabaseOption = None,
) -> None:
    """Seed a realistic election exchange (platforms, an agency, election offices); serve it."""
    demo_db = DEFAULT_DATA_DIR / "demo.db"
    explicit = database_url or os.environ.get("WARROOM_DATABASE_URL")
    if not explicit:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{demo_db}{suffix}").unlink(missing_ok=True)
    settings = load_settings(explicit or f"sqlite:///{demo_db}")
    store = open_store(settings)
    if store.directory.list_orgs():
        raise ValueError("the demo needs an empty database; this one already has organisations")
    exchange = ExchangeService(store, settings)
    if not data_dir.is_dir():
        console.print(
            f"[yellow]{data_dir} not found: seeding a small synthetic data set instead[/]"
        )
    with console.status("seeding the demo exchange") as status:
        result = seed(
            store,
            exchange,
            data_dir if data_dir.is_dir() else None,
            progress=lambda label: status.update(f"seeded {label}"),
        )
    table = Table("shared", "objects", title="Demo exchange")
    for label, n in result.shared.items():
        table.add_row(label, str(n))
    console.print(table)
    _print_keys(result, DEFAULT_DATA_DIR / "demo-keys.txt")
    port = port or settings.port
    analyst = next(k for k in result.keys if k.role == "analyst")
    console.print("\nTry it:")
    console.print(
        f"  curl -s -H 'Accept: application/taxii+json;version=2.1' "
        f"-H 'Authorization: Bearer {analyst.key}' http://{settings.host}:{port}/taxii2/",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    console.print(f"  API docs: http://{settings.host}:{port}/api/docs", markup=False)
    if serve_after:
        settings = settings.model_copy(update={"port": port})
        uvicorn.run(
            create_app(settings, store), host=settings.host, port=port, log_level=settings.log_level
        )
