"""Benchmark of the exchange, side by side with medallion 3.0.0 (the OASIS TAXII 2.1 reference
server) in the same run on the same objects:

1. bulk ingest into the store (ExchangeService.share into SQLite vs medallion's memory backend),
   at several n, the two alternating;
2. ingest through TAXII POST against live servers on loopback (envelopes of 1,000 objects), at
   several n, the two alternating;
3. TAXII GET of 1,000-object pages: warroom alone at 1M stored objects under mixed audiences
   (10 organisations, 4 overlapping sharing groups, every TLP, read as different
   organisations); and side by side at the same n (2,000 by default) on the same objects, all
   readable by the reader, with the same requests on both servers (first page, the next page,
   ``match[type]``, ``added_after``) interleaved in time. Every timed page is checked to be full
   (1,000 objects), so an empty or short page is never compared with a full one;
4. peak memory (RSS) of each server process and of this loader.

    .venv/bin/python -m bench.exchange                       # full run, about 10 minutes
    .venv/bin/python -m bench.exchange --output docs/benchmarks.md   # and append the results
    .venv/bin/python -m bench.exchange --quick               # smoke run, a few minutes (medallion GETs)

Percentiles are reported only where the sample allows them: p99 with at least 100 samples, p95
with at least 20, otherwise the maximum; each figure says how many samples it has.

Needs the bench extra: pip install -e '.[bench]'.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psutil
from rich.console import Console

from bench._servers import TAXII, start_medallion, start_warroom, stop
from warroom.model.sharing import Recipients
from warroom.model.tlp import TLP
from warroom.services.exchange import ExchangeService
from warroom.settings import Settings
from warroom.storage.store import Store
from warroom.testing.medallion_peer import medallion_config
from warroom.testing.scenario import Member, Scenario, indicator
from warroom.testing.server import free_port

console = Console()
NAMESPACE = uuid.UUID("6f1c9a52-3c1e-4a8e-b6a2-0d7c5e9f4b10")
PAGE = 1000
KINDS = ("first page", "next page", "match[type]", "added_after")


def objects(
    start: int, n: int, tlps: tuple[TLP, ...] = (TLP.GREEN, TLP.AMBER)
) -> list[dict[str, Any]]:
    """``n`` valid STIX indicators with deterministic ids (the same for both servers)."""
    return [
        indicator(
            i, tlp=tlps[i % len(tlps)], object_id=f"indicator--{uuid.uuid5(NAMESPACE, str(i))}"
        )
        for i in range(start, start + n)
    ]


class PeakRss:
    """Samples a process's RSS in the background; ``peak`` is the largest seen (bytes)."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, self.process.memory_info().rss)
            except psutil.Error:
                return
            time.sleep(0.1)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


# --- statistics ------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def spread(values: list[float], scale: float = 1000.0, unit: str = "ms") -> str:
    """p50 and the highest percentile the sample supports (p99 needs 100 samples, p95 20),
    else the maximum; with the sample count."""
    if len(values) >= 100:
        tail, name = percentile(values, 0.99), "p99"
    elif len(values) >= 20:
        tail, name = percentile(values, 0.95), "p95"
    else:
        tail, name = max(values), "max"
    p50 = statistics.median(values)
    return f"p50 {p50 * scale:,.1f} / {name} {tail * scale:,.1f} {unit} ({len(values)} samples)"


# --- 1. direct ingest ------------------------------------------------------------------


def direct_warroom(tmp: Path, n: int, batch: int) -> float:
    store = Store.open(f"sqlite:///{tmp / f'direct-{uuid.uuid4().hex}.db'}")
    member = Scenario(store).add_org("Ingest Org")
    group = store.directory.create_group("Ingest Group", member.org.id)
    principal = store.directory.principal_for_user(member.principal.user_id)
    service = ExchangeService(store, Settings(database_url="sqlite://"))
    recipients = Recipients(group_ids=frozenset({group.id}))
    batches = [objects(i, min(batch, n - i)) for i in range(0, n, batch)]
    started = time.perf_counter()
    for chunk in batches:
        service.share(principal, chunk, recipients, transport="bench")
    elapsed = time.perf_counter() - started
    store.close()
    return n / elapsed


def direct_medallion(tmp: Path, n: int, batch: int) -> float:
    from medallion.backends.memory_backend import MemoryBackend
    from medallion.common import get_timestamp

    collection_id = str(uuid.uuid4())
    data_file = tmp / f"direct-medallion-{collection_id}.json"
    config = medallion_config(data_file, free_port(), PAGE, "x", collection_id)
    backend = MemoryBackend(**config["backend"])
    batches = [{"objects": objects(i, min(batch, n - i))} for i in range(0, n, batch)]
    started = time.perf_counter()
    for envelope in batches:
        backend.add_objects("trustgroup1", collection_id, envelope, get_timestamp())
    return n / (time.perf_counter() - started)


# --- 2. TAXII POST ---------------------------------------------------------------------


def post_all(
    collection_url: str, auth: httpx.Auth | None, headers: dict[str, str], n: int, envelope: int
) -> float:
    bodies = [
        json.dumps({"objects": objects(i, min(envelope, n - i))}).encode()
        for i in range(0, n, envelope)
    ]
    with httpx.Client(
        timeout=600, auth=auth, headers={**headers, "Content-Type": TAXII, "Accept": TAXII}
    ) as client:
        warm = json.dumps({"objects": [indicator(0, seed="warm-up")]}).encode()
        client.post(f"{collection_url}objects/", content=warm).raise_for_status()  # not timed
        started = time.perf_counter()
        for body in bodies:
            response = client.post(f"{collection_url}objects/", content=body)
            if response.status_code != 202:
                raise RuntimeError(f"POST failed: {response.status_code} {response.text[:200]}")
        return n / (time.perf_counter() - started)


def collection_url(base: str, key: str, alias: str) -> str:
    body = httpx.get(
        f"{base}/taxii2/api/collections/",
        headers={"Accept": TAXII, "Authorization": f"Bearer {key}"},
    ).json()
    cid = next(c["id"] for c in body["collections"] if c["alias"] == alias)
    return f"{base}/taxii2/api/collections/{cid}/"


def fresh_db(tmp: Path) -> tuple[str, Member]:
    """A new SQLite store with one analyst organisation; returns its URL and the member."""
    url = f"sqlite:///{tmp / f'post-{uuid.uuid4().hex}.db'}"
    store = Store.open(url)
    member = Scenario(store).add_org("Bench Org")
    store.close()
    return url, member


def post_warroom(tmp: Path, n: int) -> tuple[float, int]:
    url, member = fresh_db(tmp)
    port = free_port()
    proc = start_warroom(url, port, member.key)
    rss = PeakRss(proc.pid)
    try:
        target = collection_url(f"http://127.0.0.1:{port}", member.key, "my-org")
        rate = post_all(target, None, {"Authorization": f"Bearer {member.key}"}, n, PAGE)
    finally:
        peak = rss.stop()
        stop(proc)
    return rate, peak


def post_medallion(tmp: Path, n: int) -> tuple[float, int]:
    port = free_port()
    collection_id = str(uuid.uuid4())
    config = medallion_config(tmp / f"post-{collection_id}.json", port, PAGE, "bench", collection_id)
    config_file = tmp / f"post-{collection_id}-config.json"
    config_file.write_text(json.dumps(config))
    proc = start_medallion(config_file, port, "peer", "bench")
    rss = PeakRss(proc.pid)
    try:
        target = f"http://127.0.0.1:{port}/trustgroup1/collections/{collection_id}/"
        rate = post_all(target, httpx.BasicAuth("peer", "bench"), {}, n, PAGE)
    finally:
        peak = rss.stop()
        stop(proc)
    return rate, peak


@dataclass
class SideBySide:
    """Rates of both servers at one n, over alternating repeats."""

    n: int
    warroom: list[float] = field(default_factory=list)
    medallion: list[float] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return statistics.median(self.warroom) / statistics.median(self.medallion)


def alternate(
    ns: list[int],
    repeats: int,
    ours: Callable[[int], float],
    theirs: Callable[[int], float],
    label: str,
) -> list[SideBySide]:
    """Run both at every n, ``repeats`` times, alternating which goes first."""
    results = []
    for n in ns:
        side = SideBySide(n)
        for r in range(repeats):
            order = [(ours, side.warroom), (theirs, side.medallion)]
            for run, into in order if r % 2 == 0 else reversed(order):
                into.append(run(n))
        console.print(
            f"   {label} n={n:,}: warroom {statistics.median(side.warroom):,.0f}/s, "
            f"medallion {statistics.median(side.medallion):,.0f}/s, {side.ratio:.1f}×"
        )
        results.append(side)
    return results


# --- 3. GET pages ----------------------------------------------------------------------


def load_mixed(url: str, n: int, batch: int = 10_000) -> tuple[list[Member], float]:
    """Ten organisations, four overlapping groups, objects at every TLP and audience: at least
    100 batches, each by one author to one audience, so every mix is present at any n."""
    batch = max(1, min(batch, n // 100))
    store = Store.open(url)
    scenario = Scenario(store)
    members = [scenario.add_org(f"Org {i:02d}") for i in range(10)]
    groups = []
    for g in range(4):
        group = store.directory.create_group(f"Group {g}", members[g].org.id)
        for m in members[g : g + 5]:
            store.directory.add_member(group.id, m.org.id)
        groups.append(group.id)
    scenario.refresh()
    members = list(scenario.members.values())
    service = ExchangeService(store, Settings(database_url=url))
    rng = random.Random(64)
    started = time.perf_counter()
    for index, start in enumerate(range(0, n, batch)):
        author = members[index % len(members)]
        kind = rng.random()
        if kind < 0.3:
            recipients, tlp = Recipients(community=True), TLP.GREEN
        elif kind < 0.6 and author.principal.group_ids:
            recipients, tlp = (
                Recipients(group_ids=frozenset({rng.choice(sorted(author.principal.group_ids))})),
                TLP.AMBER,
            )
        elif kind < 0.8:
            recipients, tlp = (
                Recipients(org_ids=frozenset({members[(index + 3) % len(members)].org.id})),
                TLP.RED,
            )
        else:
            recipients, tlp = Recipients(), TLP.AMBER_STRICT
        service.share(
            author.principal,
            objects(start, min(batch, n - start), (tlp,)),
            recipients,
            transport="bench",
        )
    elapsed = time.perf_counter() - started
    store.close()
    return members, elapsed


def load_readable(url: str, n: int) -> list[Member]:
    """``n`` objects (the ids medallion holds) shared with the community by one organisation
    in envelopes of 1,000, and five other organisations to read them."""
    store = Store.open(url)
    scenario = Scenario(store)
    author = scenario.add_org("Author")
    readers = [scenario.add_org(f"Reader {i}") for i in range(5)]
    service = ExchangeService(store, Settings(database_url=url))
    for start in range(0, n, PAGE):
        service.share(
            author.principal,
            objects(start, min(PAGE, n - start), (TLP.GREEN,)),
            Recipients(community=True),
            transport="bench",
        )
    store.close()
    return readers


class Reader:
    """One HTTP client per reader; times one GET and checks that its page is full."""

    def __init__(self, url: str, auth: httpx.Auth | None, headers: dict[str, str]) -> None:
        self.url = url
        self.client = httpx.Client(timeout=600, auth=auth, headers={"Accept": TAXII, **headers})
        self.client.get(url, params={"limit": "1"})  # warm the connection (not timed)
        self.token: str | None = None

    def get(self, params: dict[str, str]) -> tuple[float, httpx.Response]:
        started = time.perf_counter()
        response = self.client.get(self.url, params={"limit": str(PAGE), **params})
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise RuntimeError(f"GET failed: {response.status_code} {response.text[:200]}")
        got = len(response.json().get("objects", []))
        if got != PAGE:
            raise RuntimeError(f"a timed page held {got} objects, not {PAGE}: {params}")
        return elapsed, response

    def close(self) -> None:
        self.client.close()


def timed_kind(reader: Reader, kind: str, added_after: str) -> list[float]:
    """Time one request of ``kind``. A first page keeps its ``next`` token, which the reader's
    next "next page" request follows (medallion keeps a query's result for its token)."""
    if kind == "first page":
        elapsed, response = reader.get({})
        reader.token = response.json().get("next")
        return [elapsed]
    if kind == "next page":
        if not reader.token:
            reader.token = reader.get({})[1].json().get("next")  # not timed
        if not reader.token:
            raise RuntimeError("the first page has no next page: store more objects")
        elapsed, _ = reader.get({"next": reader.token})
        reader.token = None
        return [elapsed]
    if kind == "match[type]":
        return [reader.get({"match[type]": "indicator"})[0]]
    return [reader.get({"added_after": added_after})[0]]


def warroom_added_after(reader: Reader, n: int) -> str:
    """An added_after that leaves exactly one full page (the date of object n - 1,000)."""
    response = reader.client.get(reader.url, params={"limit": str(n - PAGE)})
    return response.headers["X-TAXII-Date-Added-Last"]


def medallion_added_after(n: int) -> str:
    return (MEDALLION_ADDED + timedelta(milliseconds=n - PAGE - 1)).strftime(
        "%Y-%m-%dT%H:%M:%S.%fZ"
    )


MEDALLION_ADDED = datetime(2026, 11, 1, tzinfo=UTC)


def medallion_with_objects(tmp: Path, n: int, port: int) -> tuple[Path, str]:
    """A medallion data file holding ``n`` objects, added 1 ms apart (written directly: its
    add path is quadratic in the collection size)."""
    collection_id = str(uuid.uuid4())
    config = medallion_config(tmp / "peer-data.json", port, PAGE, "bench", collection_id)
    data = json.loads(Path(config["backend"]["filename"]).read_text())
    coll = data["trustgroup1"]["collections"][0]
    for i, obj in enumerate(objects(0, n, (TLP.GREEN,))):
        coll["objects"].append(obj)
        added = MEDALLION_ADDED + timedelta(milliseconds=i)
        coll["manifest"].append(
            {
                "id": obj["id"],
                "date_added": added.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "version": obj["modified"],
                "media_type": "application/stix+json;version=2.1",
            }
        )
    Path(config["backend"]["filename"]).write_text(json.dumps(data))
    config_file = tmp / "peer-config.json"
    config_file.write_text(json.dumps(config))
    return config_file, collection_id


def get_side_by_side(tmp: Path, n: int, ours: int, theirs: int) -> dict[str, Any]:
    """Both servers up, the same n objects readable; per kind, ``theirs`` medallion samples,
    each followed by ``ours // theirs`` warroom samples (interleaved in time)."""
    if n < 2 * PAGE:
        raise SystemExit(f"--get-peer-n must be at least {2 * PAGE} for two full pages")
    url = f"sqlite:///{tmp / 'get-side.db'}"
    members = load_readable(url, n)
    port, peer_port = free_port(), free_port()
    config_file, collection_id = medallion_with_objects(tmp, n, peer_port)
    proc = start_warroom(url, port, members[0].key)
    peer = start_medallion(config_file, peer_port, "peer", "bench")
    rss, peer_rss = PeakRss(proc.pid), PeakRss(peer.pid)
    ours_t: dict[str, list[float]] = {k: [] for k in KINDS}
    theirs_t: dict[str, list[float]] = {k: [] for k in KINDS}
    readers: list[Reader] = []
    try:
        base = f"http://127.0.0.1:{port}"
        readers = [
            Reader(collection_url(base, m.key, "all") + "objects/", None,
                   {"Authorization": f"Bearer {m.key}"})
            for m in members
        ]
        peer_url = f"http://127.0.0.1:{peer_port}/trustgroup1/collections/{collection_id}/objects/"
        medallion = Reader(peer_url, httpx.BasicAuth("peer", "bench"), {})
        readers.append(medallion)
        ours_after = warroom_added_after(readers[0], n)
        theirs_after = medallion_added_after(n)
        each = max(1, ours // theirs)
        for i in range(theirs):
            for kind in KINDS:
                theirs_t[kind] += timed_kind(medallion, kind, theirs_after)
                for j in range(each):
                    reader = readers[(i * each + j) % len(members)]
                    ours_t[kind] += timed_kind(reader, kind, ours_after)
            console.print(f"   GET side by side: round {i + 1} of {theirs}")
    finally:
        for reader in readers:
            reader.close()
        peak, peer_peak = rss.stop(), peer_rss.stop()
        stop(proc)
        stop(peer)
    return {"ours": ours_t, "theirs": theirs_t, "rss": peak, "peer_rss": peer_peak}


def get_mixed(tmp: Path, n: int, requests: int, rng: random.Random) -> dict[str, Any]:
    """warroom alone at ``n`` stored objects under mixed audiences, read as random members."""
    url = f"sqlite:///{tmp / 'get-mixed.db'}"
    members, load_seconds = load_mixed(url, n)
    port = free_port()
    proc = start_warroom(url, port, members[0].key)
    rss = PeakRss(proc.pid)
    times: list[float] = []
    readers: dict[str, Reader] = {}
    try:
        base = f"http://127.0.0.1:{port}"
        for m in members:
            readers[m.key] = Reader(
                collection_url(base, m.key, "all") + "objects/", None,
                {"Authorization": f"Bearer {m.key}"},
            )
        for _ in range(requests):
            reader = readers[rng.choice(members).key]
            kind = rng.choice(KINDS)
            after = ""
            if kind == "added_after":  # ten pages in (untimed), then the page after them
                after = middle_date(reader)
            times += timed_kind(reader, kind, after)
    finally:
        for reader in readers.values():
            reader.close()
        peak = rss.stop()
        stop(proc)
    return {"load_seconds": load_seconds, "times": times, "rss": peak}


def middle_date(reader: Reader) -> str:
    """X-TAXII-Date-Added-Last of the reader's tenth page."""
    token = ""
    last = ""
    for _ in range(10):
        response = reader.client.get(
            reader.url, params={"limit": str(PAGE), **({"next": token} if token else {})}
        )
        last = response.headers["X-TAXII-Date-Added-Last"]
        token = response.json().get("next", "")
        if not token:
            break
    return last


# --- orchestration ---------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict[str, Any]:
    results: dict[str, Any] = {"load_before": os.getloadavg()}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="warroom-bench-") as tmp_name:
        tmp = Path(tmp_name)
        console.print(f"1. direct ingest: warroom at {args.objects:,}; both at {args.peer_n}")
        results["direct"] = direct_warroom(tmp, args.objects, 10_000)
        results["direct_side"] = alternate(
            args.peer_n,
            args.repeats,
            lambda n: direct_warroom(tmp, n, PAGE),
            lambda n: direct_medallion(tmp, n, PAGE),
            "direct",
        )
        console.print(f"2. TAXII POST: warroom at {args.post_objects:,}; both at {args.peer_n}")
        results["post"], results["rss_post"] = post_warroom(tmp, args.post_objects)
        peer_rss: list[int] = []

        def post_theirs(n: int) -> float:
            rate, peak = post_medallion(tmp, n)
            peer_rss.append(peak)
            return rate

        results["post_side"] = alternate(
            args.peer_n, args.repeats, lambda n: post_warroom(tmp, n)[0], post_theirs, "POST"
        )
        results["rss_post_peer"] = max(peer_rss)
        console.print(f"3. GET: warroom at {args.stored:,} (mixed audiences)")
        results["get_mixed"] = get_mixed(tmp, args.stored, args.requests, random.Random(2026))
        console.print(f"   GET side by side at {args.get_peer_n:,}")
        results["get_side"] = get_side_by_side(
            tmp, args.get_peer_n, args.get_samples, args.get_peer_samples
        )
    results["rss_loader"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    results["seconds"] = time.perf_counter() - started
    results["load_after"] = os.getloadavg()
    return results


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
        *("| " + " | ".join(row) + " |" for row in rows),
    ]


def report(args: argparse.Namespace, r: dict[str, Any], command: str) -> str:
    mb = 1024 * 1024
    gm, gs = r["get_mixed"], r["get_side"]
    p99 = percentile(gm["times"], 0.99)
    goals = _table(
        ["figure (warroom alone)", "result", "goal", "reached"],
        [
            [
                f"Direct ingest into the store, n = {args.objects:,}",
                f"{r['direct']:,.0f} objects/s",
                "≥ 20,000/s",
                "yes" if r["direct"] >= 20_000 else "**no**",
            ],
            [
                f"Ingest through TAXII POST, n = {args.post_objects:,}",
                f"{r['post']:,.0f} objects/s",
                "≥ 5,000/s",
                "yes" if r["post"] >= 5_000 else "**no**",
            ],
            [
                f"GET page of 1,000 (every page full), {args.stored:,} stored, mixed audiences",
                spread(gm["times"]),
                "p99 ≤ 100 ms",
                ("yes" if p99 <= 0.1 else "**no**")
                if len(gm["times"]) >= 100
                else "not measured (under 100 samples)",
            ],
        ],
    )
    ingest_rows = []
    for d, p in zip(r["direct_side"], r["post_side"], strict=True):
        ingest_rows.append(
            [
                f"{d.n:,}",
                f"{statistics.median(d.warroom):,.0f}",
                f"{statistics.median(d.medallion):,.0f}",
                f"{d.ratio:,.1f}×",
                f"{statistics.median(p.warroom):,.0f}",
                f"{statistics.median(p.medallion):,.0f}",
                f"{p.ratio:,.1f}×",
                "yes" if p.ratio >= 10 else "**no**",
            ]
        )
    ingest = _table(
        [
            "n",
            "direct: warroom /s",
            "medallion /s",
            "ratio",
            "TAXII POST: warroom /s",
            "medallion /s",
            "ratio",
            "POST ≥ 10×",
        ],
        ingest_rows,
    )
    get_rows = []
    for kind in KINDS:
        ours, theirs = gs["ours"][kind], gs["theirs"][kind]
        get_rows.append(
            [
                kind,
                spread(ours),
                spread(theirs),
                f"{statistics.median(theirs) / statistics.median(ours):,.0f}×",
            ]
        )
    everything_ours = [t for k in KINDS for t in gs["ours"][k]]
    everything_theirs = [t for k in KINDS for t in gs["theirs"][k]]
    get_rows.append(
        [
            "all four, equal shares",
            spread(everything_ours),
            spread(everything_theirs),
            f"{statistics.median(everything_theirs) / statistics.median(everything_ours):,.0f}×",
        ]
    )
    get = _table(["request", "warroom", "medallion 3.0.0", "ratio of p50"], get_rows)
    machine = (
        f"{psutil.cpu_count()} cores, {psutil.virtual_memory().total / 1024**3:.0f} GiB, "
        f"{platform.python_implementation()} {platform.python_version()}"
    )
    lines = [
        f"## Exchange — {datetime.now(tz=UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"Command: `{command}` (run time {r['seconds'] / 60:.0f} min)  ",
        f"Machine: {machine}, shared with other work: load average {r['load_before'][0]:.1f} "
        f"at the start, {r['load_after'][0]:.1f} at the end (timings are noisy; the "
        "side-by-side runs alternate the two servers, so their ratios suffer less); SQLite "
        "store (WAL); servers on 127.0.0.1 in their own processes (uvicorn, one worker / "
        "werkzeug threaded), one sequential httpx client.  ",
        "Data: synthetic valid STIX 2.1 indicators.",
        "",
        *goals,
        "",
        f"The {args.stored:,}-object store holds 10 organisations, 4 overlapping sharing groups "
        "and objects shared, in batches of one author and one audience, to the community (GREEN), "
        "groups (AMBER), named organisations (RED) and privately (AMBER+STRICT); it is read as "
        "random organisations through their `all` collection (first pages, pages via `next`, "
        "`added_after` ten pages in, `match[type]`); AMBER/RED reads are audited. "
        f"Loading it took {gm['load_seconds']:.0f} s.",
        "",
        f"Ingest side by side (median of {args.repeats} alternating runs per n, envelopes "
        "of 1,000 objects; each TAXII run starts with one untimed POST of one object on a "
        "fresh server; medallion's memory backend scans its collection for every added "
        "object, so the ratio grows with n):",
        "",
        *ingest,
        "",
        f"GET side by side: {args.get_peer_n:,} stored on both, the same objects, all readable "
        "by the reader (warroom: shared with the community, read by five other organisations "
        "through `all`; medallion: one collection); pages of 1,000, every timed page checked "
        "full; the same four requests on both, interleaved in time (`next page` is the page "
        "after a first page; `added_after` leaves exactly one page). medallion caches a "
        "query's result for its `next` token, so its next page is cheap and its first pages "
        "are not:",
        "",
        *get,
        "",
        f"Peak RSS (MB): warroom server {r['rss_post'] / mb:.0f} (POST), "
        f"{gm['rss'] / mb:.0f} (GET, {args.stored:,} stored), {gs['rss'] / mb:.0f} "
        f"(GET, {args.get_peer_n:,}); medallion {r['rss_post_peer'] / mb:.0f} (POST, largest n), "
        f"{gs['peer_rss'] / mb:.0f} (GET, {args.get_peer_n:,}); loader {r['rss_loader'] / mb:.0f}.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=100_000, help="direct ingest (warroom)")
    parser.add_argument("--post-objects", type=int, default=50_000, help="TAXII POST (warroom)")
    parser.add_argument(
        "--peer-n",
        type=lambda text: [int(x) for x in text.split(",")],
        default=[2_000, 5_000, 10_000, 20_000],
        help="comma-separated n for the side-by-side ingest runs",
    )
    parser.add_argument("--repeats", type=int, default=2, help="alternating runs per n")
    parser.add_argument("--stored", type=int, default=1_000_000, help="objects for the GET run")
    parser.add_argument("--requests", type=int, default=300, help="GETs against that store")
    parser.add_argument("--get-peer-n", type=int, default=2_000, help="stored, GET side by side")
    parser.add_argument(
        "--get-samples", type=int, default=100, help="warroom GETs per request kind, side by side"
    )
    parser.add_argument(
        "--get-peer-samples", type=int, default=5, help="medallion GETs per request kind"
    )
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    parser.add_argument("--output", type=Path, help="append the results to this markdown file")
    args = parser.parse_args()
    if args.quick:
        args.objects, args.post_objects, args.peer_n, args.repeats = 20_000, 5_000, [2_000], 1
        args.stored, args.requests, args.get_samples, args.get_peer_samples = 40_000, 40, 10, 1
    command = "python -m bench.exchange" + (" --quick" if args.quick else "")
    text = report(args, run(args), command)
    print(text)
    if args.output:
        with args.output.open("a") as handle:
            handle.write("\n" + text)
        console.print(f"appended to {args.output}")


if __name__ == "__main__":
    main()
