"""The ``warroom`` command: one app assembling the command groups (``python -m warroom.cli.main``
runs it too)."""

from __future__ import annotations

from typing import Annotated

import typer

from warroom import __version__
from warroom.cli import admin, serve, sharing
from warroom.cli.app import App
from warroom.cli.cib import cib_app
from warroom.cli.domains import domains_app
from warroom.cli.matching import match

app = App(help="warroom: election threat exchange (STIX 2.1 / TAXII 2.1) and war room.")


def _print_version(value: bool) -> None:
    if value:
        print(f"warroom {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="Print the version and exit.",
        ),
    ] = False,
) -> None:
    """warroom: election threat exchange (STIX 2.1 / TAXII 2.1) and war room."""


app.command()(admin.init)
app.command()(serve.serve)
app.command()(serve.demo)
app.command()(sharing.share)
app.command()(sharing.export)
app.command()(match)
app.add_typer(admin.db_app, name="db")
app.add_typer(admin.org_app, name="org")
app.add_typer(admin.user_app, name="user")
app.add_typer(admin.key_app, name="key")
app.add_typer(admin.group_app, name="group")
app.add_typer(domains_app, name="domains")
app.add_typer(cib_app, name="cib")


@app.command()
def version() -> None:
    """Print the version."""
    print(__version__)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
