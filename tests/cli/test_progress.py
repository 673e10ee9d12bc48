"""Progress bars: drawn on a terminal for every command that can take a while, never when piped.

The commands run as a user runs them (a subprocess), once with stderr on a pseudo-terminal and
once with stderr on a pipe."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from warroom.cli.main import app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
BAR = "━"  # Rich's bar


def _setup(folder: Path) -> None:
    runner = CliRunner()
    for args in (["init"], ["org", "add", "Chirp Social"],
                 ["user", "add", "alice", "--org", "Chirp Social"],
                 ["cib", "ingest", str(EXAMPLES / "tweets.csv"), "--adapter", "twitter-io", "-o",
                  str(folder / "posts.parquet")]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output


LONG_RUNNING = [
    ["share", str(EXAMPLES / "indicators.json"), "--as", "alice", "--tlp", "green",
     "--to", "community"],
    ["export", "--as", "alice", "--output", "all.json"],
    ["domains", "assets", "import", str(EXAMPLES / "assets.csv"), "--org", "Chirp Social"],
    ["domains", "watch", f"nrd:{EXAMPLES / 'new-domains.parquet'}", "--report", "alerts.csv"],
    ["match", str(EXAMPLES / "access.log"), "--as", "alice"],
    ["cib", "ingest", str(EXAMPLES / "tweets.csv"), "--adapter", "twitter-io", "-o", "p.parquet"],
    ["cib", "detect", "posts.parquet", "-o", "result.json"],
    ["cib", "share", "result.json", "--bundle", "networks.json"],
]


def _run(args: list[str], folder: Path, terminal: bool) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARROOM_")}
    env.update(COLUMNS="100", TERM="xterm")
    command = [sys.executable, "-m", "warroom.cli.main", *args]
    if not terminal:
        done = subprocess.run(command, cwd=folder, env=env, capture_output=True, timeout=120,
                              check=False)
        return done.returncode, done.stderr.decode()
    leader, follower = pty.openpty()
    with subprocess.Popen(command, cwd=folder, env=env, stdout=subprocess.DEVNULL,
                          stderr=follower) as process:
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closed with the process
                break
            if not chunk:
                break
            chunks.append(chunk)
        code = process.wait(timeout=120)
    os.close(leader)
    return code, b"".join(chunks).decode(errors="replace")


@pytest.mark.slow
def test_long_running_commands_show_progress_on_a_terminal_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WARROOM_DATABASE_URL", raising=False)
    _setup(tmp_path)
    for args in LONG_RUNNING:
        code, shown = _run(args, tmp_path, terminal=True)
        assert code == 0, (args, shown)
        assert BAR in shown, (args, shown)
        code, piped = _run(args, tmp_path, terminal=False)
        assert code == 0, (args, piped)
        assert BAR not in piped and "\x1b[" not in piped, (args, piped)
