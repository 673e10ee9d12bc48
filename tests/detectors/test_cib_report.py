"""The analyst's report of a coordination run: the HTML names the flagged accounts, draws them,
escapes whatever the investigated accounts wrote, loads nothing from the network, and is well
formed; the JSON round-trips."""

from __future__ import annotations

import datetime as dt
import re
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from warroom.detectors.cib import report
from warroom.detectors.cib.detector import DetectionResult, detect
from warroom.detectors.cib.report import render_html, write_html, write_json
from warroom.detectors.cib.schema import CANONICAL_SCHEMA
from warroom.detectors.cib.scoring import Cluster, Thresholds
from warroom.detectors.cib.signals import Params

EVIL_NAME = "<script>alert(1)</script>"
EVIL_TEXT = '<img src=x onerror="alert(2)"> see https://evil.example/x'
QUOTED_NAME = 'q" href="https://evil.example/'
NETWORK = ["op_a", "op_b", EVIL_NAME, QUOTED_NAME, "op_e"]
T0 = dt.datetime(2024, 10, 1, 12, 0)
VOID = {"meta", "br", "hr", "img", "input", "link", "wbr"}


def canonical(rows: list[dict[str, object]]) -> pa.Table:
    columns: dict[str, list[object]] = {field.name: [] for field in CANONICAL_SCHEMA}
    for n, row in enumerate(rows):
        values = {"platform": "twitter", "post_id": f"p{n}", "urls": [], "hashtags": [],
                  "mentions": [], "domains": [], "media": [], "reply_to": None,
                  "account_created": None, **row}
        for name in columns:
            columns[name].append(values.get(name))
    return pa.Table.from_pydict(columns, schema=CANONICAL_SCHEMA)


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> DetectionResult:
    """Five accounts (two with hostile names) repost the same four posts in the same minute;
    twenty organic accounts repost a viral post over hours and write their own texts."""
    rows: list[dict[str, object]] = []
    for k in range(4):
        for i, account in enumerate(NETWORK):
            rows.append({"account": account, "repost_of": f"src-{k}",
                         "time": T0 + dt.timedelta(hours=k, seconds=5 * i),
                         "text": EVIL_TEXT if k == 0 else f"amplified message {k}"})
    for i in range(20):
        rows.append({"account": f"user_{i}", "repost_of": "viral", "text": "the viral post",
                     "time": T0 + dt.timedelta(minutes=11 * i)})
        rows.append({"account": f"user_{i}", "text": f"my own thoughts number {i} today",
                     "time": T0 + dt.timedelta(minutes=11 * i + 3)})
    path = tmp_path_factory.mktemp("cib") / "posts.parquet"
    pq.write_table(canonical(rows), path)
    found = detect(path)
    assert found.flagged_accounts == set(NETWORK)
    return found


class Checker(HTMLParser):
    """Counts circles inside the network picture and tracks that every tag is closed."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.network_circles = 0
        self.svgs = 0
        self.tables = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "svg":
            self.svgs += 1
        if tag == "table":
            self.tables += 1
        if tag == "circle" and "svg.network" in self.stack:
            self.network_circles += 1
        if tag not in VOID:
            classes = dict(attrs).get("class") or ""
            self.stack.append("svg.network" if tag == "svg" and "network" in classes else tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1].split(".")[0] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()


def check(html: str) -> Checker:
    checker = Checker()
    checker.feed(html)
    checker.close()
    assert checker.errors == []
    assert checker.stack == []
    return checker


def test_report_names_and_draws_the_flagged_accounts(result: DetectionResult) -> None:
    html = render_html(result)
    checker = check(html)
    for account in NETWORK:
        assert escape(account) in html
    assert checker.network_circles == len(result.flagged_accounts) == len(NETWORK)
    assert checker.svgs == 2  # the network and the timeline
    assert checker.tables >= 3  # signals, summary, one per flagged cluster
    (cluster,) = result.flagged_clusters
    assert f'id="cluster-{cluster.id}"' in html
    assert "amplified message" in html  # example posts
    assert "further clusters stayed below the thresholds" in html
    assert render_html(result) == html  # the layout is seeded: same result, same picture


def test_untrusted_names_and_texts_are_escaped_everywhere(result: DetectionResult) -> None:
    html = render_html(result)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert EVIL_NAME not in html
    assert "<script" not in html.lower()
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in html
    assert "<img" not in html.lower()
    assert QUOTED_NAME not in html
    assert "q&quot; href=&quot;https://evil.example/" in html


def test_report_loads_nothing_from_the_network(result: DetectionResult) -> None:
    html = render_html(result)
    assert not re.search(r"""(src|href|action|xlink:href)\s*=\s*["']?\s*(https?:)?//""", html,
                         re.IGNORECASE)
    assert "@import" not in html
    assert not re.search(r"url\(\s*['\"]?\s*(https?:)?//", html, re.IGNORECASE)


def test_json_round_trips_and_renders_again(result: DetectionResult, tmp_path: Path) -> None:
    json_path, html_path = tmp_path / "out" / "result.json", tmp_path / "out" / "report.html"
    write_json(result, json_path)
    data = orjson.loads(json_path.read_bytes())
    assert json_path.read_text(encoding="utf-8").startswith("{\n  ")
    again = DetectionResult.from_dict(data)
    assert [c.members for c in again.flagged_clusters] == [sorted(NETWORK)]
    assert again.edges == result.edges
    write_html(again, html_path)
    check(html_path.read_text(encoding="utf-8"))
    assert escape(EVIL_NAME) in html_path.read_text(encoding="utf-8")


def hand_made(sizes: list[int], flagged: bool = True) -> DetectionResult:
    clusters, edges, cluster_of = [], [], {}
    for cid, size in enumerate(sizes):
        members = [f"c{cid}_{i}" for i in range(size)]
        for i, member in enumerate(members):
            cluster_of[member] = cid
            if i:
                edges.append({"a": members[i - 1], "b": member, "cluster": cid,
                              "weight": 1.0 + i % 3, "signals": {"co_repost": 2}})
        clusters.append(Cluster(
            id=cid, members=members, score=0.9 if flagged else 0.3, flagged=flagged,
            evidence_objects=2, evidence_units=size, mean_sync=1.0, signals={"co_repost": 2},
            first=1_700_000_000, last=1_700_050_000, top_evidence=[
                {"signal": "co_repost", "object": "x" * 500, "n": size, "burst": size,
                 "sync": 1.0, "weight": 2.0, "first": 1_700_000_000 + 600 * cid, "pairs": 1,
                 "examples": []}]))
    return DetectionResult(
        source="hand.parquet", signals=("co_repost",), params=Params(), thresholds=Thresholds(),
        posts=10, accounts=len(cluster_of), clusters=clusters, account_score={},
        account_cluster=cluster_of, account_strength={}, pairs=len(edges),
        edges=edges if flagged else [])


def test_network_picture_is_capped_at_the_top_clusters(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report, "MAX_NODES", 50)
    html = render_html(hand_made([30, 15, 40, 3]))
    assert check(html).network_circles == 45
    assert "Showing 45 accounts of the top 2 flagged clusters" in html
    assert "x" * 119 + "…" in html and "x" * 121 + "<" not in html  # long objects are cut
    assert "40 accounts (show)" in html  # long member lists fold away


def test_nothing_flagged_still_renders() -> None:
    html = render_html(hand_made([4, 3], flagged=False))
    checker = check(html)
    assert checker.network_circles == 0
    assert "No cluster reached the thresholds" in html
    assert "2 further clusters stayed below the thresholds" in html
