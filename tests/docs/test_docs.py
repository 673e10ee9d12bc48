"""Docs that cannot rot: every setting is documented, and the README's commands exist."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from warroom.cli.main import app
from warroom.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_every_setting_is_documented() -> None:
    text = (ROOT / "docs" / "configuration.md").read_text()
    for name in Settings.model_fields:
        assert f"`WARROOM_{name.upper()}`" in text, f"WARROOM_{name.upper()} is not documented"


def test_readme_commands_exist() -> None:
    readme = (ROOT / "README.md").read_text()
    commands = set(re.findall(r"^warroom ([a-z]+(?: [a-z]+)?)", readme, flags=re.MULTILINE))
    assert {"init", "serve", "share", "export"} <= {c.split()[0] for c in commands}
    runner = CliRunner()
    for command in sorted(commands):
        words = command.split()
        result = runner.invoke(app, [*words, "--help"])
        assert result.exit_code == 0, (command, result.output)


def test_readme_set_up_commands_match_ci() -> None:
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "pip install -e '.[test]' && ./check" in readme
    assert "pip install --quiet -e '.[test]'" in ci and "bash check" in ci
