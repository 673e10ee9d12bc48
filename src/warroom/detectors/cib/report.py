"""The analyst's report of a coordination run: one self-contained HTML file, and the JSON.

Why: a finding is only acted on once a person has seen why it was flagged. The report puts the
networks first (a picture of who is linked to whom, a timeline of when they acted together), then
per cluster the evidence: the shared objects, how many accounts shared each and how many of them
in one window, and example posts. It needs no network access (no CDN, no fonts, no scripts:
inline CSS and SVG), because war rooms are often air-gapped, and every piece of data in it is
escaped, because account names and post texts are written by the people being investigated."""

from __future__ import annotations

import datetime as dt
import random
from html import escape
from pathlib import Path
from typing import Any

import igraph
import orjson

from warroom.detectors.cib.detector import DetectionResult
from warroom.detectors.cib.scoring import Cluster
from warroom.detectors.cib.signals import SIGNALS

PALETTE = ("#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6",
           "#bfef45", "#fabed4", "#469990", "#dcbeff", "#9a6324", "#800000", "#aaffc3",
           "#808000", "#000075")
MAX_NODES = 1500

CSS = """
:root { color-scheme: light dark; --fg: #1b1f24; --bg: #ffffff; --muted: #5b6470;
  --line: #d8dde3; --card: #f5f7f9; --accent: #c62828; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6e9ed; --bg: #14171a; --muted: #9aa4ae;
  --line: #2c333a; --card: #1c2126; --accent: #ef5350; } }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg);
  background: var(--bg); margin: 0 auto; max-width: 1200px; padding: 24px; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 19px; margin: 32px 0 8px; }
h3 { font-size: 16px; margin: 24px 0 6px; }
.muted { color: var(--muted); } .flag { color: var(--accent); font-weight: 600; }
.stats { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0; }
.stat { background: var(--card); border: 1px solid var(--line); border-radius: 8px;
  padding: 10px 14px; min-width: 120px; }
.stat b { display: block; font-size: 22px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; font-size: 14px; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 8px; text-align: left;
  vertical-align: top; }
th { background: var(--card); font-weight: 600; } td.n { text-align: right; white-space: nowrap; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 50%;
  margin-right: 6px; }
svg { background: var(--card); border: 1px solid var(--line); border-radius: 8px;
  width: 100%; height: auto; }
.example { color: var(--muted); font-size: 13px; margin: 2px 0; }
details summary { cursor: pointer; color: var(--muted); }
code { font-size: 13px; word-break: break-all; }
"""


def _utc(epoch: Any) -> str:
    if epoch is None:
        return "–"
    return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).strftime("%Y-%m-%d %H:%M")


def _colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def network_svg(result: DetectionResult, width: int = 1100, height: int = 640) -> str:
    """Accounts of the flagged clusters and the pairs linking them, laid out by force."""
    flagged = result.flagged_clusters
    order = {c.id: n for n, c in enumerate(flagged)}
    keep: set[str] = set()
    for cluster in flagged:
        if len(keep) + len(cluster.members) > MAX_NODES:
            break
        keep.update(cluster.members)
    edges = [e for e in result.edges if e["a"] in keep and e["b"] in keep]
    names = sorted(keep)
    if not names:
        return '<p class="muted">No flagged clusters to draw.</p>'
    index = {name: n for n, name in enumerate(names)}
    graph = igraph.Graph(n=len(names), edges=[(index[e["a"]], index[e["b"]]) for e in edges])
    random.seed(7)
    weights = [float(e["weight"]) for e in edges] or None
    layout = graph.layout_fruchterman_reingold(weights=weights, niter=300)
    xs = [p[0] for p in layout.coords]
    ys = [p[1] for p in layout.coords]
    pad = 20

    def scale(values: list[float], size: int) -> list[float]:
        low, high = min(values), max(values)
        span = (high - low) or 1.0
        return [pad + (v - low) / span * (size - 2 * pad) for v in values]

    sx, sy = scale(xs, width), scale(ys, height)
    top = max((float(e["weight"]) for e in edges), default=1.0) or 1.0
    parts = [f'<svg viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="network of flagged accounts">']
    for e in edges:
        a, b = index[e["a"]], index[e["b"]]
        stroke = 0.4 + 2.6 * float(e["weight"]) / top
        parts.append(f'<line x1="{sx[a]:.1f}" y1="{sy[a]:.1f}" x2="{sx[b]:.1f}" '
                     f'y2="{sy[b]:.1f}" stroke="#8894a0" stroke-opacity="0.5" '
                     f'stroke-width="{stroke:.2f}"/>')
    for name in names:
        n = index[name]
        cluster_id = result.account_cluster.get(name)
        colour = _colour(order.get(cluster_id, 0) if cluster_id is not None else 0)
        parts.append(f'<circle cx="{sx[n]:.1f}" cy="{sy[n]:.1f}" r="4.5" fill="{colour}">'
                     f'<title>{escape(name)} (cluster {cluster_id})</title></circle>')
    parts.append("</svg>")
    note = ""
    if sum(len(c.members) for c in flagged) > len(names):
        note = (f'<p class="muted">Showing the {len(names):,} accounts of the largest flagged '
                "clusters; every account is in the JSON result.</p>")
    return "".join(parts) + note


def timeline_svg(clusters: list[Cluster], width: int = 1100) -> str:
    """One row per flagged cluster: a tick for each of its top evidence objects' first share."""
    rows = [c for c in clusters if c.first is not None][:20]
    if not rows:
        return ""
    start = min(int(c.first or 0) for c in rows)
    end = max(int(c.last or c.first or 0) for c in rows)
    span = max(1, end - start)
    left, right, row_h = 110, 20, 22
    height = 40 + row_h * len(rows)

    def x(epoch: int) -> float:
        return left + (epoch - start) / span * (width - left - right)

    parts = [f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="timeline">']
    for n, cluster in enumerate(rows):
        y = 20 + n * row_h
        colour = _colour(n)
        parts.append(f'<text x="8" y="{y + 4}" font-size="12" fill="currentColor">cluster '
                     f'{cluster.id}</text>')
        parts.append(f'<line x1="{x(int(cluster.first or start)):.1f}" y1="{y}" '
                     f'x2="{x(int(cluster.last or cluster.first or start)):.1f}" y2="{y}" '
                     f'stroke="{colour}" stroke-opacity="0.35" stroke-width="6"/>')
        for item in cluster.top_evidence:
            if item.get("first") is not None:
                parts.append(f'<circle cx="{x(int(item["first"])):.1f}" cy="{y}" r="4" '  # type: ignore[call-overload]
                             f'fill="{colour}"><title>{escape(str(item["signal"]))}: '
                             f'{escape(str(item["object"])[:120])}</title></circle>')
    for k in range(5):
        epoch = start + span * k // 4
        parts.append(f'<text x="{x(epoch):.1f}" y="{height - 6}" font-size="11" '
                     f'text-anchor="middle" fill="currentColor">{_utc(epoch)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _cluster_section(cluster: Cluster, colour: str) -> str:
    members = ", ".join(escape(m) for m in cluster.members)
    member_html = (f"<p>{members}</p>" if len(cluster.members) <= 30 else
                   f"<details><summary>{len(cluster.members):,} accounts</summary>"
                   f"<p>{members}</p></details>")
    rows = []
    for item in cluster.top_evidence:
        examples = "".join(
            f'<div class="example">{escape(str(e.get("account")))} · {_utc(e.get("ts"))} · '
            f'{escape(str(e.get("text") or "")[:200])}</div>'
            for e in list(item.get("examples") or [])  # type: ignore[call-overload]
        )
        rows.append(
            f"<tr><td>{escape(str(item['signal']))}</td>"
            f"<td><code>{escape(str(item['object'])[:120])}</code>{examples}</td>"
            f"<td class=n>{int(item['n']):,}</td><td class=n>{int(item['burst']):,}</td>"  # type: ignore[call-overload]
            f"<td class=n>{float(item['sync']):.0%}</td></tr>")  # type: ignore[arg-type]
    return (
        f'<h3><span class="swatch" style="background:{colour}"></span>Cluster {cluster.id}: '
        f"{len(cluster.members):,} accounts, score {cluster.score:.2f}</h3>"
        f'<p class="muted">{cluster.evidence_units} evidence units over '
        f"{cluster.evidence_objects} objects · mean synchrony {cluster.mean_sync:.0%} · "
        f"{_utc(cluster.first)} → {_utc(cluster.last)} UTC</p>{member_html}"
        "<table><tr><th>signal</th><th>shared object and example posts</th>"
        "<th>accounts</th><th>in one window</th><th>synchrony</th></tr>"
        + "".join(rows) + "</table>"
    )


def render_html(result: DetectionResult) -> str:
    flagged = result.flagged_clusters
    stats = [("posts", f"{result.posts:,}"), ("accounts", f"{result.accounts:,}"),
             ("linked pairs", f"{result.pairs:,}"), ("flagged clusters", f"{len(flagged):,}"),
             ("flagged accounts", f"{len(result.flagged_accounts):,}"),
             ("run time", f"{result.seconds.get('total', 0):.1f} s")]
    summary_rows = "".join(
        f'<tr><td><span class="swatch" style="background:{_colour(n)}"></span>{c.id}</td>'
        f"<td class=n>{len(c.members):,}</td><td class=n>{c.score:.2f}</td>"
        f"<td class=n>{c.evidence_units} / {c.evidence_objects}</td>"
        f"<td class=n>{c.mean_sync:.0%}</td><td>"
        + escape(", ".join(f"{k} {v}" for k, v in sorted(c.signals.items())))
        + f"</td><td>{_utc(c.first)} → {_utc(c.last)}</td></tr>"
        for n, c in enumerate(flagged))
    legend = "".join(f"<tr><td><code>{escape(name)}</code></td><td>{escape(s.description)}"
                     "</td></tr>" for name, s in SIGNALS.items() if name in result.signals)
    unflagged = len(result.clusters) - len(flagged)
    sections = "".join(_cluster_section(c, _colour(n)) for n, c in enumerate(flagged))
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>warroom · coordinated behaviour · {escape(Path(result.source).name)}</title>"
        f"<style>{CSS}</style></head><body>"
        f"<h1>Coordinated behaviour in {escape(Path(result.source).name)}</h1>"
        f'<p class="muted">window {result.params.window} s · signals '
        f'{escape(", ".join(result.signals))} · a cluster is flagged at ≥ '
        f"{result.thresholds.min_evidence} evidence units with mean synchrony ≥ "
        f"{result.thresholds.min_sync:.0%}</p>"
        '<div class="stats">' + "".join(f'<div class="stat"><b>{v}</b>{k}</div>'
                                        for k, v in stats) + "</div>"
        "<h2>Flagged clusters</h2>"
        + ("<table><tr><th>cluster</th><th>accounts</th><th>score</th><th>evidence units / "
           "objects</th><th>synchrony</th><th>signals (objects)</th><th>active (UTC)</th></tr>"
           + summary_rows + "</table>" if flagged else
           '<p class="muted">No cluster reached the thresholds.</p>')
        + "<h2>Network</h2>" + network_svg(result)
        + "<h2>Timeline</h2>" + timeline_svg(flagged)
        + "<h2>Evidence by cluster</h2>" + sections
        + f'<p class="muted">{unflagged:,} further clusters stayed below the thresholds; they '
          "and every account's score are in the JSON result.</p>"
        "<h2>Signals</h2><table>" + legend + "</table>"
        "</body></html>"
    )


def write_html(result: DetectionResult, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(result), encoding="utf-8")


def write_json(result: DetectionResult, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps(result.as_dict(), option=orjson.OPT_INDENT_2))
