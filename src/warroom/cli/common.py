"""What every command shares: settings, the store, principals and one-line errors.

Why: a CLI error is one line on stderr and a non-zero exit, never a traceback (the brief's rule
for bad input); this module is where that conversion happens."""

from __future__ import annotations

import csv
import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from warroom.errors import WarroomError
from warroom.model.orgs import Principal
from warroom.services.exchange import ExchangeService
from warroom.settings import Settings
from warroom.storage.store import Store

F = TypeVar("F", bound=Callable[..., Any])
console = Console()
err_console = Console(stderr=True)

RecipientsOption = Annotated[
    list[str] | None,
    typer.Option(
        help="community, org:NAME or group:NAME; repeatable. None: your organisation only."
    ),
]
DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="Store URL; default: WARROOM_DATABASE_URL or ./warroom-data/warroom.db.",
    ),
]


def fail(message: str) -> None:
    first_line = message.strip().splitlines()[0] if message.strip() else "failed"
    print(f"error: {first_line}", file=sys.stderr)
    raise typer.Exit(1)


def one_line_errors(func: F) -> F:
    """Turn expected failures into ``error: ...`` and exit status 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except WarroomError as exc:
            fail(exc.message)
        except (ValueError, OSError) as exc:
            fail(str(exc) or exc.__class__.__name__)
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            raise typer.Exit(130) from None
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


def open_store(settings: Settings) -> Store:
    store = Store.open(settings.database_url)
    _OPENED.append(store)
    return store


def close_stores() -> None:
    while _OPENED:
        _OPENED.pop().close()


def open_exchange(database_url: str | None) -> tuple[Settings, Store, ExchangeService]:
    settings = load_settings(database_url)
    store = open_store(settings)
    return settings, store, ExchangeService(store, settings)


def principal_named(store: Store, username: str) -> Principal:
    user = store.directory.user_by_name(username)
    if user.disabled:
        raise ValueError(f"user {username!r} is disabled")
    return store.directory.principal_for_user(user.id)


def write_rows(path: Path, rows: list[dict[str, Any]]) -> None:
    """Write report rows as JSON (``.json``) or CSV (anything else)."""
    if path.suffix == ".json":
        path.write_text(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]) if rows else ["none"])
        writer.writeheader()
        writer.writerows(rows)
