"""Coordination detection speed, side by side with coordination-network-toolkit.

Why: issue 4's speed figures measured the same way every time — the full IRA file (1.74M posts)
through ingest, every signal and clustering on 2 cores, with peak memory; the peer's networks
on the same posts in the same run; and how time grows with the number of posts (0.25×, 0.5×,
1×, 2×). Fractions keep a random share of the accounts with all their posts (coordination
structure survives); 2× adds a copy of every account shifted by ten years, with its words and
links marked as the copy's own, so the copy is as coordinated as the original but shares no
object with it. Each contestant runs in its own process so
its peak RSS is its own.

Run: .venv/bin/python -m bench.cib [--scales 0.25,0.5,1,2] [--peer-scale 1] [--output docs/benchmarks.md]"""

from __future__ import annotations

import argparse
import datetime
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "cib"
SOURCE = DATA / "ira-tweets-dev.parquet"
PEER_SIGNALS = {"co_repost": "co_retweet", "co_link": "co_link", "copy_text": "co_tweet"}
"""Our signal -> the peer's network that answers the same question."""
QUESTIONS = {"co_repost": "reposted the same post within the window",
             "co_link": "posted the same link within the window",
             "copy_text": "posted the same text within the window (the peer: identical after "
                          "normalising; warroom: MinHash near copies)"}


def make_input(scale: float, target: Path) -> int:
    """The IRA file at ``scale``: a share of the accounts, or replicated copies."""
    con = duckdb.connect()
    src = f"read_parquet('{SOURCE}')"
    if scale <= 1:
        modulus = 1000
        keep = int(round(scale * modulus))
        sql = f"SELECT * FROM {src} WHERE hash(author_id) % {modulus} < {keep}"
    else:
        copies = int(scale)
        parts = [f"SELECT * FROM {src}"] + [
            f"SELECT * REPLACE (author_id || '~{k}' AS author_id, publish_date + INTERVAL "
            f"({3650 * k}) DAY AS publish_date, replace(replace(content, ' ', ' ~{k}'), "
            f"'t.co/', 't.co/{k}') AS content) FROM {src}" for k in range(1, copies)
        ]
        sql = " UNION ALL ".join(parts)
    con.execute(f"COPY ({sql}) TO '{target}' (FORMAT parquet)").fetchall()
    rows = con.execute(f"SELECT count(*) FROM read_parquet('{target}')").fetchall()[0][0]
    con.close()
    return int(rows)


def part_warroom(source: str, workdir: str) -> dict[str, object]:
    from warroom.detectors.cib.adapters import ADAPTERS
    from warroom.detectors.cib.detector import detect
    from warroom.detectors.cib.ingest import ingest
    from warroom.detectors.cib.signals import SIGNALS

    posts = Path(workdir) / "posts.parquet"
    started = time.perf_counter()
    report = ingest([Path(source)], ADAPTERS["ira"], posts)
    ingest_s = time.perf_counter() - started
    result = detect(posts, signals=tuple(SIGNALS), examples=3)
    total = time.perf_counter() - started
    return {"posts": report.rows_written, "accounts": report.accounts, "ingest_s": ingest_s,
            "seconds": result.seconds, "total_s": total, "pairs": result.pairs,
            "flagged_clusters": len(result.flagged_clusters),
            "flagged_accounts": len(result.flagged_accounts),
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def part_peer(posts_path: str, workdir: str, window: int) -> dict[str, object]:
    from bench._cnt import run_cnt

    con = duckdb.connect()
    posts = con.sql(
        "SELECT account, post_id, CAST(epoch(time) AS BIGINT) AS ts, text, repost_of, reply_to, "
        f"urls FROM read_parquet('{posts_path}')").to_arrow_table()
    con.close()
    run = run_cnt(posts, list(PEER_SIGNALS.values()), window, Path(workdir) / "cnt")
    return {"load_s": run.seconds_load, "seconds": run.seconds_by_command,
            "edges": {k: len(v) for k, v in run.edges.items()},
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _child(*args: str) -> dict[str, object]:
    out = subprocess.run([sys.executable, "-m", "bench.cib", "--part", *args], check=True,
                         capture_output=True, text=True)
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="0.25,0.5,1,2")
    parser.add_argument("--peer-scale", type=float, default=1.0,
                        help="run the peer at this scale (it is slow; 0 skips it)")
    parser.add_argument("--window", type=int, default=60)
    parser.add_argument("--output", type=Path, help="append the results to this Markdown file")
    parser.add_argument("--part", nargs="+", help=argparse.SUPPRESS)
    opts = parser.parse_args()
    if opts.part:
        kind, *rest = opts.part
        data = part_warroom(*rest) if kind == "warroom" else part_peer(rest[0], rest[1],
                                                                        int(rest[2]))
        print(json.dumps(data))
        return
    if not SOURCE.exists():
        sys.exit(f"no data at {SOURCE}")
    scales = [float(s) for s in opts.scales.split(",")]
    runs: dict[float, dict[str, object]] = {}
    peer: dict[str, object] | None = None
    with tempfile.TemporaryDirectory(prefix="warroom-cib-bench-") as tmp:
        for scale in scales:
            work = Path(tmp) / f"x{scale}"
            work.mkdir()
            source = work / "ira.parquet"
            make_input(scale, source)
            runs[scale] = _child("warroom", str(source), str(work))
            print(f"scale {scale}: {runs[scale]}", file=sys.stderr)
            if opts.peer_scale and scale == opts.peer_scale:
                peer = _child("peer", str(work / "posts.parquet"), str(work), str(opts.window))
                print(f"peer: {peer}", file=sys.stderr)
    lines = _markdown(opts, scales, runs, peer)
    text = "\n".join(lines)
    print(text)
    print(json.dumps({"warroom": {str(k): v for k, v in runs.items()}, "peer": peer}))
    if opts.output:
        with opts.output.open("a") as handle:
            handle.write("\n" + text)


def _markdown(opts: argparse.Namespace, scales: list[float],
              runs: dict[float, dict[str, object]], peer: dict[str, object] | None) -> list[str]:
    base = runs.get(1.0) or runs[scales[-1]]
    seconds: dict[str, float] = base["seconds"]  # type: ignore[assignment]
    lines = [
        f"## CIB speed ({datetime.date.today()}, `python -m bench.cib --scales {opts.scales} "
        f"--peer-scale {opts.peer_scale}`)",
        "",
        f"`ira-tweets-dev.parquet` through `warroom cib ingest` + every signal + Leiden, DuckDB "
        f"on 2 cores, window {opts.window} s, one process per contestant.",
        "",
        "| scale | posts | accounts | ingest | signals + clustering | total | peak RSS | "
        "flagged clusters / accounts |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for scale in scales:
        run = runs[scale]
        secs: dict[str, float] = run["seconds"]  # type: ignore[assignment]
        lines.append(
            f"| {scale:g}× | {run['posts']:,} | {run['accounts']:,} | {run['ingest_s']:.1f} s | "
            f"{secs['total']:.1f} s | **{run['total_s']:.1f} s** | {run['peak_mb']:,.0f} MB | "
            f"{run['flagged_clusters']} / {run['flagged_accounts']:,} |")
    lines += ["", "Per step at 1× (seconds): " + ", ".join(
        f"{name} {value:.2f}" for name, value in seconds.items() if name != "total"), ""]
    if peer:
        peer_secs: dict[str, float] = peer["seconds"]  # type: ignore[assignment]
        lines += [
            f"coordination-network-toolkit 1.5.2 on the same canonical posts at "
            f"{opts.peer_scale:g}× (load into its SQLite database {peer['load_s']:.1f} s, "
            f"peak RSS {peer['peak_mb']:,.0f} MB), the signals both compute:",
            "",
            "| question | warroom signal | time | peer network | time | ratio |",
            "|---|---|---:|---|---:|---:|",
        ]
        ours_total = theirs_total = 0.0
        for ours, theirs in PEER_SIGNALS.items():
            mine, their = seconds[ours], peer_secs[theirs]
            ours_total += mine
            theirs_total += their
            lines.append(f"| {QUESTIONS[ours]} | `{ours}` | {mine:.2f} s | `{theirs}` | {their:.1f} s | "
                         f"{their / mine:,.0f}× |")
        lines += [f"| all three | | {ours_total:.2f} s | | {theirs_total:.1f} s | "
                  f"**{theirs_total / ours_total:,.0f}×** |"]
        ours_e2e = float(base["ingest_s"]) + seconds["prepare"] + ours_total  # type: ignore[arg-type]
        theirs_e2e = float(peer["load_s"]) + theirs_total  # type: ignore[arg-type]
        lines += [f"| all three with loading (warroom: ingest + prepare; peer: its SQLite load) | "
                  f"| {ours_e2e:.1f} s | | {theirs_e2e:.1f} s | **{theirs_e2e / ours_e2e:,.0f}×** |",
                  ""]
    return lines


if __name__ == "__main__":
    main()
