"""Ingest: read CSV, JSON lines or Parquet through an adapter into canonical Parquet.

Why: every signal reads one schema, so ingest is where formats, broken rows and missing columns
are dealt with, once. It runs on DuckDB (parallel, streaming from disk). Rows that cannot become
a post (no account, a time that does not parse, a CSV line with the wrong number of fields, a
JSON line that is not JSON) are counted by reason and skipped; a source that lacks a column the
adapter needs is refused before anything is written, naming the column and the adapter."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from warroom.detectors.cib.adapters import (
    HASHTAGS_FROM_TEXT,
    MENTIONS_FROM_TEXT,
    URLS_FROM_TEXT,
    Adapter,
    MappingError,
)

FORMATS = {".csv": "csv", ".tsv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl",
           ".json": "jsonl", ".parquet": "parquet", ".pq": "parquet"}

NORMALISE_URL_MACRO = r"""
CREATE OR REPLACE TEMP MACRO warroom_url_rest(u) AS
  regexp_replace(u, '^(?i:[a-z][a-z0-9+.-]*://)?(?i:www\.)?', '');
CREATE OR REPLACE TEMP MACRO warroom_url_host_lower(r, host) AS
  lower(host) || substr(r, length(host) + 1);
CREATE OR REPLACE TEMP MACRO warroom_url_clean(r) AS
  rtrim(CASE WHEN contains(r, 'utm_') THEN regexp_replace(r, '([?&])utm_[^&#]*&?', '\1', 'g')
             ELSE r END, '/?&#.,;:!)"”’''');
CREATE OR REPLACE TEMP MACRO warroom_urls(urls) AS
  list_transform(list_transform(urls, lambda u: warroom_url_rest(u)),
                 lambda r: warroom_url_clean(warroom_url_host_lower(r, split_part(r, '/', 1))));
CREATE OR REPLACE TEMP MACRO warroom_host(u) AS
  split_part(split_part(split_part(u, '/', 1), '?', 1), ':', 1);
"""


@dataclass
class IngestReport:
    """What ingest read, wrote and skipped (by reason, with a few examples)."""

    adapter: str
    output: Path
    rows_read: int = 0
    rows_written: int = 0
    accounts: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    def summary(self) -> str:
        line = (f"{self.rows_written:,} posts from {self.accounts:,} accounts written to "
                f"{self.output} ({self.adapter})")
        if self.skipped_total:
            reasons = ", ".join(f"{count:,} {reason}" for reason, count in self.skipped.items()
                                if count)
            line += f"; skipped {self.skipped_total:,} malformed rows: {reasons}"
        return line

    def as_dict(self) -> dict[str, Any]:
        return {"adapter": self.adapter, "output": str(self.output),
                "rows_read": self.rows_read, "rows_written": self.rows_written,
                "accounts": self.accounts, "skipped": self.skipped, "examples": self.examples}


def detect_format(paths: Sequence[Path], adapter: Adapter) -> str:
    if adapter.format:
        return adapter.format
    formats = {FORMATS.get(path.suffix.lower()) for path in paths}
    if len(formats) != 1 or None in formats:
        names = ", ".join(sorted({path.suffix or path.name for path in paths}))
        raise MappingError(
            f"cannot tell the format of {names}: use .csv, .jsonl or .parquet files of one kind, "
            "or set format in the mapping"
        )
    return str(formats.pop())


def _source_sql(paths: Sequence[Path], file_format: str) -> str:
    files = "[" + ", ".join("'" + str(path).replace("'", "''") + "'" for path in paths) + "]"
    if file_format == "csv":
        delimiter = "\t" if all(path.suffix.lower() == ".tsv" for path in paths) else ","
        return (f"read_csv({files}, header = true, all_varchar = true, delim = '{delimiter}', "
                "quote = '\"', escape = '\"', ignore_errors = true, store_rejects = true)")
    if file_format == "jsonl":
        return (f"read_json({files}, format = 'newline_delimited', ignore_errors = true, "
                "union_by_name = true)")
    if file_format == "parquet":
        return f"read_parquet({files}, union_by_name = true)"
    raise MappingError(f"unknown format {file_format!r}: use csv, jsonl or parquet")


def _canonical_select(adapter: Adapter) -> str:
    columns = dict(adapter.columns)
    text = columns.get("text")
    if text:
        columns.setdefault("urls", URLS_FROM_TEXT.replace("{t}", text))
        columns.setdefault("hashtags", HASHTAGS_FROM_TEXT.replace("{t}", text))
        columns.setdefault("mentions", MENTIONS_FROM_TEXT.replace("{t}", text))
    platform = columns.get("platform", "'unknown'")
    select = [
        f"CAST({platform} AS VARCHAR) AS platform",
        f"NULLIF(trim(CAST({columns['account']} AS VARCHAR)), '') AS account",
        f"CAST({columns['post_id']} AS VARCHAR) AS post_id" if "post_id" in columns
        else "CAST(NULL AS VARCHAR) AS post_id",
        f"CAST({columns['time']} AS TIMESTAMP) AS time",
    ]
    for name in ("text", "repost_of", "reply_to"):
        select.append(f"CAST({columns.get(name, 'NULL')} AS VARCHAR) AS {name}")
    for name in ("urls", "hashtags", "mentions", "domains", "media"):
        select.append(f"CAST({columns.get(name, 'NULL')} AS VARCHAR[]) AS {name}")
    select.append(f"CAST({columns.get('account_created', 'NULL')} AS TIMESTAMP) "
                  "AS account_created")
    sql = "SELECT " + ",\n  ".join(select) + "\nFROM src"
    if adapter.group_by:
        sql += "\nGROUP BY " + ", ".join(adapter.group_by)
    return sql


FINISH_SQL = """
WITH cleaned AS (
  SELECT *, list_filter(warroom_urls(
      list_filter(urls, lambda u: NOT (suffix(u, '…') OR suffix(u, '...')))
      ), lambda u: u <> '') AS clean_urls
  FROM raw
  WHERE account IS NOT NULL AND time IS NOT NULL
)
SELECT
  platform,
  account,
  coalesce(post_id, 'h' || CAST(hash(account, time, text) AS VARCHAR)) AS post_id,
  time,
  text,
  clean_urls AS urls,
  list_filter(hashtags, lambda h: h <> '') AS hashtags,
  list_filter(mentions, lambda m: m <> '') AS mentions,
  coalesce(domains, list_filter(list_distinct(list_transform(clean_urls,
    lambda u: warroom_host(u))), lambda d: d <> '')) AS domains,
  coalesce(media, []) AS media,
  NULLIF(repost_of, 'text:') AS repost_of,
  NULLIF(reply_to, '') AS reply_to,
  account_created
FROM cleaned
"""


def ingest(paths: Sequence[Path], adapter: Adapter, output: Path,
           threads: int | None = None) -> IngestReport:
    """Read ``paths`` through ``adapter`` and write canonical Parquet to ``output``.

    Raises ``MappingError`` (nothing written) when a file is missing or lacks a column."""
    for path in paths:
        if not path.exists():
            raise MappingError(f"no such file: {path}")
    file_format = detect_format(paths, adapter)
    report = IngestReport(adapter=adapter.name, output=output)
    connection = duckdb.connect(config={"threads": threads} if threads else {})
    connection.execute("SET enable_progress_bar = false").fetchall()
    try:
        connection.execute(NORMALISE_URL_MACRO).fetchall()
        try:
            connection.execute(
                f"CREATE TEMP VIEW src AS SELECT * FROM {_source_sql(paths, file_format)}"
            ).fetchall()
            available = [row[0] for row in connection.execute("DESCRIBE src").fetchall()]
        except duckdb.Error as error:
            first_line = str(error).splitlines()[0]
            raise MappingError(f"cannot read {paths[0]} as {file_format}: {first_line}") from error
        missing = adapter.missing(available)
        if missing:
            raise MappingError(
                f"{paths[0].name} lacks column(s) {', '.join(repr(m) for m in missing)} needed "
                f"by adapter {adapter.name!r}; it has: {', '.join(available[:20])}. Pick another "
                "--adapter or write a mapping file (docs/cib.md, 'Your own format')"
            )
        connection.execute(f"CREATE TEMP VIEW raw AS {_canonical_select(adapter)}").fetchall()
        output.parent.mkdir(parents=True, exist_ok=True)
        handle, partial = tempfile.mkstemp(dir=output.parent, suffix=".parquet.partial")
        os.close(handle)
        try:
            connection.execute(
                f"COPY ({FINISH_SQL}) TO '{_literal(partial)}' "
                "(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)"
            ).fetchall()
            rejected = 0
            if file_format == "csv":
                # read before the counting scan below, which would log the same lines again
                rejected, = connection.execute(
                    "SELECT count(DISTINCT CAST(file_id AS VARCHAR) || ':' || "
                    "CAST(line AS VARCHAR)) FROM reject_errors").fetchall()[0]
                report.examples = [
                    f"line {line}: {message}" for line, message in connection.execute(
                        "SELECT line, error_message FROM reject_errors ORDER BY line LIMIT 5"
                    ).fetchall()
                ]
            rows, no_account, no_time = connection.execute(
                "SELECT count(*), count(*) FILTER (WHERE account IS NULL), "
                "count(*) FILTER (WHERE account IS NOT NULL AND time IS NULL) FROM raw"
            ).fetchall()[0]
            os.replace(partial, output)
        finally:
            if os.path.exists(partial):
                os.unlink(partial)
        report.rows_read = int(rows) + int(rejected)
        report.skipped = {"unreadable lines": int(rejected), "no account": int(no_account),
                          "no parseable time": int(no_time)}
        written, accounts = connection.execute(
            f"SELECT count(*), count(DISTINCT account) FROM read_parquet('{_literal(output)}')"
        ).fetchall()[0]
        report.rows_written, report.accounts = int(written), int(accounts)
    finally:
        connection.close()
    return report


def _literal(path: str | Path) -> str:
    return str(path).replace("'", "''")
