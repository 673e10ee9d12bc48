"""Where new domain names come from: a list file, daily new-registration files, CertStream.

Why: the detector does not care where names come from, and a war room's feeds change (a file
today, a Kafka topic tomorrow). A source yields (position, name) pairs in a stable order, so a
watch can checkpoint the last position it finished and resume after it. Broken records are
counted and skipped, never fatal."""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol


class DomainSource(Protocol):
    name: str
    skipped: Counter[str]

    def records(self, start: int = 0) -> Iterator[tuple[int, str]]:
        """(position, domain) from position ``start`` on."""
        ...


@dataclass
class ListFile:
    """One domain a line (``#`` comments and blank lines ignored); ``-`` reads stdin."""

    path: str
    name: str = "list"
    skipped: Counter[str] = field(default_factory=Counter)

    def records(self, start: int = 0) -> Iterator[tuple[int, str]]:
        if self.path == "-":
            yield from _lines(sys.stdin, start)
            return
        with Path(self.path).open(encoding="utf-8", errors="replace") as handle:
            yield from _lines(handle, start)


def _lines(handle: Iterable[str], start: int) -> Iterator[tuple[int, str]]:
    for position, line in enumerate(handle):
        if position < start:
            continue
        text = line.split("#", 1)[0].strip()
        if text:
            yield position, text


@dataclass
class NewRegistrations:
    """Newly registered domains in Parquet (a ``domain`` column, read in row order)."""

    path: str
    name: str = "nrd"
    skipped: Counter[str] = field(default_factory=Counter)
    batch_rows: int = 65_536

    def records(self, start: int = 0) -> Iterator[tuple[int, str]]:
        import pyarrow.parquet as pq

        parquet = pq.ParquetFile(self.path)
        if "domain" not in parquet.schema_arrow.names:
            raise ValueError(
                f"{self.path}: no 'domain' column (columns: {parquet.schema_arrow.names})"
            )
        position = 0
        for batch in parquet.iter_batches(batch_size=self.batch_rows, columns=["domain"]):
            values = batch.column(0).to_pylist()
            if position + len(values) <= start:
                position += len(values)
                continue
            for value in values:
                if position >= start:
                    if isinstance(value, str):
                        yield position, value
                    else:
                        self.skipped["empty domain"] += 1
                position += 1


@dataclass
class CertStreamLines:
    """CertStream messages as JSON lines (a file or ``-`` for stdin): every name in
    ``data.leaf_cert.all_domains`` of ``certificate_update`` messages."""

    path: str
    name: str = "certstream"
    skipped: Counter[str] = field(default_factory=Counter)

    def records(self, start: int = 0) -> Iterator[tuple[int, str]]:
        for position, line in ListFile(self.path).records(start):
            try:
                message = json.loads(line)
                names = message["data"]["leaf_cert"]["all_domains"]
            except (json.JSONDecodeError, KeyError, TypeError):
                self.skipped["broken JSON line"] += 1
                continue
            if message.get("message_type", "certificate_update") != "certificate_update":
                continue
            if not isinstance(names, list):
                self.skipped["broken JSON line"] += 1
                continue
            seen: set[str] = set()
            for value in names:
                if isinstance(value, str) and value not in seen:
                    seen.add(value)
                    yield position, value


def open_source(spec: str) -> DomainSource:
    """A source from a command-line spec: ``nrd:FILE``, ``certstream:FILE|-``, ``list:FILE|-``
    or a bare path (``.parquet`` is new registrations, ``.jsonl`` CertStream, else a list)."""
    kind, sep, rest = spec.partition(":")
    if sep and kind in ("nrd", "certstream", "list"):
        path = rest
    else:
        kind, path = "", spec
        if spec.endswith(".parquet"):
            kind = "nrd"
        elif spec.endswith((".jsonl", ".ndjson")):
            kind = "certstream"
        else:
            kind = "list"
    if path != "-" and not Path(path).exists():
        raise FileNotFoundError(f"no such file: {path}")
    if kind == "nrd":
        return NewRegistrations(path)
    if kind == "certstream":
        return CertStreamLines(path)
    return ListFile(path)
