"""Bad values fed to every CLI option and argument that takes a path, URL, name or number: each
must end as one ``error: ...`` line on stderr and a non-zero exit, never a Python traceback nor
an "internal error" (the app's last guard, which means a bug).

The table (``bad_values.TABLE``) also gives a valid value for each, and a test checks that the
valid command succeeds, so each failure is the bad value's; another checks that the table covers
every parameter of every command, so a new option cannot go untested. A property test throws
arbitrary text at the name options."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import typer.main
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tests.cli.bad_values import FLAGS, FREE_TEXT, TABLE
from tests.docs.follow import free_port
from warroom.cli.main import app
from warroom.storage.store import Store

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
_unique = itertools.count()


def commands() -> dict[str, Any]:
    """Every leaf command, by its path ("group member add")."""
    found: dict[str, Any] = {}

    def walk(command: Any, path: tuple[str, ...]) -> None:
        subs = getattr(command, "commands", None)
        if subs:
            for name, sub in subs.items():
                walk(sub, (*path, name))
        elif path != ("version",):
            found[" ".join(path)] = command

    walk(typer.main.get_command(app), ())
    return found


COMMANDS = commands()


@dataclass(frozen=True)
class World:
    folder: Path
    url: str
    posts: Path
    result: Path
    key_id: str


def _run(args: list[str]) -> Any:
    return CliRunner().invoke(app, args, catch_exceptions=True)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    folder = tmp_path_factory.mktemp("bad-values")
    url = f"sqlite:///{folder / 'instance.db'}"
    db = ["--database-url", url]
    steps = [
        ["init", *db],
        ["org", "add", "Chirp Social", *db],
        ["org", "add", "Parcel Mail", *db],
        ["user", "add", "alice", "--org", "Chirp Social", *db],
        ["group", "add", "WG", "--owner", "Chirp Social", *db],
        ["group", "member", "add", "WG", "Parcel Mail", *db],
        ["share", str(EXAMPLES / "indicators.json"), "--as", "alice", "--tlp", "amber",
         "--to", "group:WG", *db],
        ["domains", "assets", "import", str(EXAMPLES / "assets.csv"), "--org", "Parcel Mail", *db],
        # a watch shared as alice watches her own organisation's assets
        ["domains", "assets", "import", str(EXAMPLES / "assets.csv"), "--org", "Chirp Social",
         *db],
        ["cib", "ingest", str(EXAMPLES / "tweets.csv"), "--adapter", "twitter-io", "-o",
         str(folder / "posts.parquet")],
        ["cib", "detect", str(folder / "posts.parquet"), "-o", str(folder / "result.json")],
    ]
    for step in steps:
        result = _run(step)
        assert result.exit_code == 0, (step, result.output)
    (folder / "dir").mkdir()
    (folder / "file").write_text("a regular file\n")
    (folder / "junk").write_bytes(bytes(range(256)) * 8)
    (folder / "empty").write_bytes(b"")
    store = Store.open(url)  # key ids are random: revoke one that exists
    try:
        key_id = str(store.directory.list_keys([u.id for u in store.directory.list_users()])[0].id)
    finally:
        store.close()
    return World(folder, url, folder / "posts.parquet", folder / "result.json", key_id)


def fill(value: str, world: World, here: Path) -> str:
    n = next(_unique)
    return (value.replace("{URL}", world.url)
            .replace("{NEW_DB}", f"sqlite:///{here / f'new-{n}.db'}")
            .replace("{OUT}", str(here / f"out-{n}"))
            .replace("{UNIQUE}", f"Unique name {os.getpid()}-{n}")
            .replace("{MISSING}", str(world.folder / "missing" / "nothing"))
            .replace("{DIR}", str(world.folder / "dir"))
            .replace("{FILE}", str(world.folder / "file"))
            .replace("{JUNK}", str(world.folder / "junk"))
            .replace("{EMPTY}", str(world.folder / "empty"))
            .replace("{EX}", str(EXAMPLES))
            .replace("{POSTS}", str(world.posts))
            .replace("{RESULT}", str(world.result))
            .replace("{KEY_ID}", world.key_id)
            .replace("{PORT}", str(free_port())))


def argv(command: str, values: dict[str, str]) -> list[str]:
    """The command line of ``command`` with ``values`` (by parameter name)."""
    words = command.split()
    options: list[str] = []
    for param in COMMANDS[command].params:
        if param.name not in values:
            continue
        if param.param_type_name == "argument":
            words.append(values[param.name])
        else:
            options += [param.opts[0], values[param.name]]
    return [*words, *options, *FLAGS.get(command, [])]


def valid_values(command: str, world: World, here: Path) -> dict[str, str]:
    return {name: fill(p.valid, world, here) for name, p in TABLE[command].items()
            if p.valid is not None}


def cases() -> Iterator[Any]:
    for command, params in TABLE.items():
        for name, spec in params.items():
            for bad in spec.bad:
                yield pytest.param(command, name, bad, id=f"{command}:{name}={bad[:24]!r}")


@pytest.fixture(autouse=True)
def no_serving(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """``serve`` and ``demo`` stop where they would start serving (a valid command exits 0)."""
    monkeypatch.setattr("uvicorn.run", lambda *_a, **_k: None)
    monkeypatch.delenv("WARROOM_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)


def assert_one_line_error(result: Any, args: list[str]) -> None:
    shown = f"{args}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{shown}\nexception: {result.exception!r}")
    assert result.exit_code not in (0, None), shown
    assert "Traceback" not in result.output, shown
    error = result.stderr.strip()
    assert error.startswith("error: ") and "\n" not in error, shown
    assert "internal error" not in error, shown


def test_the_table_covers_every_parameter_of_every_command() -> None:
    for command, click_command in COMMANDS.items():
        takes_values = {p.name for p in click_command.params
                        if not getattr(p, "is_flag", False) and p.name != "help"}
        listed = set(TABLE.get(command, {}))
        free = {name for cmd, name in FREE_TEXT if cmd == command}
        assert takes_values - free == listed, (command, takes_values - free ^ listed)


@pytest.mark.parametrize("command", sorted(TABLE))
def test_the_valid_command_succeeds(command: str, world: World, tmp_path: Path) -> None:
    args = argv(command, valid_values(command, world, tmp_path))
    result = _run(args)
    assert result.exit_code == 0, (args, result.output)


@pytest.mark.parametrize(("command", "name", "bad"), list(cases()))
def test_a_bad_value_is_one_line_and_a_non_zero_exit(
    command: str, name: str, bad: str, world: World, tmp_path: Path
) -> None:
    values = valid_values(command, world, tmp_path)
    values[name] = fill(bad, world, tmp_path)
    args = argv(command, values)
    assert_one_line_error(_run(args), args)


NAME_OPTIONS = [(c, n) for c, params in TABLE.items() for n, p in params.items()
                if p.valid in ("alice", "Chirp Social", "Parcel Mail", "WG", "group:WG")]


@settings(max_examples=int(os.environ.get("WARROOM_CLI_EXAMPLES", "60")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(choice=st.sampled_from(NAME_OPTIONS),
       text=st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\0"),
                    max_size=40))
def test_any_text_as_a_name_never_gives_a_traceback(
    choice: tuple[str, str], text: str, world: World, tmp_path: Path
) -> None:
    command, name = choice
    values = valid_values(command, world, tmp_path)
    values[name] = text
    args = argv(command, values)
    result = _run(args)
    if result.exit_code != 0:
        assert_one_line_error(result, args)
    assert "Traceback" not in result.output


def test_postgresql_without_the_extra_names_the_extra(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(__import__("sys").modules, "psycopg", None)  # as if not installed
    for url in ("postgresql+psycopg://warroom@127.0.0.1/warroom", "postgresql://u@h/db"):
        result = _run(["org", "list", "--database-url", url])
        assert_one_line_error(result, [url])
        assert "pip install 'warroom[postgres]'" in result.stderr
