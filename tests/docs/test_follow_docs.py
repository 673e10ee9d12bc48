"""A new user's first hour, measured: clone the repository, then follow the README and every docs
page command by command, as written, on the shipped examples; check each exit status and a key
line of what it prints (or the variable it sets).

Only what cannot run here is left out, each with its reason (installs reuse the test's
environment; Docker and PostgreSQL need servers this machine lacks). Servers (``warroom serve``,
``warroom demo``) start in the background on a free port (the docs' 6464 is replaced) and the
``curl`` commands query them. A command without an expectation below fails the test: a new
command in the docs needs a line here."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.docs.follow import Ran, Shell, Step, commands_of, free_port, is_server, make_venv

ROOT = Path(__file__).resolve().parents[2]
PAGES = ["README.md", *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md"))]

SKIPS = [
    (r"^python3 -m venv \.venv$", "the test makes .venv itself, on the test's interpreter"),
    (r"\bpip (install|download)\b", "packages come from the test's environment (no install)"),
    (r"^\./check\b|^\.ci/run\b", "runs the test suite, which runs this test"),
    (r"^docker\b|WARROOM_DB_PASSWORD", "needs a Docker engine (tests/docs/test_container.py)"),
    (r"postgresql\+psycopg://", "needs a PostgreSQL server"),
    *([(r"^curl\b", "curl is not installed here")] if shutil.which("curl") is None else []),
]

ENV = "env:"  # an expectation on a variable the command sets, not on its output
EXPECT = [
    (r"warroom demo$", r"Demo users"),
    (r"warroom demo --no-serve", r"Using the demo exchange seeded earlier"),
    (r"^KEY=\$\(grep", ENV + r"KEY=wr_[\w-]+"),
    (r"^source \.venv/bin/activate", ENV + r"VIRTUAL_ENV=.*/\.venv"),
    (r"^export KEY=\$\(warroom key create alice\)", ENV + r"KEY=wr_[\w-]+"),
    (r"taxii2/api/collections/", r'"collections"'),
    (r"/api/v1/objects\?type=indicator", r'"indicator--'),
    (r"/api/v1/objects/counts", r'"amber"'),
    (r"share-request\.json", r'"status_id"'),
    (r"/opinions$", r'"false-positive"'),
    (r"warroom init", r"^Initialised\. Instance admin admin of Exchange Operators"),
    (r"warroom db upgrade", r"^schema up to date"),
    (r"warroom serve", r"warroom on http://"),
    (r"warroom org add", r"^organisation \d+: "),
    (r"warroom org list --json", r'"name": "Parcel Mail"'),
    (r"warroom org list$", r"^id\tname\tsector\tidentity\n1\tExchange Operators\t"),
    (r"warroom user add alice", r"^user \d+: alice \(analyst\) of Chirp Social"),
    (r"warroom user add bob", r"^user \d+: bob \(reader\) of Parcel Mail"),
    (r"warroom user add carol", r"^user \d+: carol \(analyst\) of Florida Department of State"),
    (r"warroom user list", r"\tbob\tParcel Mail\treader\t"),
    (r"warroom key create bob", r"(?m)^wr_[\w-]+$"),
    (r"warroom key list bob", r"\tlaptop\t"),
    (r"warroom key revoke --user bob --name laptop", r"^key \d+ revoked"),
    (r"warroom group add", r"^group \d+: "),
    (r"warroom group member add", r"added to "),
    (r"warroom group member remove", r"removed from "),
    (r"warroom group list", r"Election Security WG\tChirp Social\tyes\t"),
    (r"warroom share examples/indicators\.json", r"shared 8 objects at TLP:AMBER"),
    (r"warroom export", r"^wrote \d+ objects to "),
    (r"warroom domains assets import .*--dotgov", r"assets saved for Florida Department of "
     r"State; 12 domains allowlisted"),
    (r"warroom domains assets import", r"12 assets saved for Florida Department of State"),
    (r"warroom domains assets list", r"Florida Department of State\tbrowardvotes\.gov\t"),
    (r"warroom domains watch", r"418 names .*: 17 alerts"),
    (r"warroom match", r"^9 matches against"),
    (r"warroom cib ingest", r"305 posts from 48 accounts written to posts\.parquet"),
    (r"warroom cib detect", r"1 clusters flagged \(8 accounts\)"),
    (r"warroom cib report", r"report written to report\.html \(1 flagged clusters\)"),
    (r"warroom cib share .*--bundle", r"STIX objects for 1 clusters written to networks\.json"),
    (r"warroom cib share", r"STIX objects for 1 clusters shared as alice"),
    (r"warroom --version", r"^warroom \d+\.\d+"),
]


def reason_to_skip(command: str) -> str | None:
    return next((why for pattern, why in SKIPS if re.search(pattern, command)), None)


def expectation(step: Step) -> str:
    bare = re.sub(r"\s+#\s.*$", "", step.command)  # without the trailing comment
    for pattern, expected in EXPECT:
        if re.search(pattern, bare):
            return expected
    raise AssertionError(f"{step.page}: no expectation for {step.command!r}: add one to EXPECT")


def check(step: Step, ran: Ran) -> None:
    where = f"{step.page}: {step.command}"
    assert ran.code == 0, f"{where}\nexit {ran.code}:\n{ran.output}"
    assert "Traceback" not in ran.output, f"{where}\n{ran.output}"
    expected = expectation(step)
    if expected.startswith(ENV):
        name, _, pattern = expected.removeprefix(ENV).partition("=")
        value = ran.env.get(name, "")
        assert re.fullmatch(pattern, value), f"{where}\n${name} is {value!r}"
    else:
        assert re.search(expected, ran.output, re.MULTILINE), f"{where}\n{ran.output}"


def clone_of_this_checkout(target: Path) -> Path:
    """A fresh clone of this repository at HEAD, with the working tree's uncommitted changes
    (tracked and new, not ignored files) applied, so the test follows the docs being edited."""
    clone = target / "warroom"
    subprocess.run(["git", "clone", "--quiet", "--no-checkout", str(ROOT), str(clone)],
                   check=True)
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True,
                          text=True, check=True).stdout.strip()
    subprocess.run(["git", "-C", str(clone), "checkout", "--quiet", head], check=True)
    changed = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "--modified", "--others", "--exclude-standard"],
        capture_output=True, text=True, check=True).stdout.split()
    for name in changed:
        source = ROOT / name
        if source.is_file():
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            (clone / name).write_bytes(source.read_bytes())
    for name in subprocess.run(["git", "-C", str(ROOT), "ls-files", "--deleted"],
                               capture_output=True, text=True, check=True).stdout.split():
        (clone / name).unlink(missing_ok=True)
    return clone


def test_every_page_has_its_commands_found() -> None:
    steps = {page: commands_of(ROOT / page, ROOT) for page in PAGES}
    assert len(steps["README.md"]) >= 20
    assert len(steps["docs/cli.md"]) >= 25  # one example per command of the table
    for page_steps in steps.values():
        for step in page_steps:
            if reason_to_skip(step.command) is None:
                expectation(step)  # every command that runs has an expectation


@pytest.mark.slow
def test_readme_and_docs_run_as_written_in_a_fresh_clone(tmp_path: Path) -> None:
    started = time.monotonic()
    clone = clone_of_this_checkout(tmp_path)
    assert (clone / "examples" / "indicators.json").is_file()
    assert not (clone / "warroom-data").exists()
    make_venv(clone)
    shell = Shell(clone, free_port())
    skipped: list[str] = []
    ran = 0
    try:
        for page in PAGES:
            for step in commands_of(ROOT / page, ROOT):
                why = reason_to_skip(step.command)
                if why is not None:
                    skipped.append(f"{page}: {step.command} ({why})")
                    continue
                result = (shell.start_server(step.command) if is_server(step.command)
                          else shell.run(step.command))
                check(step, result)
                ran += 1
    finally:
        shell.stop_server()
    assert ran >= 50
    assert (clone / "warroom-data" / "warroom.db").stat().st_mode & 0o777 == 0o600
    print(f"\nfollowed {ran} commands in {time.monotonic() - started:.0f} s; skipped "
          f"{len(skipped)}:\n  " + "\n  ".join(skipped))
