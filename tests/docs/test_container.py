"""The container files: checked statically everywhere, built where a Docker engine answers.

The development machine has the Docker client but no engine, so the build test skips there
(saying so); the static checks hold the Dockerfile and compose.yaml to what docs/deployment.md
promises: built from this checkout, offline at run time, non-root, the right port and extra."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from warroom.api import create_app
from warroom.settings import Settings
from warroom.storage.store import Store

ROOT = Path(__file__).resolve().parents[2]


def instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of a Dockerfile, continuation lines joined, comments dropped."""
    joined: list[str] = []
    pending = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        joined.append(pending + line)
        pending = ""
    assert not pending, "the Dockerfile ends inside a continued line"
    out = []
    for line in joined:
        word, _, rest = line.partition(" ")
        out.append((word.upper(), rest.strip()))
    return out


def stages(path: Path) -> list[list[tuple[str, str]]]:
    result: list[list[tuple[str, str]]] = []
    for word, rest in instructions(path):
        if word == "FROM":
            result.append([])
        elif not result:
            assert word == "ARG", f"{word} before the first FROM"
            continue
        result[-1].append((word, rest))
    return result


KNOWN = {"FROM", "ARG", "WORKDIR", "COPY", "RUN", "LABEL", "USER", "VOLUME", "ENV", "EXPOSE",
         "HEALTHCHECK", "ENTRYPOINT", "CMD"}


def test_dockerfile_parses_and_copies_only_files_that_exist() -> None:
    steps = instructions(ROOT / "Dockerfile")
    assert {word for word, _ in steps} <= KNOWN
    assert len(stages(ROOT / "Dockerfile")) == 2
    copied = []
    for word, rest in steps:
        if word == "COPY" and not rest.startswith("--from"):
            *sources, _target = shlex.split(rest)
            copied += sources
    assert {"pyproject.toml", "src", "LICENSE"} <= set(copied)
    for source in copied:
        assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
    ignored = (ROOT / ".dockerignore").read_text().split()
    for source in copied:
        assert source not in ignored, f"{source} is copied but .dockerignore excludes it"
    for heavy in (".git", ".venv", "warroom-data", "tests"):
        assert heavy in ignored


def test_image_installs_the_package_with_postgres_offline_and_runs_as_non_root() -> None:
    build, final = stages(ROOT / "Dockerfile")
    build_runs = " ".join(rest for word, rest in build if word == "RUN")
    assert "pip wheel" in build_runs and '".[postgres]"' in build_runs
    assert "--find-links ./wheelhouse" in build_runs  # the offline build's wheels
    runs = " ".join(rest for word, rest in final if word == "RUN")
    assert '"warroom[postgres]"' in runs and "--no-index" in runs  # only the wheels built above
    users = [rest for word, rest in final if word == "USER"]
    assert users and users[-1] not in ("root", "0") and not users[-1].startswith("0:")
    last_user = max(i for i, (word, _) in enumerate(final) if word == "USER")
    assert all(word != "RUN" for word, _ in final[last_user:]), "RUN after USER runs as root"
    entry = [rest for word, rest in final if word == "ENTRYPOINT"]
    assert entry == ['["warroom"]']


def test_image_port_and_health_check_match_the_server() -> None:
    final = stages(ROOT / "Dockerfile")[-1]
    port = str(Settings.model_fields["port"].default)
    assert [rest for word, rest in final if word == "EXPOSE"] == [port]
    env = " ".join(rest for word, rest in final if word == "ENV")
    assert f"WARROOM_PORT={port}" in env and "WARROOM_HOST=0.0.0.0" in env
    check = " ".join(rest for word, rest in final if word == "HEALTHCHECK")
    route = re.search(rf"http://127\.0\.0\.1:{port}(/[\w/]+)", check)
    assert route is not None
    store = Store.open("sqlite://")
    try:
        with TestClient(create_app(Settings(database_url="sqlite://"), store)) as client:
            assert client.get(route.group(1)).status_code == 200
    finally:
        store.close()


def test_compose_runs_warroom_on_postgres_without_a_default_password() -> None:
    text = (ROOT / "compose.yaml").read_text()
    compose = yaml.safe_load(text)
    db, app = compose["services"]["db"], compose["services"]["warroom"]
    assert db["image"].startswith("postgres:")
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert db["environment"]["POSTGRES_PASSWORD"].startswith("${WARROOM_DB_PASSWORD:?")
    assert app["build"] == "."
    assert app["depends_on"]["db"]["condition"] == "service_healthy"
    url = app["environment"]["WARROOM_DATABASE_URL"]
    assert url.startswith("postgresql+psycopg://") and "@db:5432/" in url
    assert "${WARROOM_DB_PASSWORD:?" in url
    port = Settings.model_fields["port"].default
    assert app["ports"] == [f"127.0.0.1:{port}:{port}"]
    assert compose["networks"]["backend"]["internal"] is True
    assert set(db["networks"]) == {"backend"}


def _engine_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    probe = subprocess.run(["docker", "info"], capture_output=True, timeout=30, check=False)
    return probe.returncode == 0


@pytest.mark.slow
def test_image_builds_and_runs() -> None:
    if not _engine_answers():
        pytest.skip("no Docker engine answers here (docker info fails): the image is not built")
    tag = "warroom-test:latest"
    subprocess.run(["docker", "build", "-t", tag, str(ROOT)], check=True, timeout=1800)
    ran = subprocess.run(["docker", "run", "--rm", tag, "--version"], capture_output=True,
                         text=True, check=True, timeout=120)
    assert ran.stdout.startswith("warroom ")
    user = subprocess.run(["docker", "run", "--rm", "--entrypoint", "id", tag, "-u"],
                          capture_output=True, text=True, check=True, timeout=120)
    assert user.stdout.strip() != "0"
