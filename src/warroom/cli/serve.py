"""``warroom serve`` and ``warroom demo``: run the server, or seed the demo exchange and run it.

Why: ``serve`` runs an existing instance only (an empty one nobody can sign in to helps no one),
and checks it can listen before it starts. ``demo`` makes its own instance in
``warroom-data/demo.db`` and keeps it, and its keys, across runs: a second ``warroom demo``
serves the same exchange with the same keys unless ``--reset`` asks for a fresh one."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Annotated

import typer

from warroom.cli.common import DatabaseOption, load_settings, one_line_errors, open_store
from warroom.cli.output import emit, result, say
from warroom.cli.progress import progress_bar
from warroom.services.demo import DemoKey, DemoResult, seed
from warroom.services.exchange import ExchangeService
from warroom.settings import DEFAULT_DATA_DIR, Settings
from warroom.storage.engine import NoInstance, shown
from warroom.storage.store import Store

DEFAULT_SHARED_DATA = Path("..") / "shared" / "data"
DEMO_DB = DEFAULT_DATA_DIR / "demo.db"
DEMO_KEYS = DEFAULT_DATA_DIR / "demo-keys.txt"
DATA_FILES = ("domains/dotgov-current-full.csv", "domains/phishtank-2021-verified.csv",
              "domains/phishing-database-active-r-z.txt")

PortOption = Annotated[
    int | None, typer.Option(metavar="PORT", min=1, max=65535, help="Port (WARROOM_PORT).")
]


def check_listen(host: str, port: int) -> None:
    """Fail now, in one line, if the server could not listen on ``host:port``."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM
        )[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except (OSError, UnicodeError) as error:
        reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
        raise ValueError(f"cannot listen on {host}:{port}: {reason}") from None


def worker_count(settings: Settings) -> int:
    """``workers``, or one server process per CPU core this process may use."""
    if settings.workers > 0:
        return settings.workers
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _run(settings: Settings, store: Store) -> None:
    import uvicorn  # here, not at the top: the other commands start faster without the server

    from warroom.api import create_app

    check_listen(settings.host, settings.port)
    workers = worker_count(settings)
    if workers == 1:
        uvicorn.run(
            create_app(settings, store),
            host=settings.host,
            port=settings.port,
            log_level=settings.log_level,
        )
        return
    # several processes: each builds its app from the environment (the store is migrated)
    for name, value in settings.model_dump().items():
        os.environ[f"WARROOM_{name.upper()}"] = str(value)
    store.close()
    uvicorn.run(
        "warroom.api.app:worker_app",
        factory=True,
        workers=workers,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
    )


@one_line_errors
def serve(
    host: Annotated[
        str | None, typer.Option(metavar="ADDRESS", help="Listen address (WARROOM_HOST).")
    ] = None,
    port: PortOption = None,
    workers: Annotated[
        int | None,
        typer.Option(metavar="N", min=1, max=256,
                     help="Server processes (WARROOM_WORKERS; default one per CPU core)."),
    ] = None,
    database_url: DatabaseOption = None,
) -> None:
    """Run the TAXII 2.1 server and the REST API of this instance."""
    settings = load_settings(database_url)
    settings = settings.model_copy(
        update={"host": settings.host if host is None else host, "port": port or settings.port,
                "workers": workers or settings.workers}
    )
    if not settings.host.strip():
        raise ValueError("--host: give an address to listen on, e.g. 127.0.0.1 or 0.0.0.0")
    store = open_store(settings)
    check_listen(settings.host, settings.port)
    say(f"warroom on http://{settings.host}:{settings.port} (TAXII: /taxii2/, API docs: /api/docs;"
        f" {worker_count(settings)} worker process(es))")
    _run(settings, store)


def _write_keys(keys: list[DemoKey]) -> None:
    DEMO_KEYS.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    DEMO_KEYS.unlink(missing_ok=True)
    fd = os.open(DEMO_KEYS, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        for k in keys:
            handle.write(f"{k.org}\t{k.username}\t{k.role}\t{k.key}\n")


def _read_keys() -> list[DemoKey]:
    keys = []
    for line in DEMO_KEYS.read_text().splitlines():
        org, username, role, key = line.split("\t")
        keys.append(DemoKey(org, username, role, key))
    return keys


def _print_keys(keys: list[DemoKey]) -> None:
    say("Demo users and their API keys:")
    emit([{"organisation": k.org, "user": k.username, "role": k.role, "key": k.key}
          for k in keys])
    say(f"(also in {DEMO_KEYS}, mode 600)")


def _data_dir(chosen: Path | None) -> Path | None:
    """The real-data folder: ``--data-dir`` (which must hold the data), else ../shared/data
    when it is there, else None (the synthetic set)."""
    if chosen is None:
        found = all((DEFAULT_SHARED_DATA / name).is_file() for name in DATA_FILES)
        return DEFAULT_SHARED_DATA if found else None
    missing = [name for name in DATA_FILES if not (chosen / name).is_file()]
    if missing:
        raise ValueError(f"--data-dir {chosen} lacks {missing[0]} (see docs/cli.md, 'demo')")
    return chosen


def _seed(store: Store, settings: Settings, data_dir: Path | None) -> DemoResult:
    if data_dir is None:
        say("no --data-dir and no ../shared/data: seeding a small synthetic data set")
    with progress_bar("seeding the demo exchange") as bar:
        seeded = seed(store, ExchangeService(store, settings), data_dir,
                      progress=lambda label: bar.describe(f"seeded {label}"))
    emit([{"shared": label, "objects": n} for label, n in seeded.shared.items()])
    _write_keys(seeded.keys)
    return seeded


def _reuse_default(reset: bool) -> Store | None:
    """The demo database of an earlier run, kept with its keys; None when a new one is needed."""
    if reset or not DEMO_KEYS.is_file():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{DEMO_DB}{suffix}").unlink(missing_ok=True)
        return None
    try:
        return open_store(load_settings(f"sqlite:///{DEMO_DB}"))
    except NoInstance:
        return None


@one_line_errors
def demo(
    data_dir: Annotated[
        Path | None,
        typer.Option(
            metavar="PATH",
            help="Folder of real public data (domains/, taxonomies/; see docs/cli.md). "
            "Default: ../shared/data when it is there, else a small synthetic set.",
        ),
    ] = None,
    serve_after: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the demo exchange afterwards.")
    ] = True,
    reset: Annotated[
        bool, typer.Option("--reset", help="Seed the demo again (every demo key changes).")
    ] = False,
    port: PortOption = None,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            metavar="URL",
            help="An empty store to seed; default: WARROOM_DATABASE_URL, else "
            "sqlite:///warroom-data/demo.db (kept between runs).",
        ),
    ] = None,
) -> None:
    """Seed a realistic election exchange (platforms, an agency, election offices); serve it."""
    explicit = database_url or os.environ.get("WARROOM_DATABASE_URL")
    chosen = _data_dir(data_dir)
    store = None if explicit else _reuse_default(reset)
    settings = load_settings(explicit or f"sqlite:///{DEMO_DB}")
    settings = settings.model_copy(update={"port": port or settings.port})
    if serve_after:
        check_listen(settings.host, settings.port)
    if store is not None:
        say(f"Using the demo exchange seeded earlier in {DEMO_DB}: the keys are unchanged "
            "(warroom demo --reset seeds it again, with new keys).")
        keys = _read_keys()
    else:
        store = open_store(settings, create=True)
        if store.directory.list_orgs():
            raise ValueError("the demo needs an empty database; this one already has "
                             "organisations")
        keys = _seed(store, settings, chosen).keys
        if reset:
            say("Seeded again (--reset): every demo key changed.")
    _print_keys(keys)
    analyst = next(k for k in keys if k.role == "analyst")
    base = f"http://{settings.host}:{settings.port}"
    say("\nTry it:")
    say(f"  curl -s -H 'Accept: application/taxii+json;version=2.1' "
        f"-H 'Authorization: Bearer {analyst.key}' {base}/taxii2/")
    say(f"  API docs: {base}/api/docs")
    if serve_after:
        say(f"warroom demo on {base}")
        _run(settings.model_copy(update={"workers": 1}), store)  # one process is plenty here
    else:
        result(f"demo exchange ready in {shown(settings.database_url)}")
