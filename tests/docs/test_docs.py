"""Docs that cannot rot: every setting is documented, and every command and option the README
and the docs mention exists (tests/docs/test_follow_docs.py runs them)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import typer.main

from warroom.cli.main import app
from warroom.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_every_setting_is_documented() -> None:
    text = (ROOT / "docs" / "configuration.md").read_text()
    for name in Settings.model_fields:
        assert f"`WARROOM_{name.upper()}`" in text, f"WARROOM_{name.upper()} is not documented"


MENTION = re.compile(r"(?:^|[`$(\s])warroom((?: [a-z][\w-]*)+)((?: [^`\n]*)?)")


def _leaf(words: list[str]) -> tuple[Any, list[str]]:
    command: Any = typer.main.get_command(app)
    used = []
    for word in words:
        subs = getattr(command, "commands", None) or {}
        if word not in subs:
            break
        command = subs[word]
        used.append(word)
    return command, used


def test_every_command_and_option_the_docs_mention_exists() -> None:
    checked = 0
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for match in MENTION.finditer(page.read_text()):
            words = match.group(1).split()
            command, used = _leaf(words)
            if not used:
                continue  # prose ("warroom is licensed ...")
            options = {o for p in command.params for o in (*p.opts, *p.secondary_opts)}
            for option in re.findall(r"(?<![\w-])(--[a-z][\w-]*)", match.group(0)):
                assert option in options | {"--help"}, (page.name, match.group(0), option)
            checked += 1
    assert checked >= 60


def test_readme_set_up_commands_match_ci() -> None:
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "pip install -e '.[test]' && ./check" in readme
    assert "pip install --quiet -e '.[test]'" in ci and "bash check" in ci
