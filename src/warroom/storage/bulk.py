"""Bulk inserts through the driver's executemany.

Why: on the ingest and audit hot paths SQLAlchemy's per-row parameter processing costs more than
the database; the values are already plain ints, bools and strings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import Connection


def insert_many(conn: Connection, table: str, rows: Sequence[Mapping[str, object]]) -> None:
    """INSERT ``rows`` (dicts with the same keys) into ``table``."""
    if not rows:
        return
    columns = list(rows[0])
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        table, ", ".join(columns), ", ".join([marker] * len(columns))
    )
    conn.exec_driver_sql(sql, [tuple(row[c] for c in columns) for row in rows])
