"""Election night: many members at once against one `warroom serve`, driven by wrk.

What it measures (issue 16), on a store holding the demo data plus ``--objects`` objects shared
by ten organisations to every kind of audience:

1. ``wrk`` (Debian's package; `apt-get install wrk`) with a Lua script, ``--clients``
   connections for ``--seconds``: a mix of TAXII collections (25%), TAXII pages of 100 objects
   (25%), one object by id (20%), REST search (20%) and writes (10%, new indicators), each
   request with a random one of 50 users' API keys. Requests per second, latency percentiles,
   errors (socket errors and answers other than 2xx), and the server's CPU per request (its
   processes' CPU time over the run / requests).
2. Server CPU per request with a single sequential client: listing collections, and a TAXII
   page of 100 objects.
3. Back-pressure: one extra client hammering with one key while ``--clients`` - 1 others run
   the mix: how many 429s it got, and the others' latency.

Run: ``python -m bench.load --database-url sqlite:///bench-load.db --output docs/benchmarks.md``
(the store is built on the first run and reused after; add ``--rebuild`` to start over) and the
same with ``--database-url postgresql+psycopg://postgres@127.0.0.1:5432/warroom_load``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psutil

from bench.exchange import load_mixed
from warroom.model.collections import CollectionKind, CollectionRef
from warroom.model.orgs import Role
from warroom.settings import Settings
from warroom.storage.store import Store
from warroom.testing.server import free_port

TAXII = "application/taxii+json;version=2.1"
ALL = CollectionRef(CollectionKind.ALL).id
USERS = 50
LUA = r"""
local keys = {}
local ids = {}
for line in io.lines(os.getenv("LOAD_KEYS")) do
  local key, id = line:match("^(%S+)%s+(%S+)$")
  keys[#keys + 1] = key
  ids[#ids + 1] = id
end
local counter = 0
local thread_tag = tostring(math.random(1, 1000000000))
local all = os.getenv("LOAD_ALL")
local only_key = os.getenv("LOAD_ONE_KEY")

function request()
  local i = math.random(1, #keys)
  local key = only_key or keys[i]
  local auth = "Bearer " .. key
  local r = math.random()
  local taxii = { ["Authorization"] = auth, ["Accept"] = "application/taxii+json;version=2.1" }
  if only_key then
    return wrk.format("GET", "/taxii2/api/collections/", taxii)
  elseif r < 0.25 then
    return wrk.format("GET", "/taxii2/api/collections/", taxii)
  elseif r < 0.50 then
    return wrk.format("GET", "/taxii2/api/collections/" .. all .. "/objects/?limit=100", taxii)
  elseif r < 0.70 then
    return wrk.format("GET", "/taxii2/api/collections/" .. all .. "/objects/" .. ids[i] .. "/", taxii)
  elseif r < 0.90 then
    return wrk.format("GET", "/api/v1/objects?type=indicator&limit=100",
                      { ["Authorization"] = auth })
  else
    counter = counter + 1
    local n = string.format("%012d", counter)
    local id = "indicator--" .. string.format("%08x", tonumber(thread_tag) % 4294967296) ..
               "-1111-4111-8111-" .. n
    local body = '{"objects":[{"type":"indicator","spec_version":"2.1","id":"' .. id ..
      '","created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:00:00.000Z",' ..
      '"name":"load","pattern":"[domain-name:value = \'load-' .. n .. '.example\']",' ..
      '"pattern_type":"stix","valid_from":"2026-11-01T00:00:00.000Z"}],"tlp":"green",' ..
      '"recipients":{"community":true}}'
    return wrk.format("POST", "/api/v1/objects",
                      { ["Authorization"] = auth, ["Content-Type"] = "application/json" }, body)
  end
end

local statuses = {}
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  io.stderr:write(string.format("WRKJSON %s\n", '{"requests":' .. summary.requests ..
    ',"duration_us":' .. summary.duration ..
    ',"errors_connect":' .. summary.errors.connect .. ',"errors_read":' .. summary.errors.read ..
    ',"errors_write":' .. summary.errors.write .. ',"errors_status":' .. summary.errors.status ..
    ',"errors_timeout":' .. summary.errors.timeout ..
    ',"p50_us":' .. latency:percentile(50) .. ',"p90_us":' .. latency:percentile(90) ..
    ',"p99_us":' .. latency:percentile(99) .. ',"max_us":' .. latency.max .. '}'))
end
"""


def build_store(url: str, n_objects: int) -> None:
    """Demo organisations and data, then ``n_objects`` in every kind of audience."""
    from warroom.services.demo import seed
    from warroom.services.exchange import ExchangeService

    store = Store.open(url)
    if not store.directory.list_orgs():
        seed(store, ExchangeService(store, Settings(database_url=url)), None)
    store.close()
    print(f"loading {n_objects:,} objects ...", file=sys.stderr)
    _, seconds = load_mixed(url, n_objects)
    print(f"loaded in {seconds:.0f} s", file=sys.stderr)


def make_users(url: str) -> list[str]:
    """API keys of 50 new users, five in each of the ten loaded organisations."""
    store = Store.open(url)
    try:
        directory = store.directory
        orgs = [o for o in directory.list_orgs() if o.name.startswith("Org ")]
        lines = []
        for n in range(USERS):
            org = orgs[n % len(orgs)]
            name = f"load-{n:02d}-{os.getpid()}"
            user = directory.create_user(org.id, name, Role.ANALYST)
            _, key = directory.create_key(user.id, "load")
            lines.append(key)
    finally:
        store.close()
    return lines


def readable_ids(base: str, keys: list[str], path: Path) -> None:
    """For each key, one object id it may read (so object-by-id requests find something)."""
    out = []
    with httpx.Client(base_url=base, timeout=60) as client:
        for key in keys:
            page = client.get("/api/v1/objects", params={"type": "indicator", "limit": 50},
                              headers={"Authorization": f"Bearer {key}"}).json()
            object_id = random.choice(page["objects"])["id"]
            out.append(f"{key} {object_id}")
    path.write_text("\n".join(out) + "\n")


def server_cpu(proc: psutil.Process) -> float:
    total = 0.0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            times = p.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


def start_server(url: str, port: int, workers: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "warroom.cli.main", "serve", "--port", str(port),
         "--workers", str(workers), "--database-url", url],
        env={**os.environ, **env, "WARROOM_LOG_LEVEL": "warning"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2).status_code == 200:
                time.sleep(2)  # every worker up
                return proc
        except httpx.TransportError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("the server did not start")


def run_wrk(base: str, keys_file: Path, lua: Path, clients: int, seconds: int,
            one_key: str | None = None) -> dict[str, Any]:
    env = {**os.environ, "LOAD_KEYS": str(keys_file), "LOAD_ALL": ALL}
    if one_key:
        env["LOAD_ONE_KEY"] = one_key
    out = subprocess.run(
        ["wrk", "-t1", f"-c{clients}", f"-d{seconds}s", "--timeout", "10s", "-s", str(lua),
         base],
        capture_output=True, text=True, env=env, check=True,
    )
    found = re.search(r"WRKJSON (\{.*\})", out.stderr)
    if found is None:
        raise RuntimeError(f"wrk said: {out.stdout}\n{out.stderr}")
    result: dict[str, Any] = json.loads(found.group(1))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["errors"] = sum(result[k] for k in result if k.startswith("errors_"))
    return result


def single_client_cpu(base: str, keys: list[str], proc: psutil.Process, n: int
                      ) -> dict[str, float]:
    """Server CPU per request of one sequential client (its requests spread over the keys, so
    that no key goes over its rate)."""
    paths = {
        "collections": "/taxii2/api/collections/",
        "page of 100": f"/taxii2/api/collections/{ALL}/objects/?limit=100",
    }
    out = {}
    with httpx.Client(base_url=base, timeout=60) as client:
        for label, path in paths.items():
            for i in range(20):
                client.get(path, headers=_taxii(keys[i % len(keys)]))
            before = server_cpu(proc)
            for i in range(n):
                response = client.get(path, headers=_taxii(keys[i % len(keys)]))
                response.raise_for_status()
            out[label] = (server_cpu(proc) - before) / n * 1000
    return out


def _taxii(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}", "Accept": TAXII}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="sqlite:///bench-load.db")
    parser.add_argument("--objects", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("bench.load needs wrk: apt-get install wrk")
    url = args.database_url
    marker = Path(tempfile.gettempdir()) / f"warroom-load-{abs(hash(url))}.built"
    if args.rebuild or not marker.exists():
        if url.startswith("sqlite:///"):
            for suffix in ("", "-wal", "-shm"):
                Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
        elif args.rebuild:
            from warroom.testing.databases import fresh_database_url

            os.environ["WARROOM_TEST_DATABASE_URL"] = url
            url = fresh_database_url(Path("."), "load")
        build_store(url, args.objects)
        marker.write_text(url)
    url = marker.read_text() or url
    folder = Path(tempfile.mkdtemp(prefix="warroom-load-"))
    keys = make_users(url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    lua = folder / "mix.lua"
    lua.write_text(LUA)
    results: dict[str, Any] = {"url": url.split("@")[-1], "objects": args.objects}
    proc = start_server(url, port, args.workers, {})
    server = psutil.Process(proc.pid)
    try:
        keys_file = folder / "keys-ids.txt"
        readable_ids(base, keys, keys_file)
        results["single"] = single_client_cpu(base, keys, server, 500)
        before = server_cpu(server)
        mix = run_wrk(base, keys_file, lua, args.clients, args.seconds)
        mix["cpu_ms"] = (server_cpu(server) - before) / max(1, mix["requests"]) * 1000
        results["mix"] = mix
        # back-pressure: one key far over its rate, beside the others
        others = subprocess.Popen(
            ["wrk", "-t1", f"-c{args.clients - 1}", f"-d{args.seconds // 2}s", "--timeout", "10s",
             "-s", str(lua), base],
            env={**os.environ, "LOAD_KEYS": str(keys_file), "LOAD_ALL": ALL},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        hog = run_wrk(base, keys_file, lua, 4, args.seconds // 2, one_key=keys[1])
        out, err = others.communicate()
        found = re.search(r"WRKJSON (\{.*\})", err)
        results["hog"] = hog
        results["others"] = json.loads(found.group(1)) if found else {"error": out + err}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    text = report(args, results)
    print(text)
    if args.output:
        with args.output.open("a") as handle:
            handle.write("\n" + text)


def report(args: argparse.Namespace, r: dict[str, Any]) -> str:
    mix = r["mix"]
    load = os.getloadavg()[0]
    backend = "PostgreSQL" if "postgresql" in args.database_url else "SQLite"
    others = r["others"]
    hog = r["hog"]
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return "\n".join([
        f"## Serving many members — {backend}, {when}",
        "",
        f"Command: `python -m bench.load --database-url {args.database_url} --clients "
        f"{args.clients} --seconds {args.seconds} --workers {args.workers}`  ",
        f"Store: the demo data plus {r['objects']:,} objects (ten organisations, four groups, "
        "every TLP and audience); server `warroom serve --workers "
        f"{args.workers}`; load from wrk on the same 2-core machine (load average at the end "
        f"{load:.1f}).",
        "",
        "| figure | measured | goal |",
        "|---|---|---|",
        f"| requests/s, {args.clients} clients, mix (25% collections, 25% pages of 100, 20% "
        f"object, 20% REST search, 10% writes) | {mix['rps']:,.0f} | ≥ 1,000 |",
        f"| latency p50 / p90 / p99 / max (ms) | {mix['p50_us'] / 1000:.1f} / "
        f"{mix['p90_us'] / 1000:.1f} / {mix['p99_us'] / 1000:.1f} / {mix['max_us'] / 1000:.0f}"
        " | p99 ≤ 200 |",
        f"| errors (socket, timeouts, non-2xx) of {mix['requests']:,} | {mix['errors']} | 0 |",
        f"| server CPU per request in the mix (ms) | {mix['cpu_ms']:.2f} | |",
        f"| server CPU per request, one client: collections / page of 100 (ms) | "
        f"{r['single']['collections']:.2f} / {r['single']['page of 100']:.2f} | ≤ 1 / ≤ 3 |",
        f"| one key hammering (4 connections): answers that were 429 | "
        f"{hog['errors_status']:,} of {hog['requests']:,} | most |",
        f"| the other {args.clients - 1} clients meanwhile: requests/s, p99 (ms), errors | "
        f"{others.get('requests', 0) / max(1e-9, others.get('duration_us', 1) / 1e6):,.0f}, "
        f"{others.get('p99_us', 0) / 1000:.1f}, "
        f"{sum(v for k, v in others.items() if k.startswith('errors_'))} | p99 ≤ 200, 0 |",
        "",
    ])


if __name__ == "__main__":
    main()
