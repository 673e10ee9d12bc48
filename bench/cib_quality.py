"""Coordination detection quality at account level, side by side with coordination-network-toolkit.

Why: the acceptance figures of the CIB detector (issue 4) — precision, recall, F1, PR-AUC and the
share of organic accounts flagged — measured on real data the same way every time. Positives are
the IRA accounts active in the #GOPDebate hours (2015-08-06 17:44 to 2015-08-07 10:12), negatives
the organic control accounts of the same hours; both sides contribute only their posts of those
hours, so the detector sees the same amount of time for each (no language, topic or handle
features exist in it to leak the sampling). The peer runs its co-retweet network on the same
canonical posts with the same window. The German 2021 background (organic posts with some real,
legitimate coordination) gives the false-alarm rate on a different platform mix.

Run: .venv/bin/python -m bench.cib_quality [--window 60] [--output docs/benchmarks.md]"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from warroom.detectors.cib.adapters import ADAPTERS
from warroom.detectors.cib.detector import DetectionResult, detect
from warroom.detectors.cib.ingest import ingest
from warroom.detectors.cib.signals import Params

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "cib"
START, END = "2015-08-06 17:44:00", "2015-08-07 10:12:59"


def average_precision(scores: dict[str, float], positives: set[str]) -> float:
    """Area under the precision-recall curve (average precision; ties form one step)."""
    by_score: dict[float, list[str]] = {}
    for account, value in scores.items():
        by_score.setdefault(value, []).append(account)
    hits = seen = 0
    area = 0.0
    for value in sorted(by_score, reverse=True):
        group = by_score[value]
        new_hits = sum(1 for account in group if account in positives)
        hits += new_hits
        seen += len(group)
        area += (new_hits / len(positives)) * (hits / seen)
    return area


def precision_at_recall(scores: dict[str, float], positives: set[str], recall: float) -> float:
    """The best precision among thresholds that reach ``recall``."""
    best = 0.0
    hits = seen = 0
    by_score: dict[float, list[str]] = {}
    for account, value in scores.items():
        by_score.setdefault(value, []).append(account)
    for value in sorted(by_score, reverse=True):
        group = by_score[value]
        hits += sum(1 for account in group if account in positives)
        seen += len(group)
        if hits / len(positives) >= recall:
            best = max(best, hits / seen)
    return best


def metrics(flagged: set[str], scores: dict[str, float], positives: set[str],
            negatives: set[str], english: set[str]) -> dict[str, float]:
    everyone = positives | negatives
    full_scores = {account: scores.get(account, 0.0) for account in everyone}
    tp = len(flagged & positives)
    fp = len(flagged & negatives)
    precision = tp / len(flagged & everyone) if flagged & everyone else 0.0
    recall = tp / len(positives)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "flagged": len(flagged & everyone), "tp": tp, "fp": fp, "precision": precision,
        "recall": recall, "f1": f1, "pr_auc": average_precision(full_scores, positives),
        "precision_at_recall_0.6": precision_at_recall(full_scores, positives, 0.6),
        "controls_flagged": fp / len(negatives),
        "english_recall": len(flagged & english) / len(english) if english else 0.0,
    }


def build_inputs(workdir: Path) -> tuple[Path, set[str], set[str], set[str]]:
    """Canonical posts of both sides for the debate hours, and the account sets."""
    ira = workdir / "ira.parquet"
    controls = workdir / "controls.parquet"
    ingest([DATA / "ira-tweets-dev.parquet"], ADAPTERS["ira"], ira)
    ingest([DATA / "gopdebate-2015-controls-dev.csv"], ADAPTERS["gopdebate"], controls)
    mixed = workdir / "debate-hours.parquet"
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT * FROM read_parquet('{ira}') WHERE time BETWEEN '{START}' AND '{END}' "
        f"UNION ALL SELECT * FROM read_parquet('{controls}')) TO '{mixed}' (FORMAT parquet)"
    ).fetchall()
    positives = {row[0] for row in con.execute(
        f"SELECT DISTINCT account FROM read_parquet('{ira}') WHERE time BETWEEN '{START}' "
        f"AND '{END}'").fetchall()}
    negatives = {row[0] for row in con.execute(
        f"SELECT DISTINCT account FROM read_parquet('{controls}')").fetchall()}
    english = {row[0] for row in con.execute(
        f"SELECT author_id FROM read_parquet('{DATA / 'ira-tweets-dev.parquet'}') "
        f"WHERE publish_date BETWEEN '{START}' AND '{END}' GROUP BY author_id "
        "HAVING bool_and(language = 'English')").fetchall()}
    con.close()
    return mixed, positives - negatives, negatives, english


def run_peer(mixed: Path, window: int, workdir: Path) -> tuple[set[str], dict[str, float], float]:
    """coordination-network-toolkit's co-retweet network on the same posts: every account
    with an edge is flagged; its score is the sum of its edge weights."""
    from bench._cnt import run_cnt

    con = duckdb.connect()
    posts = con.sql(
        f"SELECT account, post_id, CAST(epoch(time) AS BIGINT) AS ts, text, repost_of, reply_to, "
        f"urls FROM read_parquet('{mixed}')").to_arrow_table()
    con.close()
    started = time.perf_counter()
    run = run_cnt(posts, ["co_retweet"], window, workdir / "cnt")
    seconds = time.perf_counter() - started
    scores: dict[str, float] = {}
    for a, b, weight in run.edges["co_retweet"]:
        scores[a] = scores.get(a, 0.0) + weight
        scores[b] = scores.get(b, 0.0) + weight
    return set(scores), scores, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--window", type=int, default=60)
    parser.add_argument("--output", type=Path, help="append the results to this Markdown file")
    opts = parser.parse_args()
    if not DATA.is_dir():
        sys.exit(f"no data at {DATA}")
    with tempfile.TemporaryDirectory(prefix="warroom-cib-quality-") as tmp:
        workdir = Path(tmp)
        mixed, positives, negatives, english = build_inputs(workdir)
        params = Params(window=opts.window)
        started = time.perf_counter()
        result = detect(mixed, params=params)
        ours_s = time.perf_counter() - started
        ours = metrics(result.flagged_accounts, result.account_score, positives, negatives,
                       english & positives)
        peer_flagged, peer_scores, peer_s = run_peer(mixed, opts.window, workdir)
        peer = metrics(peer_flagged, peer_scores, positives, negatives, english & positives)
        german_path = workdir / "german.parquet"
        ingest([DATA / "german-elections.parquet"], ADAPTERS["coortweet-german"], german_path)
        german: DetectionResult = detect(german_path, params=params)
    german_share = len(german.flagged_accounts) / german.accounts
    lines = [
        f"## CIB quality ({datetime.date.today()}, `python -m bench.cib_quality --window "
        f"{opts.window}`)",
        "",
        f"#GOPDebate hours: {len(positives):,} IRA accounts (positives; "
        f"{len(english & positives)} post only in English) and {len(negatives):,} organic "
        f"control accounts (negatives), prevalence {len(positives) / (len(positives) + len(negatives)):.1%}; "
        f"window {opts.window} s; both sides only their posts of those hours.",
        "",
        "| detector | flagged | precision | recall | F1 | PR-AUC | precision at recall 0.6 "
        "| controls flagged | English-only IRA recall | time |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, m, seconds in (("warroom (default thresholds)", ours, ours_s),
                             ("coordination-network-toolkit co_retweet", peer, peer_s)):
        lines.append(
            f"| {name} | {m['flagged']:,} | {m['precision']:.3f} | {m['recall']:.3f} | "
            f"{m['f1']:.3f} | {m['pr_auc']:.3f} | {m['precision_at_recall_0.6']:.3f} | "
            f"{m['controls_flagged']:.2%} | {m['english_recall']:.3f} | {seconds:.1f} s |")
    lines += [
        "",
        f"German 2021 background (CooRTweet, {german.posts:,} posts, {german.accounts:,} "
        f"accounts, Facebook + Twitter): {len(german.flagged_accounts):,} accounts flagged = "
        f"**{german_share:.2%}** in {len(german.flagged_clusters)} clusters.",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    print(json.dumps({"warroom": ours, "peer": peer, "german_flagged_share": german_share}))
    if opts.output:
        with opts.output.open("a") as handle:
            handle.write("\n" + text)


if __name__ == "__main__":
    main()
