"""Shared pieces of the TAXII 2.1 endpoints: media-type checks, filter parsing (§3.4 and
§3.5 of TAXII 2.1: ``added_after``, ``limit``, ``next``, ``match[...]``), the pagination
token and response building with the ``X-TAXII-Date-Added-First/Last`` headers (§3.3.1)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

import orjson
from fastapi import Depends, Query, Request
from starlette.responses import Response

from warroom import policy
from warroom.api.deps import ExchangeDep, PrincipalDep, SettingsDep
from warroom.api.media import TAXII_MEDIA_TYPE, check_accept
from warroom.api.pagination import decode_cursor, encode_cursor
from warroom.errors import InvalidInput, NotFound
from warroom.model.collections import CollectionRef
from warroom.model.stix import TIMESTAMP_RE, check_filter_values, parse_timestamp
from warroom.storage.objects import ObjectQuery, ObjectRow

API_ROOT = "api"
VERSION_KEYWORDS = ("first", "last", "all")
KNOWN_PARAMS = {
    "added_after",
    "limit",
    "next",
    "match[id]",
    "match[type]",
    "match[version]",
    "match[spec_version]",
}


async def require_taxii_accept(request: Request) -> None:
    check_accept(request.headers.get("accept"))


AcceptDep = Annotated[None, Depends(require_taxii_accept)]


def taxii_response(
    body: dict[str, Any] | bytes, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    content = body if isinstance(body, bytes) else orjson.dumps(body)
    return Response(content, status_code=status, media_type=TAXII_MEDIA_TYPE, headers=headers)


encode_next = encode_cursor
decode_next = decode_cursor


def _split(value: str | None) -> tuple[str, ...]:
    if value is None:
        return ()
    parts = tuple(p.strip() for p in value.split(",") if p.strip())
    if not parts:
        raise InvalidInput("empty match filter")
    return parts


async def taxii_filters(
    request: Request,
    settings: SettingsDep,
    added_after: Annotated[
        str | None, Query(description="Only objects added after this timestamp.")
    ] = None,
    limit: Annotated[
        str | None, Query(description="Largest number of items in the page.")
    ] = None,
    next: Annotated[
        str | None, Query(description="Token from a previous page's 'next'.")
    ] = None,  # noqa: A002
    match_id: Annotated[
        str | None, Query(alias="match[id]", description="Comma-separated ids (OR).")
    ] = None,
    match_type: Annotated[
        str | None, Query(alias="match[type]", description="Comma-separated types (OR).")
    ] = None,
    match_version: Annotated[
        str | None, Query(alias="match[version]", description="first, last, all or timestamps.")
    ] = None,
    match_spec_version: Annotated[
        str | None,
        Query(alias="match[spec_version]", description="Comma-separated spec versions."),
    ] = None,
) -> Filters:
    """The filter parameters of a TAXII request, validated (inline: no thread hop)."""
    filters = Filters()
    filters.given = frozenset(request.query_params)
    unknown = filters.given - KNOWN_PARAMS
    if unknown:
        raise InvalidInput(f"unsupported query parameter(s): {', '.join(sorted(unknown))}")
    filters.added_after = None
    if added_after is not None:
        if not TIMESTAMP_RE.match(added_after.strip()):
            raise InvalidInput("added_after must be a timestamp like 2026-11-03T00:00:00.000Z")
        try:
            filters.added_after = parse_timestamp(added_after)
        except (ValueError, OverflowError):
            raise InvalidInput("added_after is not a valid timestamp") from None
    filters.limit = settings.max_page_size
    if limit is not None:
        if not limit.isdigit() or int(limit) < 1:
            raise InvalidInput("limit must be a positive integer")
        filters.limit = min(int(limit), settings.max_page_size)
    filters.after = decode_next(next) if next is not None else None
    filters.ids = _split(match_id)
    filters.types = _split(match_type)
    filters.spec_versions = _split(match_spec_version)
    check_filter_values(filters.ids, filters.types, filters.spec_versions)
    filters.versions = (
        _split(match_version) if match_version is not None else ("last",)
    )
    for value in filters.versions:
        if value not in VERSION_KEYWORDS:
            if not TIMESTAMP_RE.match(value):
                raise InvalidInput(
                    f"match[version] value {value!r} is not first, last, all or a timestamp"
                )
            try:
                parse_timestamp(value)
            except (ValueError, OverflowError):
                raise InvalidInput(
                    f"match[version] value {value!r} is not a valid timestamp"
                ) from None
    return filters


class Filters:
    """The filter query parameters of a TAXII request, validated by :func:`taxii_filters`."""

    given: frozenset[str]
    added_after: int | None
    limit: int
    after: int | None
    ids: tuple[str, ...]
    types: tuple[str, ...]
    spec_versions: tuple[str, ...]
    versions: tuple[str, ...]

    def query(
        self, *, object_id: str | None = None, versions: tuple[str, ...] | None = None
    ) -> ObjectQuery:
        return ObjectQuery(
            ids=(object_id,) if object_id else self.ids,
            types=() if object_id else self.types,
            versions=versions or self.versions,
            spec_versions=self.spec_versions,
            added_after=self.added_after,
            after=self.after,
            limit=self.limit,
        )


FiltersDep = Annotated[Filters, Depends(taxii_filters)]


async def check_api_root(api_root: str) -> None:
    if api_root != API_ROOT:
        raise NotFound("API root not found")


ApiRootDep = Annotated[None, Depends(check_api_root)]


async def resolve_collection(
    exchange: ExchangeDep, principal: PrincipalDep, _root: ApiRootDep, collection_id: str
) -> CollectionRef:
    """The collection the caller named, or 404 when it does not exist *for the caller*."""
    return policy.collection_visible(
        principal, collection_id, exchange.store.directory.groups(principal.group_ids)
    )


CollectionDep = Annotated[CollectionRef, Depends(resolve_collection)]


def date_headers(rows: Iterable[ObjectRow]) -> dict[str, str]:
    rows = list(rows)
    if not rows:
        return {}
    return {
        "X-TAXII-Date-Added-First": rows[0].date_added_text,
        "X-TAXII-Date-Added-Last": rows[-1].date_added_text,
    }


def envelope_bytes(rows: list[ObjectRow], more: bool, next_after: int | None) -> bytes:
    """An envelope (§3.7) built from the stored canonical JSON without re-parsing it."""
    head: dict[str, Any] = {"more": more}
    if more and next_after is not None:
        head["next"] = encode_next(next_after)
    prefix = orjson.dumps(head)[:-1]
    if not rows:
        return prefix + b"}"
    return prefix + b',"objects":[' + ",".join(r.body for r in rows).encode() + b"]}"
