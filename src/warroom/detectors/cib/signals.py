"""The coordination signals: named SQL that turns posts into account pairs with evidence.

Why: each signal is one question about behaviour — did these accounts repost the same post, link
the same page, use the same hashtag sequence, post the same text, at nearly the same moment? —
asked in SQL so DuckDB answers it on a laptop and Spark on a cluster (``warroom.analytics``).
Share signals produce *events* (account, object, time); one shared query turns events into pairs
within the time window and records, per object, how many accounts shared it (rarity) and how
many of them did so inside one window (synchrony). Language, topic and handle style are never
inputs: only what was shared and when."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from warroom.analytics.dialect import Dialect
from warroom.analytics.engine import Engine

SHORTENERS = ("t.co", "bit.ly", "ow.ly", "tinyurl.com", "goo.gl", "buff.ly", "dlvr.it",
              "ift.tt", "fb.me", "youtu.be", "is.gd", "tr.im", "j.mp", "lnkd.in", "trib.al")
"""Link shorteners: one domain for everything, so a shared shortener domain says nothing."""


@dataclass(frozen=True)
class Params:
    """Knobs of a detection run (CLI: ``warroom cib detect --window … --signals …``)."""

    window: int = 60
    """Two shares of one object less than this many seconds apart count as together (with
    minute-resolution times, 60 means the same minute)."""
    max_object_accounts: int = 500
    """Objects shared by more accounts are viral, not evidence: they link nobody."""
    min_text_words: int = 5
    """Posts with fewer words (links and handles not counted) are too short to call copies."""
    minhash_bands: int = 3
    minhash_rows: int = 3
    """Near copies: 3 bands of 3 rows find word sets with Jaccard similarity ≥ ~0.7."""
    activity_bucket: int = 60
    """Synchronised activity: seconds per time bucket."""
    activity_min_shared: int = 5
    """Synchronised activity: fewest shared buckets for a pair to count."""
    activity_min_lift: float = 10.0
    """Synchronised activity: how many times more shared buckets than chance predicts."""
    creation_window: int = 3600
    """Creation bursts: seconds between two accounts' creation for them to pair."""


@dataclass(frozen=True)
class Signal:
    """A named signal. ``kind`` is ``share`` (events through the shared pair query),
    ``activity`` (its own pair query) or ``support`` (adds weight, never evidence alone)."""

    name: str
    description: str
    kind: str
    weight: float
    events: Callable[[Dialect, Params], str] | None = None
    default: bool = True
    needs: tuple[str, ...] = field(default=())


def _repost_events(d: Dialect, p: Params) -> str:
    return "SELECT account, ts, repost_of AS object FROM p WHERE repost_of IS NOT NULL"


def _link_events(d: Dialect, p: Params) -> str:
    return (f"SELECT account, ts, {d.explode('urls')} AS object FROM p "
            f"WHERE repost_of IS NULL AND {d.list_size('urls')} > 0")


def _domain_events(d: Dialect, p: Params) -> str:
    shorteners = ", ".join(f"'{name}'" for name in SHORTENERS)
    return (f"SELECT account, ts, object FROM (SELECT account, ts, {d.explode('domains')} "
            f"AS object FROM p WHERE repost_of IS NULL AND {d.list_size('domains')} > 0) x "
            f"WHERE object NOT IN ({shorteners})")


def _media_events(d: Dialect, p: Params) -> str:
    return (f"SELECT account, ts, {d.explode('media')} AS object FROM p "
            f"WHERE {d.list_size('media')} > 0")


def _hashtag_events(d: Dialect, p: Params) -> str:
    return (f"SELECT account, ts, {d.join_list('hashtags', ' ')} AS object FROM p "
            f"WHERE repost_of IS NULL AND {d.list_size('hashtags')} >= 2")


def _text_events(d: Dialect, p: Params) -> str:
    return "SELECT p.account, p.ts, n.cluster AS object FROM p JOIN near_copies n ON p.pid = n.pid"


def _creation_events(d: Dialect, p: Params) -> str:
    created = d.epoch("account_created")
    return (f"SELECT DISTINCT account, {created} AS ts, 'created:' || CAST(CAST(floor({created} / "
            f"{p.creation_window}) AS BIGINT) AS STRING) AS object FROM p "
            "WHERE account_created IS NOT NULL")


SIGNALS: dict[str, Signal] = {
    signal.name: signal
    for signal in (
        Signal("co_repost", "reposted the same post within the window", "share", 1.0,
               _repost_events),
        Signal("co_link", "posted the same normalised link within the window", "share", 1.0,
               _link_events),
        Signal("co_domain", "linked the same (non-shortener) domain within the window",
               "share", 0.5, _domain_events, default=False),
        Signal("co_media", "posted the same media / perceptual hash within the window",
               "share", 1.0, _media_events),
        Signal("co_hashtag", "used the same sequence of two or more hashtags within the window",
               "share", 0.5, _hashtag_events),
        Signal("copy_text", "posted the same or nearly the same text (MinHash) within the window",
               "share", 1.0, _text_events, needs=("near_copies",)),
        Signal("sync_activity", "posted in the same minutes far more often than chance",
               "activity", 0.5),
        Signal("creation_burst", "accounts created within the creation window of each other",
               "support", 0.25, _creation_events),
    )
}
DEFAULT_SIGNALS = tuple(name for name, signal in SIGNALS.items() if signal.default)


def prepare_sql(d: Dialect) -> str:
    """The posts every signal reads (``p``): a 64-bit post key, epoch-second times, no text."""
    return (f"SELECT account, {d.hash64('post_id')} AS pid, {d.epoch('time')} AS ts, repost_of, "
            "urls, hashtags, domains, media, account_created FROM posts")


def near_copy_steps(d: Dialect, p: Params) -> list[tuple[str, str]]:
    """MinHash / LSH over each original post's words (links and handles removed), then two
    rounds of label propagation over the band buckets: posts that share a bucket, directly or
    through one other post, get one cluster id. Reposts are left to ``co_repost``. A set's
    minimum does not care about repeats, so words are not de-duplicated."""
    words = d.filter(d.split("lower(text)", " "), "w",
                     f"length(w) > 1 AND NOT {d.starts_with('w', 'http')} "
                     f"AND NOT {d.starts_with('w', '@')}")
    k = p.minhash_bands * p.minhash_rows
    hashed = d.transform("words", "w", d.hash_any("w"))
    mins = ", ".join(
        f"{d.list_min(d.transform('hashes', 'h', d.hash_any('h', str(i + 1))))} AS m{i}"
        for i in range(k)
    )
    steps = [("nc_sig",
              f"SELECT pid, {mins} FROM (SELECT pid, {hashed} AS hashes FROM (SELECT "
              f"{d.hash64('post_id')} AS pid, {words} AS words FROM posts WHERE repost_of IS NULL "
              f"AND text IS NOT NULL) x WHERE {d.list_size('words')} >= {p.min_text_words}) y")]
    bands = " UNION ALL ".join(
        f"SELECT pid, {band} AS band, "
        f"{d.hash64(*(f'm{band * p.minhash_rows + r}' for r in range(p.minhash_rows)))} AS key "
        "FROM nc_sig"
        for band in range(p.minhash_bands)
    )
    steps.append(("nc_all_bands", bands))
    steps.append(("nc_bands", "SELECT b.pid, b.band, b.key FROM nc_all_bands b JOIN (SELECT band, "
                              "key FROM nc_all_bands GROUP BY band, key HAVING count(*) > 1) s "
                              "ON b.band = s.band AND b.key = s.key"))
    label = "nc_label0"
    steps.append((label, "SELECT pid, min(pid) AS label FROM nc_bands GROUP BY pid"))
    for round_ in (1, 2):
        steps.append((f"nc_bucket{round_}",
                      f"SELECT b.band, b.key, min(l.label) AS label FROM nc_bands b JOIN {label} l "
                      "ON b.pid = l.pid GROUP BY b.band, b.key"))
        steps.append((f"nc_label{round_}",
                      f"SELECT b.pid, min(k.label) AS label FROM nc_bands b JOIN nc_bucket{round_} "
                      "k ON b.band = k.band AND b.key = k.key GROUP BY b.pid"))
        label = f"nc_label{round_}"
    steps.append(("near_copies",
                  f"SELECT pid, 'copy:' || CAST(label AS STRING) AS cluster FROM {label}"))
    return steps


def share_steps(signal: Signal, d: Dialect, p: Params) -> list[tuple[str, str]]:
    """Events → per-object rarity and synchrony → pairs within the window, with the object."""
    assert signal.events is not None
    name = signal.name
    window = p.creation_window if name == "creation_burst" else p.window
    events = (f"SELECT account, object, min(ts) AS ts FROM ({signal.events(d, p)}) e "
              "WHERE object IS NOT NULL AND object <> '' GROUP BY account, object")
    objects = (f"SELECT object, count(*) AS n, max(burst) AS burst FROM (SELECT object, "
               f"count(*) OVER (PARTITION BY object ORDER BY ts RANGE BETWEEN CURRENT ROW "
               f"AND {window - 1} FOLLOWING) AS burst FROM ev_{name}) x GROUP BY object "
               "HAVING count(*) >= 2")
    pairs = (
        f"SELECT '{name}' AS signal, e1.account AS a, e2.account AS b, e1.object AS object, "
        "abs(e1.ts - e2.ts) AS dt, CASE WHEN e1.ts < e2.ts THEN e1.ts ELSE e2.ts END AS t, "
        "o.n AS n, o.burst AS burst, CAST(o.burst AS DOUBLE) / o.n AS sync, "
        f"ln(1 + CAST(t.total AS DOUBLE) / o.n) * o.burst / o.n AS weight FROM ev_{name} e1 "
        f"JOIN obj_{name} o ON e1.object = o.object AND o.burst >= 2 "
        f"AND o.n <= {p.max_object_accounts} CROSS JOIN totals t "
        f"JOIN ev_{name} e2 ON e1.object = e2.object AND e1.account < e2.account "
        f"AND abs(e1.ts - e2.ts) < {window}"
    )
    return [(f"ev_{name}", events), (f"obj_{name}", objects), (f"eo_{name}", pairs)]


def activity_steps(d: Dialect, p: Params) -> list[tuple[str, str]]:
    """Synchronised activity: pairs active in the same buckets far more often than the null
    model (independent accounts spreading their buckets at random over the active ones)."""
    b = p.activity_bucket
    return [
        ("act_ev", f"SELECT DISTINCT account, CAST(floor(ts / {b}) AS BIGINT) AS bucket FROM p"),
        ("act_n", "SELECT account, count(*) AS n FROM act_ev GROUP BY account"),
        ("act_bucket", "SELECT bucket, count(*) AS m FROM act_ev GROUP BY bucket"),
        ("act_pairs",
         "SELECT e1.account AS a, e2.account AS b, count(*) AS k, min(e1.bucket) AS first_bucket, "
         "max(e1.bucket) AS last_bucket FROM act_ev e1 JOIN act_bucket m ON e1.bucket = m.bucket "
         f"AND m.m <= {p.max_object_accounts} JOIN act_ev e2 ON e1.bucket = e2.bucket "
         f"AND e1.account < e2.account GROUP BY e1.account, e2.account "
         f"HAVING count(*) >= {p.activity_min_shared}"),
        ("eo_sync_activity",
         "SELECT 'sync_activity' AS signal, x.a, x.b, 'minutes:' || x.a || '|' || x.b AS object, "
         f"CAST(0 AS BIGINT) AS dt, x.first_bucket * {b} AS t, x.k AS n, x.k AS burst, "
         "1.0 - x.expected / x.k AS sync, ln(x.k / x.expected) AS weight FROM (SELECT q.*, "
         "na.n * nb.n / CAST(c.buckets AS DOUBLE) AS expected FROM act_pairs q "
         "JOIN act_n na ON q.a = na.account JOIN act_n nb ON q.b = nb.account "
         "CROSS JOIN (SELECT count(*) AS buckets FROM act_bucket) c) x "
         f"WHERE x.k >= {p.activity_min_lift} * x.expected"),
    ]


def prepare(engine: Engine) -> None:
    """Materialise the steps every signal reads: ``p`` and ``totals``."""
    engine.materialise("p", prepare_sql(engine.dialect))
    engine.materialise("totals", "SELECT count(DISTINCT account) AS total FROM p")


def run_signals(engine: Engine, names: tuple[str, ...], params: Params) -> list[str]:
    """Materialise every step of the chosen signals on ``engine`` (after ``prepare``); returns
    the names of the
    per-signal pair tables (``eo_<signal>``). Each row is one object two accounts shared within
    the window: signal, a, b, object, dt (seconds apart), t (first of the two), n (accounts that
    shared the object), burst (most accounts sharing it inside one window), sync (burst / n)
    and weight (rarity ln(1 + accounts / n) times sync). Synchronised activity reports one row per
    pair: n = shared minutes, sync = 1 - expected / shared, weight = ln(shared / expected)."""
    unknown = [name for name in names if name not in SIGNALS]
    if unknown:
        raise ValueError(f"unknown signal(s) {', '.join(unknown)}: choose from "
                         f"{', '.join(SIGNALS)}")
    d = engine.dialect
    tables = []
    for name in names:
        signal = SIGNALS[name]
        if signal.kind == "activity":
            steps = activity_steps(d, params)
        else:
            steps = (near_copy_steps(d, params) if "near_copies" in signal.needs else [])
            steps += share_steps(signal, d, params)
        for step_name, sql in steps:
            engine.materialise(step_name, sql)
        tables.append(f"eo_{name}")
    return tables
