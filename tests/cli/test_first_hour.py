"""What a new user meets in their first hour, through the command line's public interface: no
instance, no traceback; files only the owner can read; a demo that keeps its keys; complete
output when piped and JSON on request; help that reads well; ingests that fail loudly."""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from warroom import __version__
from warroom.cli import admin as admin_module
from warroom.cli.main import app
from warroom.detectors.cib.signals import DEFAULT_SIGNALS

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
NO_INSTANCE = ("no warroom instance here (sqlite:///warroom-data/warroom.db): run `warroom init` "
               "(or set WARROOM_DATABASE_URL)")


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty folder as the current one, with no WARROOM_DATABASE_URL."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WARROOM_DATABASE_URL", raising=False)
    return tmp_path


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def one_line_error(result: Any) -> str:
    assert result.exit_code != 0, result.output
    assert "Traceback" not in result.output
    error = result.stderr.strip()
    assert error.startswith("error: ") and "\n" not in error, result.stderr
    return str(error)


@pytest.mark.parametrize("command", [
    ["org", "list"], ["serve"], ["db", "upgrade"], ["user", "add", "bob", "--org", "X"],
    ["share", str(EXAMPLES / "indicators.json"), "--as", "alice", "--tlp", "green"],
    ["match", str(EXAMPLES / "access.log"), "--as", "alice"],
    ["domains", "assets", "list"], ["export", "--as", "alice"],
])
def test_commands_refuse_where_there_is_no_instance_and_create_nothing(
    here: Path, command: list[str]
) -> None:
    error = one_line_error(run(*command))
    assert error == f"error: {NO_INSTANCE}"
    assert list(here.iterdir()) == []


def test_a_database_in_a_folder_that_does_not_exist_is_an_error(here: Path) -> None:
    error = one_line_error(run("init", "--database-url", "sqlite:///typo/warroom.db"))
    assert "folder typo does not exist" in error
    assert not (here / "typo").exists()


def test_init_makes_the_database_readable_by_its_owner_only(here: Path) -> None:
    old = os.umask(0o022)
    try:
        assert run("init").exit_code == 0
        assert run("org", "add", "Chirp Social").exit_code == 0  # writes through the WAL
    finally:
        os.umask(old)
    folder = here / "warroom-data"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    files = sorted(folder.iterdir())
    assert any(f.name == "warroom.db" for f in files)
    for file in files:
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, file.name
    explicit = here / "elsewhere.db"
    assert run("init", "--database-url", f"sqlite:///{explicit}").exit_code == 0
    assert stat.S_IMODE(explicit.stat().st_mode) == 0o600


def test_demo_run_again_keeps_its_keys_and_reset_says_they_changed(here: Path) -> None:
    first = run("demo", "--no-serve")
    assert first.exit_code == 0, first.output
    keys = (here / "warroom-data" / "demo-keys.txt").read_text()
    for name in ("demo.db", "demo-keys.txt"):
        assert stat.S_IMODE((here / "warroom-data" / name).stat().st_mode) == 0o600
    again = run("demo", "--no-serve")
    assert again.exit_code == 0, again.output
    assert "keys are unchanged" in again.stderr
    assert (here / "warroom-data" / "demo-keys.txt").read_text() == keys
    for line in keys.splitlines():
        assert line.split("\t")[3] in again.stdout  # the same keys, shown again
    reset = run("demo", "--no-serve", "--reset")
    assert reset.exit_code == 0, reset.output
    assert "every demo key changed" in reset.stderr
    new_keys = (here / "warroom-data" / "demo-keys.txt").read_text()
    assert not set(new_keys.split()) & {line.split("\t")[3] for line in keys.splitlines()}


def _instance_with_long_names(here: Path) -> str:
    long_org = "The Very Long Named Office of Election Integrity and Voter Protection " * 2
    for args in (["init"], ["org", "add", long_org.strip()],
                 ["user", "add", "alice", "--org", long_org.strip()],
                 ["group", "add", "WG", "--owner", long_org.strip()]):
        assert run(*args).exit_code == 0
    return long_org.strip()


def test_piped_listings_are_complete_tab_separated_lines(here: Path) -> None:
    long_org = _instance_with_long_names(here)
    listing = run("org", "list")
    assert listing.exit_code == 0
    lines = listing.stdout.splitlines()
    assert lines[0] == "id\tname\tsector\tidentity"
    row = next(line.split("\t") for line in lines if long_org in line)
    assert row[1] == long_org and re.fullmatch(r"identity--[0-9a-f-]{36}", row[3])
    assert "…" not in listing.stdout and "\x1b[" not in listing.stdout
    users = run("user", "list").stdout.splitlines()
    assert users[0].split("\t") == ["id", "user", "organisation", "role", "instance_admin",
                                    "disabled"]


@pytest.mark.parametrize(("command", "keys"), [
    (["org", "list"], {"id", "name", "sector", "identity"}),
    (["user", "list"], {"id", "user", "organisation", "role", "instance_admin", "disabled"}),
    (["key", "list", "alice"], {"id", "name", "prefix", "revoked"}),
    (["group", "list"], {"id", "name", "owner", "confidential", "members"}),
    (["domains", "assets", "list"], {"organisation", "domain", "protects", "tokens", "owned"}),
    (["match", str(EXAMPLES / "access.log"), "--as", "alice"],
     {"line", "observable", "kind", "indicator", "ref"}),
])
def test_every_listing_command_speaks_json(here: Path, command: list[str], keys: set[str]) -> None:
    _instance_with_long_names(here)
    assert run("key", "create", "alice").exit_code == 0
    assert run("domains", "assets", "import", str(EXAMPLES / "assets.csv"), "--org",
               "Exchange Operators").exit_code == 0
    assert run("share", str(EXAMPLES / "indicators.json"), "--as", "alice", "--tlp",
               "green", "--to", "community").exit_code == 0
    result = run(*command, "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert rows and all(set(row) == keys for row in rows)


def test_listing_commands_all_offer_json() -> None:
    root = typer.main.get_command(app)

    def leaves(command: Any, path: str) -> list[tuple[str, Any]]:
        subs = getattr(command, "commands", None)
        if not subs:
            return [(path, command)]
        return [leaf for name, sub in subs.items() for leaf in leaves(sub, f"{path} {name}")]

    listing = [path for path, command in leaves(root, "") if path.endswith(" list")]
    assert len(listing) == 5
    for path, command in leaves(root, ""):
        if path in listing or path == " match":
            assert "--json" in {o for p in command.params for o in p.opts}, path


def _helps() -> list[tuple[str, str]]:
    root = typer.main.get_command(app)
    found: list[tuple[str, str]] = []

    def walk(command: Any, words: list[str]) -> None:
        found.append((" ".join(words), run(*words, "--help").stdout))
        for name, sub in (getattr(command, "commands", None) or {}).items():
            walk(sub, [*words, name])

    walk(root, [])
    return found


def test_help_has_no_type_labels_and_keeps_brackets_and_defaults() -> None:
    helps = dict(_helps())
    assert len(helps) > 30
    for words, text in helps.items():
        assert text.startswith("Usage: warroom"), words
        assert not re.search(r"<(bool|str|int|float|path|int range|list\[\w+\])>", text), words
        assert "…" not in text and "\x1b[" not in text, words
    flat = {w: " ".join(t.split()) for w, t in helps.items()}
    assert "warroom[spark]" in flat["cib detect"]
    assert ", ".join(DEFAULT_SIGNALS) in flat["cib detect"]
    assert "sqlite:///warroom-data/demo.db" in flat["demo"]
    assert "shared/data/README.md" not in flat["demo"] and "docs/cli.md" in flat["demo"]
    assert "--version" in flat[""]


def test_version_option_and_command() -> None:
    assert run("--version").stdout == f"warroom {__version__}\n"
    assert run("version").stdout == f"{__version__}\n"


def test_usage_mistakes_are_one_line_with_the_help_to_read(here: Path) -> None:
    for args in (["org", "lst"], ["cib", "detect", "x", "-o", "y", "--window", "soon"],
                 ["user", "add", "bob"], ["--nope"]):
        result = run(*args)
        error = one_line_error(result)
        assert result.exit_code == 2 and "--help'" in error, error


def test_an_unexpected_failure_is_one_line_and_debug_shows_the_traceback(
    here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run("init").exit_code == 0

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("something nobody expected\nsecond line")

    monkeypatch.setattr(admin_module, "emit", broken)
    result = run("org", "list")
    assert result.exit_code == 70
    assert result.stderr.startswith("error: internal error (RuntimeError: something nobody "
                                    "expected); this is a bug")
    assert result.stderr.count("\n") == 1
    monkeypatch.setenv("WARROOM_DEBUG", "1")
    assert isinstance(run("org", "list").exception, RuntimeError)


HEADER = ("tweetid,userid,tweet_text,tweet_time,retweet_tweetid,in_reply_to_tweetid,"
          "account_creation_date,urls,hashtags,user_mentions\n")


def test_an_ingest_whose_every_row_is_bad_fails_and_writes_nothing(here: Path) -> None:
    bad = here / "bad.csv"
    bad.write_text(HEADER + "1,,no account,2024-11-05 12:00:00,,,,,,\n"
                            "2,u2,no time,yesterday-ish,,,,,,\n")
    error = one_line_error(run("cib", "ingest", str(bad), "--adapter", "twitter-io", "-o",
                               "posts.parquet"))
    assert "no posts in" in error and "1 no account, 1 no parseable time" in error
    assert sorted(p.name for p in here.iterdir()) == ["bad.csv"]
    good = run("cib", "ingest", str(EXAMPLES / "tweets.csv"), "--adapter", "twitter-io", "-o",
               "posts.parquet")
    assert good.exit_code == 0
    before = (here / "posts.parquet").read_bytes()
    one_line_error(run("cib", "ingest", str(bad), "--adapter", "twitter-io", "-o",
                       "posts.parquet"))
    assert (here / "posts.parquet").read_bytes() == before  # the earlier result is kept
    assert sorted(p.name for p in here.iterdir()) == ["bad.csv", "posts.parquet"]


def test_detect_given_the_csv_says_to_ingest_first(here: Path) -> None:
    error = one_line_error(run("cib", "detect", str(EXAMPLES / "tweets.csv"), "-o", "r.json"))
    assert "is not Parquet: run 'warroom cib ingest" in error
    assert not (here / "r.json").exists()


def test_a_bad_setting_names_its_variable(here: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARROOM_PORT", "soon")
    error = one_line_error(run("org", "list"))
    assert error.startswith("error: bad setting WARROOM_PORT='soon': ")
