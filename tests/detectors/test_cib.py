"""The coordination detector through its public interfaces: adapters and ingest (bad rows
counted, missing columns named), the signals and weighting on a small world with one planted
network among organic accounts, and the CLI."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from warroom.cli.main import app
from warroom.detectors.cib import adapters
from warroom.detectors.cib.adapters import ADAPTERS, Mapping, MappingError
from warroom.detectors.cib.detector import DetectionResult, detect
from warroom.detectors.cib.ingest import ingest
from warroom.detectors.cib.schema import CANONICAL_SCHEMA

T0 = dt.datetime(2024, 10, 1, 12, 0)
NETWORK = [f"op_{i}" for i in range(5)]
ORGANIC = [f"user_{i}" for i in range(40)]


def world_rows() -> list[dict[str, object]]:
    """Five accounts repost the same six posts within the same minute, each time; forty organic
    accounts repost one viral post spread over six hours and post their own texts."""
    rows: list[dict[str, object]] = []
    for k in range(6):
        for i, account in enumerate(NETWORK):
            rows.append({"account": account, "time": T0 + dt.timedelta(hours=k, seconds=3 * i),
                         "repost_of": f"src-{k}", "text": f"amplified message {k}"})
    for i, account in enumerate(ORGANIC):
        rows.append({"account": account, "time": T0 + dt.timedelta(minutes=9 * i),
                     "repost_of": "viral", "text": "the viral post"})
        rows.append({"account": account, "time": T0 + dt.timedelta(minutes=9 * i + 4),
                     "repost_of": None, "text": f"my own thoughts number {i} about the day"})
    return rows


def canonical_table(rows: list[dict[str, object]]) -> pa.Table:
    columns: dict[str, list[object]] = {field.name: [] for field in CANONICAL_SCHEMA}
    for n, row in enumerate(rows):
        columns["platform"].append("twitter")
        columns["account"].append(row["account"])
        columns["post_id"].append(f"p{n}")
        columns["time"].append(row["time"])
        columns["text"].append(row.get("text"))
        for name in ("urls", "hashtags", "mentions", "domains", "media"):
            columns[name].append(list(row.get(name, [])))  # type: ignore[call-overload]
        columns["repost_of"].append(row.get("repost_of"))
        columns["reply_to"].append(None)
        columns["account_created"].append(row.get("account_created"))
    return pa.Table.from_pydict(columns, schema=CANONICAL_SCHEMA)


@pytest.fixture
def posts(tmp_path: Path) -> Path:
    path = tmp_path / "posts.parquet"
    pq.write_table(canonical_table(world_rows()), path)
    return path


def test_planted_network_is_flagged_and_organic_fans_are_not(posts: Path) -> None:
    result = detect(posts)
    assert result.flagged_accounts == set(NETWORK)
    (cluster,) = result.flagged_clusters
    assert cluster.signals["co_repost"] == 6
    assert cluster.mean_sync > 0.9
    # each repost shared in sync by five accounts gives four units; the same five accounts also
    # posted in the same minutes six times, which synchronised activity adds per pair
    assert cluster.evidence_units >= 6 * (len(NETWORK) - 1)
    assert cluster.signals.get("sync_activity", 0) <= 10
    top = next(item for item in cluster.top_evidence if item["signal"] == "co_repost")
    assert top["examples"] and top["examples"][0]["account"] in NETWORK
    assert all(result.account_score.get(a, 0.0) < cluster.score for a in ORGANIC)


def test_a_window_smaller_than_the_spread_links_nobody(posts: Path) -> None:
    from warroom.detectors.cib.signals import Params

    result = detect(posts, params=Params(window=1), signals=("co_repost",))
    assert result.flagged_accounts == set()


def test_result_round_trips_through_json(posts: Path) -> None:
    result = detect(posts)
    again = DetectionResult.from_dict(json.loads(json.dumps(result.as_dict())))
    assert again.as_dict() == result.as_dict()
    with pytest.raises(ValueError, match="not a warroom detection result"):
        DetectionResult.from_dict({"clusters": []})


GOP_HEADER = ["id", "name", "text", "tweet_created", "retweet_count"]


def write_gop(path: Path, rows: list[list[str]], broken: str = "") -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(GOP_HEADER)
        writer.writerows(rows)
    if broken:
        with path.open("a") as handle:
            handle.write(broken)


def test_gopdebate_adapter_keys_retweets_by_text_and_counts_bad_rows(tmp_path: Path) -> None:
    source = tmp_path / "gop.csv"
    write_gop(source, [
        ["1", "alice", "RT @cand: Big night #GOPDebate http://t.co/AbC", "06-08-2015 18:01", "3"],
        ["2", "bob", "rt @cand: big night #gopdebate http://t.co/AbC", "06-08-2015 18:01", "3"],
        ["3", "carol", "my own take on #GOPDebate #Trump2016", "06-08-2015 18:02", "0"],
        ["4", "", "no account", "06-08-2015 18:03", "0"],
        ["5", "dave", "bad time", "yesterday", "0"],
    ], broken="6,erin,too,many,fields,here\n")
    out = tmp_path / "out.parquet"
    report = ingest([source], ADAPTERS["gopdebate"], out)
    assert report.rows_written == 3
    assert report.skipped == {"unreadable lines": 1, "no account": 1, "no parseable time": 1}
    assert report.rows_read == 6
    assert "skipped 3 malformed rows" in report.summary()
    table = pq.read_table(out)
    assert table.schema.equals(CANONICAL_SCHEMA, check_metadata=False) or \
        table.schema.names == CANONICAL_SCHEMA.names
    rows = {r["account"]: r for r in table.to_pylist()}
    assert rows["alice"]["repost_of"] == rows["bob"]["repost_of"]
    assert rows["alice"]["repost_of"].startswith("text:big night")
    assert rows["carol"]["repost_of"] is None
    assert rows["carol"]["hashtags"] == ["gopdebate", "trump2016"]
    assert rows["alice"]["urls"] == ["t.co/AbC"]
    assert rows["alice"]["time"] == dt.datetime(2015, 8, 6, 18, 1)


def test_missing_column_names_the_column_and_the_adapter(tmp_path: Path) -> None:
    source = tmp_path / "gop.csv"
    write_gop(source, [["1", "alice", "hello", "06-08-2015 18:01", "0"]])
    with pytest.raises(MappingError) as caught:
        ingest([source], ADAPTERS["ira"], tmp_path / "out.parquet")
    message = caught.value.message
    assert "'author_id'" in message and "adapter 'ira'" in message and "mapping" in message
    assert not (tmp_path / "out.parquet").exists()


def test_ira_parquet_and_jsonl_with_a_broken_line(tmp_path: Path) -> None:
    ira = pa.table({
        "author_id": ["a1", "a2", None],
        "content": ["RT @x: Привет мир #выборы", "Привет мир #выборы", "orphan"],
        "publish_date": [T0, T0, T0],
        "post_type": ["R", "R", None],
        "language": ["Russian", "Russian", "English"],
    })
    pq.write_table(ira, tmp_path / "ira.parquet")
    report = ingest([tmp_path / "ira.parquet"], ADAPTERS["ira"], tmp_path / "a.parquet")
    assert (report.rows_written, report.skipped["no account"]) == (2, 1)
    rows = pq.read_table(tmp_path / "a.parquet").to_pylist()
    assert rows[0]["repost_of"] == rows[1]["repost_of"] == "text:привет мир #выборы"
    assert rows[0]["hashtags"] == ["выборы"]
    lines = tmp_path / "posts.jsonl"
    lines.write_text('{"user": "u1", "at": 1700000000, "body": "hi https://Ex.com/a?utm_source=z"}\n'
                     '{"user": "u2", "at": \n'
                     '{"user": "u3", "at": 1700000060, "body": "RT @u1: hi"}\n')
    mapping = tmp_path / "mine.toml"
    mapping.write_text('name = "mine"\nplatform = "mastodon"\n[columns]\naccount = "user"\n'
                       'time = "at"\ntext = "body"\n[options]\ntime_format = "epoch"\n'
                       'retweet_prefix = true\n')
    report = ingest([lines], adapters.resolve(str(mapping)), tmp_path / "b.parquet")
    assert report.rows_written == 2 and report.skipped_total == 1
    rows = pq.read_table(tmp_path / "b.parquet").to_pylist()
    assert rows[0]["platform"] == "mastodon" and rows[0]["urls"] == ["ex.com/a"]
    assert rows[0]["domains"] == ["ex.com"] and rows[1]["repost_of"] == "text:hi"


def test_mapping_errors_are_clear(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[columns]\naccount = "user"\ntime = "at"\nfollowers = "f"\n')
    with pytest.raises(MappingError, match="unknown canonical column.*followers"):
        Mapping.from_toml(bad)
    bad.write_text('[columns]\ntext = "body"\n')
    with pytest.raises(MappingError, match="must name the source of 'account'"):
        Mapping.from_toml(bad)
    with pytest.raises(MappingError, match="unknown adapter"):
        adapters.resolve("no-such-adapter")


cell = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(cell, min_size=1, max_size=7), min_size=1, max_size=12))
def test_ingest_never_loses_count_of_rows(tmp_path: Path, rows: list[list[str]]) -> None:
    """Whatever the CSV holds, every line is written or counted as skipped, never both."""
    source = tmp_path / "fuzz.csv"
    with source.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(GOP_HEADER)
        for row in rows:
            writer.writerow(row)
    try:
        report = ingest([source], ADAPTERS["gopdebate"], tmp_path / "fuzz.parquet")
    except MappingError as error:  # a header DuckDB could not sniff is refused whole
        assert "cannot read" in error.message
        return
    assert report.rows_written + report.skipped_total == report.rows_read
    # a quoted line break may split a record in two for the reader, never more than that
    assert report.rows_read <= len(source.read_text().splitlines()) - 1


def test_cli_ingest_detect_report(tmp_path: Path) -> None:
    runner = CliRunner()
    source = tmp_path / "gop.csv"
    rows = []
    for k in range(3):
        for i in range(4):
            rows.append([f"{k}{i}", f"op{i}", f"RT @src: message {k}", f"06-08-2015 18:0{k}", "0"])
    write_gop(source, rows)
    posts = tmp_path / "posts.parquet"
    result = runner.invoke(app, ["cib", "ingest", str(source), "--adapter", "gopdebate",
                                 "-o", str(posts)])
    assert result.exit_code == 0, result.output
    assert "12 posts from 4 accounts" in result.output
    out = tmp_path / "result.json"
    result = runner.invoke(app, ["cib", "detect", str(posts), "-o", str(out),
                                 "--signals", "co_repost,copy_text"])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["flagged_accounts"] == 4 and data["signals"] == ["co_repost", "copy_text"]
    result = runner.invoke(app, ["cib", "detect", str(posts), "-o", str(out), "--signals", "x"])
    assert result.exit_code == 1 and "unknown signal(s) x" in result.output
    result = runner.invoke(app, ["cib", "ingest", str(source), "--adapter", "ira",
                                 "-o", str(posts)])
    assert result.exit_code == 1 and "error: " in result.output and "'author_id'" in result.output


DISARM = Path(__file__).resolve().parents[3] / "shared" / "data" / "taxonomies" / "disarm-stix.json"


def _linked_world(tmp_path: Path) -> Path:
    rows = world_rows()
    for k in range(3):
        for i, account in enumerate(NETWORK):
            rows.append({"account": account, "time": T0 + dt.timedelta(days=1, hours=k, seconds=i),
                         "urls": [f"vote-info.example/it's-{k}"], "text": f"look {k}"})
    path = tmp_path / "linked.parquet"
    pq.write_table(canonical_table(rows), path)
    return path


def test_flagged_clusters_become_valid_deterministic_stix(tmp_path: Path) -> None:
    from stix2validator import ValidationOptions, validate_instance

    from warroom.detectors.cib.stix import DisarmCatalog
    from warroom.model.tlp import TLP
    from warroom.services.cib import findings_objects

    result = detect(_linked_world(tmp_path))
    disarm = DisarmCatalog.load(DISARM) if DISARM.exists() else None
    args = {"platform": "twitter", "created_by": "identity--" + "1" * 8 + "-1111-4111-8111-"
            + "1" * 12, "tlp": TLP.AMBER, "timestamp": "2026-11-25T00:00:00.000Z",
            "disarm": disarm}
    objects = findings_objects(result, **args)  # type: ignore[arg-type]
    assert findings_objects(result, **args) == objects  # type: ignore[arg-type]
    for obj in objects:
        report = validate_instance(obj, ValidationOptions(version="2.1"))
        assert report.is_valid, [str(e) for e in report.errors]
    by_type: dict[str, list[dict[str, object]]] = {}
    for obj in objects:
        by_type.setdefault(str(obj["type"]), []).append(obj)
    (grouping,) = by_type["grouping"]
    assert set(grouping["object_refs"]) == {o["id"] for o in objects} - {grouping["id"]}
    assert {a["user_id"] for a in by_type["user-account"]} == set(NETWORK)
    patterns = {o["pattern"] for o in by_type["indicator"]}
    assert "[url:value = 'http://vote-info.example/it\\'s-0']" in patterns
    techniques = {o["external_references"][0]["external_id"] for o in by_type["attack-pattern"]}
    assert "T0049.003" in techniques and "T0119" in techniques
    if disarm is not None:
        names = {o["name"] for o in by_type["attack-pattern"]}
        assert "Bots Amplify via Automated Forwarding and Reposting" in names


def test_shared_findings_reach_only_their_recipients(tmp_path: Path, store, settings) -> None:  # type: ignore[no-untyped-def]
    from warroom.model.sharing import Recipients
    from warroom.model.tlp import TLP
    from warroom.services.cib import findings_objects, share_findings
    from warroom.services.exchange import ExchangeService
    from warroom.storage.objects import ObjectQuery
    from warroom.testing.scenario import Scenario

    scenario = Scenario(store)
    for name in ("Platform", "Agency", "Outsider"):
        scenario.add_org(name)
    exchange = ExchangeService(store, settings)
    platform = scenario.members["Platform"]
    objects = findings_objects(detect(_linked_world(tmp_path)), platform="twitter",
                               created_by=platform.org.identity_id, tlp=TLP.AMBER,
                               timestamp="2026-11-25T00:00:00.000Z", disarm=None)
    recipients = Recipients(org_ids=frozenset({scenario.members["Agency"].org.id}))
    shared = share_findings(objects, exchange=exchange, principal=platform.principal,
                            recipients=recipients, tlp=TLP.AMBER, bundle=tmp_path / "b.json")
    assert shared == len(objects)
    assert len(json.loads((tmp_path / "b.json").read_text())["objects"]) == len(objects)
    agency = scenario.members["Agency"].principal
    seen = exchange.page(agency, ObjectQuery(), transport="test").rows
    assert {r.stix_id for r in seen} >= {o["id"] for o in objects}
    outsider = scenario.members["Outsider"].principal
    assert exchange.page(outsider, ObjectQuery(), transport="test").rows == []
    assert exchange.count(outsider, ObjectQuery()) == {"total": 0}
    grouping = next(o["id"] for o in objects if o["type"] == "grouping")
    assert exchange.page(outsider, ObjectQuery(ids=(grouping,)), transport="test").rows == []


def test_html_report_is_self_contained_and_escapes_what_accounts_wrote(tmp_path: Path) -> None:
    import re
    from html.parser import HTMLParser

    from warroom.detectors.cib.report import render_html

    evil = "<script>alert(1)</script>"
    rows = [dict(row, account=evil) if row["account"] == NETWORK[0] else row
            for row in world_rows()]
    rows = [dict(row, text=f'{row["text"]} <img src=x onerror=alert(2)>') for row in rows]
    path = tmp_path / "evil.parquet"
    pq.write_table(canonical_table(rows), path)
    result = detect(path)
    assert evil in result.flagged_accounts
    page = render_html(result)
    assert evil not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?https?:""", page)
    assert page.count("<circle") >= len(result.flagged_accounts)
    for account in NETWORK[1:]:
        assert account in page

    class Balance(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.open: dict[str, int] = {}

        def handle_starttag(self, tag: str, attrs: object) -> None:
            self.open[tag] = self.open.get(tag, 0) + 1

        def handle_endtag(self, tag: str) -> None:
            self.open[tag] = self.open.get(tag, 0) - 1

    checker = Balance()
    checker.feed(page)
    assert all(checker.open.get(tag, 0) == 0 for tag in ("svg", "table", "details", "h3"))
    assert "<script" not in page


def test_twitter_information_operations_archive(tmp_path: Path) -> None:
    header = ["tweetid", "userid", "user_screen_name", "account_creation_date", "tweet_text",
              "tweet_time", "in_reply_to_tweetid", "retweet_tweetid", "urls", "hashtags",
              "user_mentions", "is_retweet"]
    rows = [
        ["101", "u1", "alpha", "2016-03-01", "RT @x: vote early", "2016-10-01 12:00", "", "900",
         "[]", "[]", "[x1]", "True"],
        ["102", "u2", "beta", "2016-03-01", "see https://t.co/a #Vote #Now", "2016-10-01 12:00",
         "55", "", "[https://example.org/x?utm_source=tw]", "[Vote, Now]", "[]", "False"],
    ]
    source = tmp_path / "io.csv"
    with source.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    report = ingest([source], ADAPTERS["twitter-io"], tmp_path / "io.parquet")
    assert report.rows_written == 2 and report.skipped_total == 0
    first, second = pq.read_table(tmp_path / "io.parquet").to_pylist()
    assert (first["post_id"], first["repost_of"], first["mentions"]) == ("101", "900", ["x1"])
    assert first["account_created"] == dt.datetime(2016, 3, 1)
    assert second["reply_to"] == "55" and second["hashtags"] == ["vote", "now"]
    assert second["urls"] == ["example.org/x"] and second["domains"] == ["example.org"]


def test_cli_share_writes_a_bundle_and_refuses_without_a_destination(tmp_path: Path) -> None:
    runner = CliRunner()
    result_file = tmp_path / "result.json"
    result_file.write_text(json.dumps(detect(_linked_world(tmp_path)).as_dict()))
    bundle = tmp_path / "findings.json"
    out = runner.invoke(app, ["cib", "share", str(result_file), "--bundle", str(bundle),
                              "--tlp", "green"])
    assert out.exit_code == 0, out.output
    objects = json.loads(bundle.read_text())["objects"]
    assert {o["type"] for o in objects} >= {"grouping", "user-account", "indicator"}
    green = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
    assert all(o["object_marking_refs"] == [green] for o in objects)
    out = runner.invoke(app, ["cib", "share", str(result_file)])
    assert out.exit_code == 1 and "--bundle" in out.output
    out = runner.invoke(app, ["cib", "share", str(tmp_path / "linked.parquet"), "--bundle",
                              str(bundle)])
    assert out.exit_code == 1 and "not JSON" in out.output
