"""TAXII 2.1 media types (§1.6.8) and their negotiation: 406 for an unacceptable Accept,
415 for an unsupported Content-Type."""

from __future__ import annotations

from warroom.errors import NotAcceptable, UnsupportedMediaType

TAXII_MEDIA_TYPE = "application/taxii+json;version=2.1"
STIX_MEDIA_TYPE = "application/stix+json;version=2.1"
PROBLEM_MEDIA_TYPE = "application/problem+json"


def _media_types(header: str) -> list[tuple[str, dict[str, str]]]:
    found = []
    for part in header.split(","):
        pieces = [p.strip() for p in part.split(";") if p.strip()]
        if not pieces:
            continue
        params = {}
        for p in pieces[1:]:
            key, _, value = p.partition("=")
            params[key.strip().lower()] = value.strip().strip('"')
        found.append((pieces[0].lower(), params))
    return found


def _is_taxii(media: str, params: dict[str, str]) -> bool:
    return media == "application/taxii+json" and params.get("version", "2.1") == "2.1"


def check_accept(header: str | None) -> None:
    """Accept TAXII 2.1 (with or without version) or a wildcard; anything else is 406."""
    if not header:
        return
    for media, params in _media_types(header):
        if _is_taxii(media, params) or media in ("*/*", "application/*"):
            return
    raise NotAcceptable(
        f"this endpoint serves {TAXII_MEDIA_TYPE}; the Accept header asks for {header!r}"
    )


def check_content_type(header: str | None) -> None:
    types = _media_types(header or "")
    if len(types) != 1 or not _is_taxii(*types[0]):
        raise UnsupportedMediaType(
            f"send the body as Content-Type: {TAXII_MEDIA_TYPE} (got {header or 'none'!r})"
        )
