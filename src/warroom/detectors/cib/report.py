"""The analyst's report of a coordination run: one self-contained HTML file, and the JSON.

Why: a finding is only acted on once a person has seen why it was flagged. The report puts the
networks first (a picture of who is linked to whom, a timeline of when they acted together), then
per cluster the evidence: the shared objects, how many accounts shared each and how many of them
in one window, and example posts. It needs no network access (no CDN, no fonts, no scripts:
inline CSS and SVG), because war rooms are often air-gapped, and every piece of data in it is
escaped, because account names and post texts are written by the people being investigated."""

from __future__ import annotations

import datetime as dt
import math
import random
from html import escape
from pathlib import Path
from typing import Any

import igraph
import orjson

from warroom.detectors.cib.detector import DetectionResult
from warroom.detectors.cib.scoring import Cluster
from warroom.detectors.cib.signals import SIGNALS

PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#59a14f", "#b07aa1", "#76b7b2", "#edc948",
           "#ff9da7", "#9c755f", "#499894", "#d37295", "#8cd17d", "#a0cbe8", "#f1ce63",
           "#bab0ac", "#86bcb6")
MAX_NODES = 1500
MAX_EDGES = 8000
TIMELINE_ROWS = 20
MEMBERS_SHOWN = 30
SEED = 7
NICE_SECONDS = (60, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800,
                604800, 1209600, 2592000, 7776000, 31536000)

CSS = """
:root { color-scheme: light dark; --fg: #1d232a; --bg: #fff; --muted: #5f6b77;
  --line: #e1e5ea; --card: #f6f8fa; --accent: #c62828; --edge: #8c96a1; }
@media (prefers-color-scheme: dark) { :root { --fg: #e3e7eb; --bg: #111417; --muted: #97a2ad;
  --line: #2a3139; --card: #181c21; --accent: #ff6b6b; --edge: #6f7b87; } }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0 auto;
  color: var(--fg); background: var(--bg); max-width: 1240px; padding: 28px 32px 60px; }
h1 { font-size: 26px; margin: 0 0 2px; letter-spacing: -0.01em; }
h2 { font-size: 19px; margin: 40px 0 10px; padding-bottom: 6px; border-bottom: 2px solid
  var(--line); }
h3 { font-size: 16px; margin: 30px 0 4px; }
a { color: inherit; } .muted, .note { color: var(--muted); } .note { font-size: 13px; }
.flag { color: var(--accent); }
.stats { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr));
  gap: 10px; margin: 18px 0; }
.stat { background: var(--card); border: 1px solid var(--line); border-radius: 8px;
  padding: 10px 14px; color: var(--muted); font-size: 13px; }
.stat b { display: block; font-size: 22px; color: var(--fg); font-variant-numeric:
  tabular-nums; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; font-size: 13.5px; }
th, td { border-bottom: 1px solid var(--line); padding: 6px 9px; text-align: left;
  vertical-align: top; }
th { font-weight: 600; color: var(--muted); font-size: 12px; text-transform: uppercase;
  letter-spacing: 0.03em; border-bottom: 2px solid var(--line); }
tbody tr:hover { background: var(--card); }
td.n, th.n { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.t { white-space: nowrap; font-variant-numeric: tabular-nums; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 50%;
  margin-right: 7px; vertical-align: baseline; }
svg { display: block; background: var(--card); border: 1px solid var(--line);
  border-radius: 8px; width: 100%; height: auto; color: var(--fg); }
svg text { font: 11px system-ui, sans-serif; fill: currentColor; }
svg .edge { stroke: var(--edge); stroke-opacity: 0.55; }
svg .grid { stroke: var(--line); }
svg circle { stroke: var(--bg); stroke-width: 0.8; }
.ex { margin: 0 0 6px; font-size: 12.5px; } .ex:last-child { margin: 0; }
.ex b { font-weight: 600; } .ex time { color: var(--muted); margin-left: 4px; }
.ex q { display: block; quotes: none; overflow-wrap: anywhere; }
code { font: 12.5px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  overflow-wrap: anywhere; }
.members { font-size: 13px; column-width: 190px; column-gap: 16px; margin: 8px 0;
  overflow-wrap: anywhere; }
.members span { display: block; }
details summary { cursor: pointer; color: var(--muted); margin: 6px 0; }
.chip { display: inline-block; padding: 0 7px; border-radius: 10px; background: var(--card);
  border: 1px solid var(--line); font-size: 12px; margin: 1px 2px; white-space: nowrap; }
"""


def _utc(epoch: object, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if epoch is None:
        return "–"
    return dt.datetime.fromtimestamp(int(_num(epoch)), tz=dt.UTC).strftime(fmt)


def _num(value: object) -> float:
    """Evidence dicts are typed ``object``; numbers only are expected there."""
    return float(value) if isinstance(value, int | float | str) else 0.0


def _colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def _cut(text: object, limit: int) -> str:
    value = "" if text is None else str(text)
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _drawn(result: DetectionResult) -> list[tuple[int, Cluster, list[str]]]:
    """The top flagged clusters (palette index, cluster, accounts drawn) within MAX_NODES; a
    first cluster larger than that is cut to its most strongly linked accounts."""
    chosen: list[tuple[int, Cluster, list[str]]] = []
    used = 0
    for n, cluster in enumerate(result.flagged_clusters):
        members = cluster.members
        if used + len(members) > MAX_NODES:
            if used:
                break
            members = sorted(members, key=lambda m: -result.account_strength.get(m, 0.0))
            members = sorted(members[:MAX_NODES])
        chosen.append((n, cluster, members))
        used += len(members)
    return chosen


def network_svg(result: DetectionResult, width: int = 1160) -> str:
    """Flagged clusters side by side, each laid out by force (Fruchterman-Reingold with the
    pair weights, seeded so the same result draws the same picture)."""
    drawn = _drawn(result)
    if not drawn:
        return '<p class="muted">No flagged clusters to draw.</p>'
    keep = {m for _, _, members in drawn for m in members}
    edges = [e for e in result.edges if e["a"] in keep and e["b"] in keep]
    strength = {m: result.account_strength.get(m, 0.0) for m in keep}
    top_strength = max(strength.values(), default=0.0) or 1.0
    base = 2.2 if len(keep) > 600 else 3.0
    gap, head = 10, 18
    unit = min(90.0, max(24.0, (width * 640 / len(keep)) ** 0.5))  # px per sqrt(accounts)
    cells = [(n, cluster, members, min(width - 2.0 * gap, max(110.0, unit * len(members) ** 0.5)))
             for n, cluster, members in drawn]
    by_cluster: dict[int, list[dict[str, Any]]] = {}
    for e in edges:
        by_cluster.setdefault(result.account_cluster.get(e["a"], -1), []).append(e)
    position: dict[str, tuple[float, float]] = {}
    labels: list[str] = []
    state = random.getstate()
    random.seed(SEED)  # igraph draws its layout's start from Python's random
    x = y = float(gap)
    row = 0.0
    try:
        for n, cluster, members, side in cells:
            if x + side > width - gap:
                x, y, row = float(gap), y + row + gap, 0.0
            index = {m: k for k, m in enumerate(members)}
            own = [e for e in by_cluster.get(cluster.id, []) if e["a"] in index
                   and e["b"] in index]
            graph = igraph.Graph(n=len(members), edges=[(index[e["a"]], index[e["b"]])
                                                        for e in own])
            weights = [float(e["weight"]) for e in own]
            mean = sum(weights) / len(weights) if weights else 1.0
            coords = graph.layout_fruchterman_reingold(
                weights=[w / mean for w in weights] or None, niter=500).coords
            xs, ys = [c[0] for c in coords], [c[1] for c in coords]
            wide, tall = max(xs) - min(xs), max(ys) - min(ys)
            box_w, box_h = side - 16, side - head - 12
            k = min(box_w / wide if wide else math.inf, box_h / tall if tall else math.inf)
            k = min(k, 40.0)  # px per layout unit: small clusters stay small
            ox = x + 8 + (box_w - wide * k) / 2 - min(xs) * k
            oy = y + head + 6 - min(ys) * k
            for m, (px, py) in zip(members, coords, strict=True):
                position[m] = (ox + px * k, oy + py * k)
            labels.append(f'<text x="{x + 6:.0f}" y="{y + 13:.0f}"><tspan fill="{_colour(n)}">'
                          f'●</tspan> cluster {cluster.id} · {len(cluster.members):,}</text>')
            x += side + gap
            row = max(row, head + 18 + tall * k)
    finally:
        random.setstate(state)
    height = int(y + row + gap)
    shown = sorted(edges, key=lambda e: -float(e["weight"]))[:MAX_EDGES]
    top = max((float(e["weight"]) for e in shown), default=1.0) or 1.0
    parts = [f'<svg class="network" viewBox="0 0 {width} {height}" role="img" '
             'aria-label="network of flagged accounts">', *labels]
    for e in shown:
        (x1, y1), (x2, y2) = position[e["a"]], position[e["b"]]
        tip = escape(f"{e['a']} – {e['b']}: weight {float(e['weight']):.2f}; " + ", ".join(
            f"{k} {v}" for k, v in sorted(dict(e.get("signals") or {}).items())))
        parts.append(f'<line class="edge" x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" '
                     f'y2="{y2:.1f}" stroke-width="{0.5 + 3 * float(e["weight"]) / top:.2f}">'
                     f"<title>{tip}</title></line>")
    colour_of = {m: _colour(n) for n, _, members in drawn for m in members}
    for m in sorted(keep):
        px, py = position[m]
        r = base + 3.5 * math.sqrt(strength[m] / top_strength)
        tip = escape(f"{m} (cluster {result.account_cluster.get(m)})")
        parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="{r:.1f}" fill="{colour_of[m]}">'
                     f"<title>{tip}</title></circle>")
    parts.append("</svg>")
    total = sum(len(c.members) for c in result.flagged_clusters)
    note = (f"Showing {len(keep):,} accounts of the top {len(drawn)} flagged clusters "
            f"(cap {MAX_NODES:,}); all {total:,} are in the JSON result. "
            if len(keep) < total else "")
    if len(edges) > len(shown):
        note += f"Drawing the {len(shown):,} heaviest of {len(edges):,} links. "
    return "".join(parts) + (
        f'<p class="note">{note}Colours are clusters (as in the table); node size is how '
        "strongly an account is linked, line width the pair's weight. Hover for names.</p>")


def _step(span: float, most: int) -> int:
    return next((s for s in NICE_SECONDS if span / s <= most), NICE_SECONDS[-1])


def timeline_svg(clusters: list[Cluster], width: int = 1160) -> str:
    """A histogram per cluster (top rows) of when its top evidence was first shared, over the
    cluster's active span, with an 'all' row summing every flagged cluster."""
    dated = [c for c in clusters if c.first is not None]
    if not dated:
        return '<p class="muted">No dated evidence.</p>'
    low = min(int(_num(c.first)) for c in dated)
    high = max(int(_num(c.last if c.last is not None else c.first)) for c in dated)
    size = _step(high - low + 1, 80)
    start, end = low // size * size, (high // size + 1) * size
    bins = (end - start) // size
    left, right, top, row_h = 150, 16, 12, 30
    rows = [("all flagged", None, dated), *((f"cluster {c.id} · {len(c.members):,}", n, [c])
                                             for n, c in enumerate(dated[:TIMELINE_ROWS]))]
    height = top + row_h * len(rows) + 34
    scale = (width - left - right) / (end - start)

    def x(epoch: float) -> float:
        return left + (epoch - start) * scale

    tick = _step(end - start, 8)
    parts = [f'<svg class="timeline" viewBox="0 0 {width} {height}" role="img" '
             'aria-label="timeline of evidence">']
    day = ""
    for t in range((start + tick - 1) // tick * tick, end + 1, tick):
        parts.append(f'<line class="grid" x1="{x(t):.1f}" y1="{top}" x2="{x(t):.1f}" '
                     f'y2="{height - 30}"/><text x="{x(t):.1f}" y="{height - 17}" '
                     f'text-anchor="middle">{_utc(t, "%H:%M")}</text>')
        if _utc(t, "%Y-%m-%d") != day:
            day = _utc(t, "%Y-%m-%d")
            parts.append(f'<text x="{x(t):.1f}" y="{height - 4}" text-anchor="middle" '
                         f'font-weight="600">{day}</text>')
    for k, (label, n, members) in enumerate(rows):
        base = top + row_h * (k + 1) - 4
        colour = "currentColor" if n is None else _colour(n)
        parts.append(f'<text x="8" y="{base - 6}">{escape(label)}</text>')
        counts = [0] * bins
        for c in members:
            for item in c.top_evidence:
                if item.get("first") is not None:
                    counts[min(bins - 1, (int(_num(item["first"])) - start) // size)] += 1
            if n is not None:
                span = x(_num(c.last if c.last is not None else c.first)) - x(_num(c.first))
                parts.append(f'<rect x="{x(_num(c.first)):.1f}" y="{base - 1}" '
                             f'width="{max(2.0, span):.1f}" height="2" fill="{colour}" '
                             'opacity="0.45"/>')
        most = max(counts) or 1
        for b, count in enumerate(counts):
            if count:
                h = 4 + (row_h - 10) * count / most
                when = f"{_utc(start + b * size)} UTC, {count} evidence object(s)"
                parts.append(f'<rect x="{x(start + b * size) + 0.5:.1f}" y="{base - h:.1f}" '
                             f'width="{max(1.0, size * scale - 1):.1f}" height="{h:.1f}" '
                             f'fill="{colour}"><title>{escape(label)}: {when}</title></rect>')
    parts.append("</svg>")
    more = len(dated) - TIMELINE_ROWS
    return "".join(parts) + (
        f'<p class="note">Bars count each cluster\'s top evidence objects by when they were first '
        f"shared ({size // 60:,}-minute bins, UTC); the thin line is the cluster's active span."
        + (f" {more:,} further clusters are only in the 'all' row." if more > 0 else "")
        + "</p>")


def _examples(item: dict[str, object]) -> str:
    found = item.get("examples")
    rows = found if isinstance(found, list) else []
    return "".join(
        f'<div class="ex"><b>{escape(str(e.get("account")))}</b><time>{_utc(e.get("ts"))}'
        f"</time><q>{escape(_cut(e.get('text'), 280))}</q></div>"
        for e in rows if isinstance(e, dict))


def _cluster_section(cluster: Cluster, colour: str) -> str:
    names = "".join(f"<span>{escape(m)}</span>" for m in cluster.members)
    members = (f'<div class="members">{names}</div>' if len(cluster.members) <= MEMBERS_SHOWN
               else f"<details><summary>{len(cluster.members):,} accounts (show)</summary>"
               f'<div class="members">{names}</div></details>')
    rows = "".join(
        f"<tr><td class=t><code>{escape(str(item['signal']))}</code></td>"
        f'<td><code title="{escape(_cut(item["object"], 2000))}">'
        f"{escape(_cut(item['object'], 120))}</code></td>"
        f"<td class=n>{int(_num(item['n'])):,}</td><td class=n>{int(_num(item['burst'])):,}</td>"
        f"<td class=n>{_num(item['sync']):.0%}</td><td class=t>{_utc(item.get('first'))}</td>"
        f"<td>{_examples(item)}</td></tr>"
        for item in cluster.top_evidence)
    return (
        f'<h3 id="cluster-{cluster.id}"><span class="swatch" style="background:{colour}"></span>'
        f"Cluster {cluster.id} · {len(cluster.members):,} accounts · score "
        f"{cluster.score:.2f}</h3>"
        f'<p class="muted">{cluster.evidence_units:,} evidence units over '
        f"{cluster.evidence_objects:,} objects · mean synchrony {cluster.mean_sync:.0%} · "
        f"active {_utc(cluster.first)} → {_utc(cluster.last)} UTC</p>{members}"
        "<table><thead><tr><th>signal</th><th>shared object</th><th class=n>accounts</th>"
        "<th class=n>in sync</th><th class=n>sync</th><th>first (UTC)</th><th>example posts"
        f"</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _header(result: DetectionResult) -> str:
    flagged = result.flagged_clusters
    stats = [("posts", f"{result.posts:,}"), ("accounts", f"{result.accounts:,}"),
             ("linked pairs", f"{result.pairs:,}"),
             ("flagged clusters", f"{len(flagged):,}"),
             ("flagged accounts", f"{len(result.flagged_accounts):,}"),
             ("window", f"{result.params.window:,} s"),
             ("run time", f"{result.seconds.get('total', 0):.1f} s")]
    legend = "".join(
        f"<tr><td><code>{escape(name)}</code></td><td>{escape(SIGNALS[name].description)}</td>"
        f"<td class=n>{result.pair_counts.get(name, 0):,}</td></tr>"
        for name in result.signals if name in SIGNALS)
    return (
        f"<h1>Coordinated behaviour · {escape(Path(result.source).name)}</h1>"
        f'<p class="muted">source <code>{escape(result.source)}</code> · a cluster is '
        f"flagged at ≥ "
        f"{result.thresholds.min_evidence} evidence units with mean synchrony ≥ "
        f"{result.thresholds.min_sync:.0%}</p>"
        '<div class="stats">' + "".join(f'<div class="stat"><b>{v}</b>{k}</div>'
                                        for k, v in stats) + "</div>"
        "<table><thead><tr><th>signal used</th><th>accounts linked when they…</th>"
        f"<th class=n>pairs</th></tr></thead><tbody>{legend}</tbody></table>"
    )


def _summary(flagged: list[Cluster]) -> str:
    if not flagged:
        return '<p class="muted">No cluster reached the thresholds.</p>'
    rows = "".join(
        f'<tr><td><span class="swatch" style="background:{_colour(n)}"></span>'
        f'<a href="#cluster-{c.id}">{c.id}</a></td><td class=n>{len(c.members):,}</td>'
        f"<td class=n>{c.score:.2f}</td><td class=n>{c.evidence_units:,} / "
        f"{c.evidence_objects:,}</td><td class=n>{c.mean_sync:.0%}</td><td>"
        + "".join(f'<span class="chip">{escape(k)} {v:,}</span>'
                  for k, v in sorted(c.signals.items()))
        + f"</td><td class=t>{_utc(c.first)} → {_utc(c.last)}</td></tr>"
        for n, c in enumerate(flagged))
    return ("<table><thead><tr><th>cluster</th><th class=n>accounts</th><th class=n>score</th>"
            "<th class=n>evidence units / objects</th><th class=n>mean sync</th>"
            "<th>signals (objects)</th><th>active (UTC)</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>")


def render_html(result: DetectionResult) -> str:
    """The whole report as one HTML document (no external resources, all data escaped)."""
    flagged = result.flagged_clusters
    unflagged = len(result.clusters) - len(flagged)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Coordinated behaviour · {escape(Path(result.source).name)}</title>"
        f"<style>{CSS}</style></head><body>"
        + _header(result)
        + "<h2>Flagged clusters</h2>" + _summary(flagged)
        + "<h2>Network</h2>" + network_svg(result)
        + "<h2>Timeline</h2>" + (timeline_svg(flagged) if flagged else
                                 '<p class="muted">Nothing flagged.</p>')
        + "<h2>Evidence by cluster</h2>"
        + "".join(_cluster_section(c, _colour(n)) for n, c in enumerate(flagged))
        + f'<p class="muted">{unflagged:,} further clusters stayed below the thresholds (not '
          "flagged); they and every account's score are in the JSON result.</p>"
        "</body></html>"
    )


def write_html(result: DetectionResult, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(result), encoding="utf-8")


def write_json(result: DetectionResult, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps(result.as_dict(), option=orjson.OPT_INDENT_2))
