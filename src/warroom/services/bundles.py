"""STIX files in and out: read a bundle, a JSON list or JSON lines; label unmarked objects with a
TLP; write what a user may read as a bundle, page by page.

Why: the CLI's ``share`` and ``export`` and the demo all move STIX files; the reading and the
policy-filtered paging live here once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import IO, Any

import orjson

from warroom.errors import InvalidInput
from warroom.model.orgs import Principal
from warroom.model.stix import new_id
from warroom.model.tlp import MARKING_TO_TLP, TLP, marking_definition
from warroom.services.exchange import ExchangeService
from warroom.storage.objects import ObjectQuery


def parse_stix_text(data: bytes) -> list[Any]:
    """The objects of a STIX bundle, a JSON list of objects, or JSON lines."""
    text = data.strip()
    if not text:
        raise InvalidInput("the file is empty")
    try:
        loaded = orjson.loads(text)
    except orjson.JSONDecodeError:
        objects = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                objects.append(orjson.loads(line))
            except orjson.JSONDecodeError as exc:
                raise InvalidInput(f"line {number}: malformed JSON ({exc})") from None
        return objects
    if isinstance(loaded, dict) and loaded.get("type") == "bundle":
        objects = loaded.get("objects", [])
        if not isinstance(objects, list):
            raise InvalidInput("the bundle's 'objects' is not a list")
        return objects
    if isinstance(loaded, dict) and isinstance(loaded.get("objects"), list):
        return list(loaded["objects"])  # a TAXII envelope
    if isinstance(loaded, list):
        return loaded
    if isinstance(loaded, dict):
        return [loaded]
    raise InvalidInput("expected a STIX bundle, a list of objects or JSON lines")


def label_unmarked(objects: list[Any], tlp: TLP) -> list[Any]:
    """Add ``tlp``'s marking to objects that carry no TLP marking (marking definitions excepted)."""
    labelled = []
    for obj in objects:
        if isinstance(obj, dict) and obj.get("type") != "marking-definition":
            refs = obj.get("object_marking_refs") or []
            if isinstance(refs, list) and not any(ref in MARKING_TO_TLP for ref in refs):
                obj = {**obj, "object_marking_refs": [*refs, tlp.marking_id]}
        labelled.append(obj)
    return labelled


def iter_readable(
    exchange: ExchangeService,
    principal: Principal,
    query: ObjectQuery,
    *,
    transport: str,
    on_page: Callable[[int], None] | None = None,
) -> Iterator[bytes]:
    """The canonical JSON of every object ``principal`` may read that matches ``query``."""
    after: int | None = None
    while True:
        page = exchange.page(
            principal,
            ObjectQuery(**{**query.__dict__, "after": after}),
            transport=transport,
        )
        for row in page.rows:
            yield row.body.encode()
        if on_page:
            on_page(len(page.rows))
        if not page.more:
            return
        after = page.next_after


def write_bundle(
    out: IO[bytes],
    exchange: ExchangeService,
    principal: Principal,
    query: ObjectQuery,
    *,
    on_page: Callable[[int], None] | None = None,
) -> int:
    """Stream a STIX 2.1 bundle of what ``principal`` may read; returns the object count."""
    out.write(b'{"type":"bundle","id":"' + new_id("bundle").encode() + b'","objects":[')
    count = 0
    markings: set[TLP] = set()
    for body in iter_readable(exchange, principal, query, transport="export", on_page=on_page):
        if count:
            out.write(b",")
        out.write(body)
        count += 1
        for tlp in TLP:
            if tlp.marking_id.encode() in body:
                markings.add(tlp)
    for tlp in sorted(markings):
        out.write((b"," if count else b"") + orjson.dumps(marking_definition(tlp)))
        count += 1
    out.write(b"]}\n")
    return count
