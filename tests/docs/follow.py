"""Following the README and the docs as a reader would: their commands, in order, in a shell.

``commands_of`` finds a page's commands: every line of its ``bash``/``sh`` code blocks (and of
unlabelled blocks that start with ``warroom``) and every table cell that is a ``warroom``
command. ``Shell`` runs them one at a time in one folder, carrying exported variables from one
command to the next as a terminal session would (``source .venv/bin/activate``,
``export KEY=$(...)``); ``warroom serve`` and ``warroom demo`` run in the background until the
next server starts or the session ends."""

from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

FENCE = re.compile(r"^```([\w-]*)[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
TABLE_COMMAND = re.compile(r"^\|[^|\n]*\|\s*`((?:[A-Z_]+=\S+ )?warroom [^`]+)`\s*\|", re.MULTILINE)
SHELLS = {"bash", "sh", "shell"}
SERVER = re.compile(r"\bwarroom (serve|demo)\b(?!.*--no-serve)")
DOC_PORT = "6464"


@dataclass(frozen=True)
class Step:
    page: str
    command: str


def commands_of(path: Path, root: Path) -> list[Step]:
    """The commands a page asks its reader to run, in reading order."""
    text = path.read_text()
    found: list[tuple[int, str]] = []
    for fence in FENCE.finditer(text):
        language, body = fence.group(1), fence.group(2)
        lines = _joined(body)
        if language in SHELLS or (not language and lines and lines[0].startswith("warroom ")):
            offset = fence.start()
            found += [(offset, line) for line in lines]
    found += [(m.start(), m.group(1)) for m in TABLE_COMMAND.finditer(text)]
    page = str(path.relative_to(root))
    steps = []
    for _, line in sorted(found, key=lambda item: item[0]):
        steps += [Step(page, part.strip()) for part in line.split(" && ")]
    return steps


def _joined(body: str) -> list[str]:
    lines: list[str] = []
    pending = ""
    for raw in body.splitlines():
        line = raw.rstrip()
        if line.endswith("\\"):
            pending += line[:-1].strip() + " "
            continue
        line = (pending + line.strip()).strip()
        pending = ""
        if line and not line.startswith("#"):
            lines.append(line)
    return lines


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def make_venv(clone: Path) -> None:
    """``clone/.venv``: a real virtual environment (``bin/activate``, ``bin/python``) whose
    ``warroom`` is the clone's own code, on the packages of the test's environment (no
    install)."""
    venv = clone / ".venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    site = venv / "lib" / version / "site-packages"
    ours = sysconfig.get_paths()["purelib"]
    (site / "_warroom_clone.pth").write_text(f"{clone / 'src'}\n{ours}\n")
    script = venv / "bin" / "warroom"
    script.write_text(
        # as pip writes console scripts: the guard keeps server worker processes (spawned,
        # which import this file again) from running the command again
        f"#!{venv / 'bin' / 'python'}\nimport sys\nfrom warroom.cli.main import main\n"
        "if __name__ == '__main__':\n    sys.exit(main())\n"
    )
    script.chmod(0o755)


@dataclass
class Ran:
    code: int
    output: str
    env: dict[str, str]


class Shell:
    """One reader's terminal session in ``folder``."""

    def __init__(self, folder: Path, port: int) -> None:
        self.folder = folder
        self.port = port
        self.state = folder.parent / "shell-state.sh"
        self.logs = folder.parent / "server-logs"
        self.logs.mkdir(exist_ok=True)
        self.server: subprocess.Popen[bytes] | None = None
        self.server_log: Path | None = None
        base = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": os.environ.get("HOME", str(folder.parent)),
            "LANG": "C.UTF-8",
            "TMPDIR": os.environ.get("TMPDIR", "/tmp"),
            "WARROOM_PORT": str(port),
        }
        self.state.write_text("".join(f"export {k}={shlex.quote(v)}\n" for k, v in base.items()))

    def _script(self, command: str, keep_state: bool) -> str:
        command = command.replace(DOC_PORT, str(self.port))
        state = shlex.quote(str(self.state))
        if not keep_state:  # a server: the shell becomes it, so stopping it stops the server
            return f"source {state}\nset -a\nexec {command}\n"
        return f"source {state}\nset -a\n{command}\n__rc=$?\nexport -p > {state}\nexit $__rc\n"

    def run(self, command: str, timeout: float = 180) -> Ran:
        done = subprocess.run(["bash", "-c", self._script(command, True)], cwd=self.folder,
                              env={}, capture_output=True, text=True, timeout=timeout,
                              check=False)
        return Ran(done.returncode, done.stdout + done.stderr, self.env())

    def env(self) -> dict[str, str]:
        listed = subprocess.run(["bash", "-c", f"source {shlex.quote(str(self.state))}; env -0"],
                                env={}, capture_output=True, check=True).stdout
        pairs = (item.split(b"=", 1) for item in listed.split(b"\0") if b"=" in item)
        return {k.decode(): v.decode() for k, v in pairs}

    def start_server(self, command: str, timeout: float = 90) -> Ran:
        """Start a server command in the background; wait until it answers."""
        self.stop_server()
        log = self.logs / f"server-{time.monotonic_ns()}.log"
        with log.open("wb") as handle:
            self.server = subprocess.Popen(
                ["bash", "-c", self._script(command, False)], cwd=self.folder, env={},
                stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)
        self.server_log = log
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{self.port}/api/v1/health"
        while time.monotonic() < deadline:
            code = self.server.poll()
            if code is not None:
                return Ran(code, log.read_text(), self.env())
            try:
                with urllib.request.urlopen(url, timeout=2) as answer:
                    if answer.status == 200:
                        return Ran(0, log.read_text(), self.env())
            except OSError:
                time.sleep(0.3)
        return Ran(-1, log.read_text() + "\n(server did not answer in time)", self.env())

    def stop_server(self) -> None:
        if self.server is None:
            return
        if self.server.poll() is None:
            os.killpg(self.server.pid, signal.SIGTERM)
            try:
                self.server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.server.pid, signal.SIGKILL)
                self.server.wait(timeout=15)
        self.server = None


def is_server(command: str) -> bool:
    return bool(SERVER.search(command))
