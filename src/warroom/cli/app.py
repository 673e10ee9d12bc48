"""The frame every ``warroom`` command lives in: plain help, and one-line errors for everything.

Why: a newcomer's first contact is ``--help`` and their first mistakes. Help is plain text
(Rich markup would eat ``[spark]``, cut defaults with "…" and label options ``<str>``), with
click-style value names (``TEXT``, ``PATH``, ``INTEGER``). Every failure, from a mistyped option
to an unexpected bug, ends as one ``error: ...`` line on stderr and a non-zero exit, never a
Python traceback (``WARROOM_DEBUG=1`` shows the traceback of an unexpected failure)."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any

import typer
from typer._click import Context, HelpFormatter
from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
from typer.core import TyperArgument as Argument
from typer.core import TyperCommand, TyperGroup

from warroom.cli.failures import describe

_TYPE_LABEL = re.compile(r" <([^<>]+)>")
_LABELS = {
    "str": "TEXT",
    "int": "INTEGER",
    "int range": "INTEGER",
    "float": "NUMBER",
    "float range": "NUMBER",
    "path": "PATH",
    "list[str]": "TEXT",
    "list[int]": "INTEGER",
    "list[path]": "PATH",
}
EX_SOFTWARE = 70  # sysexits.h: an internal error


def _value_name(match: re.Match[str]) -> str:
    label = match.group(1)
    if "|" in label:  # a choice
        return f" [{label.removeprefix('list[').removesuffix(']')}]"
    return " " + _LABELS.get(label, label.upper().replace(" ", "-"))


class PlainCommand(TyperCommand):
    """A command whose help names values as click does and never shows ``<type>`` labels."""

    def format_options(self, ctx: Context, formatter: HelpFormatter) -> None:
        arguments, options = [], []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            name, text = record
            if isinstance(param, Argument):
                arguments.append((_usage_name(param), text))
            else:
                options.append((_TYPE_LABEL.sub(_value_name, name), text))
        for title, rows in (("Arguments", arguments), ("Options", options)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)

    def collect_usage_pieces(self, ctx: Context) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if isinstance(param, Argument):
                name = _usage_name(param)
                pieces.append(name if param.required else f"[{name}]")
        return pieces


def _usage_name(param: Argument) -> str:
    name = param.metavar or (param.name or "value").upper()
    return f"{name}..." if param.nargs != 1 else name


class PlainGroup(TyperGroup):
    """A command group: its listing is never cut, and its ``main`` turns every failure into
    one line (``PlainGroup`` is the top of the tree, so each command's errors pass here)."""

    def format_commands(self, ctx: Context, formatter: HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=10_000)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        prog_name = "warroom"  # also under python -m and test runners
        if not standalone_mode:
            return super().main(
                args, prog_name, complete_var, False, windows_expand_args, **extra
            )
        try:
            code = super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        except NoArgsIsHelpError as error:
            error.show()
            code = error.exit_code
        except UsageError as error:
            where = f" (see '{error.ctx.command_path} --help')" if error.ctx else ""
            _say(f"{error.format_message()}{where}")
            code = error.exit_code
        except ClickException as error:
            _say(error.format_message())
            code = error.exit_code
        except typer.Abort:
            print("aborted", file=sys.stderr)
            code = 1
        except Exception as error:  # noqa: BLE001 - the last guard before a traceback
            message = describe(error)
            if message is None:
                if os.environ.get("WARROOM_DEBUG"):
                    raise
                message = (
                    f"internal error ({type(error).__name__}: {_first_line(str(error))}); "
                    "this is a bug, please report it (WARROOM_DEBUG=1 shows the traceback)"
                )
                _say(message)
                code = EX_SOFTWARE
            else:
                _say(message)
                code = 1
        sys.exit(code if isinstance(code, int) else 0)


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0] if lines else ""


def _say(message: str) -> None:
    text = " ".join(line.strip() for line in message.strip().splitlines() if line.strip())
    print(f"error: {text or 'failed'}", file=sys.stderr)


class App(typer.Typer):
    """A Typer app whose commands and groups use the plain frame above."""

    def __init__(self, *, help: str, **kwargs: Any) -> None:  # noqa: A002 - Typer's name
        kwargs.setdefault("no_args_is_help", True)
        super().__init__(
            help=help,
            cls=PlainGroup,
            rich_markup_mode=None,
            add_completion=False,
            pretty_exceptions_enable=False,
            **kwargs,
        )

    def command(  # type: ignore[override]
        self, name: str | None = None, *, cls: type[TyperCommand] | None = None, **kwargs: Any
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return super().command(name, cls=cls or PlainCommand, **kwargs)
