"""What every command shares: settings, the store, and one-line errors.

Why: a CLI error is one line on stderr and a non-zero exit, never a traceback (the brief's rule
for bad input); this module is where a command's failures are converted, and where the store
is opened the same way for all: ``init`` and ``demo`` create an instance, every other command
needs one and says how to make it when there is none."""

from __future__ import annotations

import csv
import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from warroom.cli.failures import describe
from warroom.cli.names import RECIPIENTS_HELP, principal_named
from warroom.cli.output import console, err_console
from warroom.services.exchange import ExchangeService
from warroom.settings import DEFAULT_DATA_DIR, Settings
from warroom.storage.engine import sqlite_file
from warroom.storage.store import Store

F = TypeVar("F", bound=Callable[..., Any])

RecipientsOption = Annotated[
    list[str] | None, typer.Option(metavar="RECIPIENT", help=RECIPIENTS_HELP)
]
DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        metavar="URL",
        help="Store URL; default: WARROOM_DATABASE_URL, else sqlite:///warroom-data/warroom.db.",
    ),
]


def fail(message: str) -> None:
    first_line = message.strip().splitlines()[0] if message.strip() else "failed"
    print(f"error: {first_line}", file=sys.stderr)
    raise typer.Exit(1)


def one_line_errors(func: F) -> F:
    """Turn expected failures into ``error: ...`` and exit status 1; close what was opened."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            raise typer.Exit(130) from None
        except Exception as exc:  # noqa: BLE001 - described, or passed on to the app's guard
            message = describe(exc)
            if message is None:
                raise
            fail(message)
        finally:
            close_stores()

    return wrapper  # type: ignore[return-value]


def load_settings(database_url: str | None = None) -> Settings:
    settings = Settings()
    if database_url:
        settings = settings.model_copy(update={"database_url": database_url})
    return settings


# Stores a command opened; closed when the command ends (one_line_errors), so no database
# connection outlives the command that needed it.
_OPENED: list[Store] = []


def open_store(settings: Settings, *, create: bool = False) -> Store:
    """The instance's store. Without ``create`` there must be an initialised instance; with it
    a new SQLite file is made (mode 0600), in ``warroom-data/`` (made, mode 0700, when it is
    the folder of the URL) or in a folder that exists."""
    if create:
        _make_default_folder(settings.database_url)
    store = Store.open(settings.database_url, existing=not create)
    _OPENED.append(store)
    return store


def _make_default_folder(url: str) -> None:
    path = sqlite_file(url)
    if path is None or path.parent.exists():
        return
    if path.parent.resolve() == DEFAULT_DATA_DIR.resolve():
        path.parent.mkdir(mode=0o700)
        os.chmod(path.parent, 0o700)


def close_stores() -> None:
    while _OPENED:
        _OPENED.pop().close()


def open_exchange(database_url: str | None) -> tuple[Settings, Store, ExchangeService]:
    settings = load_settings(database_url)
    store = open_store(settings)
    return settings, store, ExchangeService(store, settings)


def check_output(path: Path | None, *, folder: bool = False) -> None:
    """Fail now, in one line, when ``path`` could not be written, before any work is done: a
    file that is a folder, or a folder below a file. Missing folders are made later."""
    if path is None:
        return
    if folder and path.exists() and not path.is_dir():
        raise ValueError(f"{path} is not a folder")
    if not folder and path.is_dir():
        raise ValueError(f"{path} is a folder: give a file name")
    ancestor = path.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise ValueError(f"cannot write {path}: {ancestor} is not a folder")


def write_rows(path: Path, rows: list[dict[str, Any]]) -> None:
    """Write report rows as JSON (``.json``) or CSV (anything else)."""
    if path.suffix == ".json":
        path.write_text(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]) if rows else ["none"])
        writer.writeheader()
        writer.writerows(rows)


__all__ = [
    "DatabaseOption",
    "RecipientsOption",
    "check_output",
    "close_stores",
    "console",
    "err_console",
    "fail",
    "load_settings",
    "one_line_errors",
    "open_exchange",
    "open_store",
    "principal_named",
    "write_rows",
]
