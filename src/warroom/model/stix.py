"""The edge between raw STIX 2.1 JSON and the exchange: fast structural validation,
canonical serialisation and the facts storage indexes (id, type, version, markings, author).

Why: STIX JSON is stored canonically, it is not our ORM (DESIGN.md principle 4). Parsing every
object through the ``stix2`` library costs far more than storing it, so ingest checks what the
STIX 2.1 specification makes mandatory (§3 common properties, §3.2 timestamps, the required
properties of each object type) here, and the test-suite validates everything served with
``stix2-validator``.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import orjson

from warroom.errors import InvalidInput, InvalidStix

TYPE_RE = re.compile(r"^[a-z][a-z0-9-]{1,248}[a-z0-9]$")
# RFC 3339 digits are ASCII: without re.ASCII, \d would also take Arabic-Indic or fullwidth digits
TIMESTAMP_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z$", re.ASCII
)
IDENTIFIER_RE = re.compile(
    r"^([a-z][a-z0-9-]{1,248}[a-z0-9])--"
    r"([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"
)
EPOCH = datetime(1970, 1, 1)

# STIX 2.1 §4–§6: required properties beyond the common ones.
SDO_REQUIRED: dict[str, tuple[str, ...]] = {
    "attack-pattern": ("name",),
    "campaign": ("name",),
    "course-of-action": ("name",),
    "grouping": ("context", "object_refs"),
    "identity": ("name",),
    "incident": ("name",),
    "indicator": ("pattern", "pattern_type", "valid_from"),
    "infrastructure": ("name",),
    "intrusion-set": ("name",),
    "location": (),
    "malware": ("is_family",),
    "malware-analysis": ("product",),
    "note": ("content", "object_refs"),
    "observed-data": ("first_observed", "last_observed", "number_observed"),
    "opinion": ("opinion", "object_refs"),
    "report": ("name", "published", "object_refs"),
    "threat-actor": ("name",),
    "tool": ("name",),
    "vulnerability": ("name",),
    "relationship": ("relationship_type", "source_ref", "target_ref"),
    "sighting": ("sighting_of_ref",),
}
SCO_TYPES = frozenset(
    {
        "artifact",
        "autonomous-system",
        "directory",
        "domain-name",
        "email-addr",
        "email-message",
        "file",
        "ipv4-addr",
        "ipv6-addr",
        "mac-addr",
        "mutex",
        "network-traffic",
        "process",
        "software",
        "url",
        "user-account",
        "windows-registry-key",
        "x509-certificate",
    }
)
# STIX 2.1 §6: required properties of the cyber-observables (a tuple of alternatives means "at
# least one of them"); the types not listed here require nothing beyond type and id.
SCO_REQUIRED: dict[str, tuple[tuple[str, ...], ...]] = {
    "artifact": (("payload_bin", "url"),),
    "autonomous-system": (("number",),),
    "directory": (("path",),),
    "domain-name": (("value",),),
    "email-addr": (("value",),),
    "email-message": (("is_multipart",),),
    "file": (("hashes", "name"),),
    "ipv4-addr": (("value",),),
    "ipv6-addr": (("value",),),
    "mac-addr": (("value",),),
    "mutex": (("name",),),
    "network-traffic": (("protocols",), ("src_ref", "dst_ref")),
    "software": (("name",),),
    "url": (("value",),),
}
META_TYPES = frozenset({"marking-definition", "language-content", "extension-definition"})
OPINION_VALUES = ("strongly-disagree", "disagree", "neutral", "agree", "strongly-agree")


@dataclass(frozen=True)
class StixFacts:
    """What the exchange indexes about one STIX object."""

    id: str
    type: str
    spec_version: str
    version: str | None  # modified, else created; None for SCOs (the store uses date_added)
    version_micros: int | None
    created_by_ref: str | None
    marking_refs: tuple[str, ...]
    canonical: bytes  # sorted-key compact JSON
    granular_marking_refs: tuple[str, ...] = ()  # marking_ref of each granular marking


def parse_json(data: bytes | str) -> Any:
    """Parse JSON or raise :class:`InvalidInput` naming the position."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise InvalidInput(f"malformed JSON: {exc}") from None


def canonical_json(obj: Any) -> bytes:
    return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)


def _check_timestamp(obj: dict[str, Any], prop: str, where: str, required: bool) -> int | None:
    value = obj.get(prop)
    if value is None:
        if required:
            raise InvalidStix(f"{where}: missing required property {prop!r}")
        return None
    try:
        return parse_timestamp(value)
    except (TypeError, ValueError, OverflowError):
        raise InvalidStix(
            f"{where}: {prop!r} must be an RFC 3339 UTC timestamp ending in Z, e.g. "
            "2026-11-03T08:00:00.000Z"
        ) from None


SPEC_VERSION_RE = re.compile(r"^[0-9]{1,3}\.[0-9]{1,3}$")


def check_filter_values(ids: tuple[str, ...] = (), types: tuple[str, ...] = (),
                        spec_versions: tuple[str, ...] = ()) -> None:
    """Filter values of a read (ids, types, spec versions), refused when malformed: a value
    that could never match is an error the caller should see, and text that a database cannot
    compare (a NUL byte) never reaches it."""
    for value in ids:
        if not IDENTIFIER_RE.match(value):
            raise InvalidInput(f"not a STIX identifier (type--uuid): {value[:80]!r}")
    for value in types:
        if not TYPE_RE.match(value):
            raise InvalidInput(f"not a STIX type: {value[:80]!r}")
    for value in spec_versions:
        if not SPEC_VERSION_RE.match(value):
            raise InvalidInput(f"not a STIX spec version: {value[:20]!r}")


def check_identifier(value: Any, where: str, prop: str, expected_type: str | None = None) -> str:
    if not isinstance(value, str):
        raise InvalidStix(f"{where}: {prop!r} must be a STIX identifier string")
    match = IDENTIFIER_RE.match(value)
    if not match:
        raise InvalidStix(
            f"{where}: {prop!r} is not a STIX identifier (type--uuid): {value[:80]!r}"
        )
    if expected_type and match.group(1) != expected_type:
        raise InvalidStix(f"{where}: {prop!r} must reference a {expected_type}")
    return value


def validate(obj: Any, index: int = 0) -> StixFacts:
    """Check one STIX 2.1 object and return its indexed facts; raise InvalidStix otherwise."""
    where = f"objects[{index}]"
    if not isinstance(obj, dict):
        raise InvalidStix(f"{where}: a STIX object must be a JSON object")
    stix_type = obj.get("type")
    if not isinstance(stix_type, str) or not TYPE_RE.match(stix_type):
        raise InvalidStix(f"{where}: missing or invalid 'type'")
    if stix_type == "bundle":
        raise InvalidStix(f"{where}: nested bundles are not allowed; send the bundle's objects")
    where = f"{where} ({stix_type})"
    object_id = check_identifier(obj.get("id"), where, "id")
    if not object_id.startswith(stix_type + "--"):
        raise InvalidStix(f"{where}: id {object_id!r} does not start with its type")
    where = f"{where} {object_id}"
    is_sco = stix_type in SCO_TYPES
    spec_version = obj.get("spec_version", "2.1" if is_sco else None)
    if spec_version != "2.1":
        if spec_version is None:
            raise InvalidStix(f"{where}: missing required property 'spec_version'")
        raise InvalidStix(f"{where}: spec_version {spec_version!r} is not supported (only 2.1)")
    version: str | None = None
    version_micros: int | None = None
    for alternatives in SCO_REQUIRED.get(stix_type, ()):
        if all(obj.get(prop) in (None, "", []) for prop in alternatives):
            wanted = " or ".join(repr(p) for p in alternatives)
            raise InvalidStix(f"{where}: missing required property {wanted}")
    if not is_sco:
        created = _check_timestamp(obj, "created", where, required=True)
        # marking-definition is the only non-SCO type without a required 'modified'
        modified = _check_timestamp(
            obj, "modified", where, required=stix_type != "marking-definition"
        )
        version = obj.get("modified") or obj["created"]
        version_micros = modified if modified is not None else created
        if modified is not None and created is not None and modified < created:
            raise InvalidStix(f"{where}: 'modified' is earlier than 'created'")
        for prop in SDO_REQUIRED.get(stix_type, ()):
            if obj.get(prop) in (None, "", []):
                raise InvalidStix(f"{where}: missing required property {prop!r}")
        for prop in (
            "valid_from",
            "valid_until",
            "first_seen",
            "last_seen",
            "published",
            "first_observed",
            "last_observed",
        ):
            if prop in obj:
                _check_timestamp(obj, prop, where, required=False)
    if stix_type == "relationship":
        check_identifier(obj["source_ref"], where, "source_ref")
        check_identifier(obj["target_ref"], where, "target_ref")
    if stix_type == "sighting":
        check_identifier(obj["sighting_of_ref"], where, "sighting_of_ref")
    if stix_type == "opinion" and obj["opinion"] not in OPINION_VALUES:
        raise InvalidStix(f"{where}: opinion must be one of {', '.join(OPINION_VALUES)}")
    created_by = obj.get("created_by_ref")
    if created_by is not None:
        check_identifier(created_by, where, "created_by_ref", "identity")
    markings = obj.get("object_marking_refs", [])
    if not isinstance(markings, list):
        raise InvalidStix(f"{where}: 'object_marking_refs' must be a list")
    for ref in markings:
        check_identifier(ref, where, "object_marking_refs", "marking-definition")
    granular = _granular_marking_refs(obj.get("granular_markings"), where)
    try:
        canonical = canonical_json(obj)
    except TypeError as exc:  # e.g. an integer beyond 64 bits (a Python caller, or stdlib JSON)
        raise InvalidStix(f"{where}: a value cannot be stored as JSON: {exc}") from None
    return StixFacts(
        id=object_id,
        type=stix_type,
        spec_version="2.1",
        version=version,
        version_micros=version_micros,
        created_by_ref=created_by,
        marking_refs=tuple(markings),
        canonical=canonical,
        granular_marking_refs=granular,
    )


def _granular_marking_refs(value: Any, where: str) -> tuple[str, ...]:
    """The marking references of ``granular_markings`` (STIX 2.1 §7.2.3): each entry has a
    non-empty ``selectors`` list and exactly one of ``marking_ref`` or ``lang``."""
    if value is None:
        return ()
    if not isinstance(value, list) or not value:
        raise InvalidStix(f"{where}: 'granular_markings' must be a non-empty list")
    refs: list[str] = []
    for entry in value:
        if not isinstance(entry, dict):
            raise InvalidStix(f"{where}: each granular marking must be an object")
        selectors = entry.get("selectors")
        if not isinstance(selectors, list) or not selectors or not all(
            isinstance(sel, str) and sel for sel in selectors
        ):
            raise InvalidStix(f"{where}: a granular marking needs a non-empty 'selectors' list")
        has_ref, has_lang = "marking_ref" in entry, "lang" in entry
        if has_ref == has_lang:
            raise InvalidStix(
                f"{where}: a granular marking has exactly one of 'marking_ref' and 'lang'"
            )
        if has_ref:
            refs.append(
                check_identifier(entry["marking_ref"], where, "marking_ref", "marking-definition")
            )
    return tuple(refs)


def format_timestamp(micros: int) -> str:
    """STIX/TAXII timestamp with microsecond precision from epoch microseconds."""
    dt = datetime.fromtimestamp(micros / 1_000_000, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{micros % 1_000_000:06d}Z"


def parse_timestamp(text: str) -> int:
    """Epoch microseconds from a STIX/TAXII timestamp; raises ValueError (fractions beyond
    microseconds are truncated)."""
    match = TIMESTAMP_RE.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"not a timestamp: {text!r}")
    _, _, _, hour, minute, second, frac = match.groups()
    h, m, sec = int(hour), int(minute), int(second)
    if h > 23 or m > 59 or sec > 59:
        raise ValueError(f"not a time of day: {text!r}")
    micros = int((frac + "00000")[:6]) if frac else 0
    return _day_micros(match.string[:10]) + ((h * 60 + m) * 60 + sec) * 1_000_000 + micros


@lru_cache(maxsize=4096)
def _day_micros(day: str) -> int:
    """Epoch microseconds of midnight UTC of ``YYYY-MM-DD`` (validated; cached: a bundle's
    timestamps share a handful of days)."""
    moment = datetime(int(day[:4]), int(day[5:7]), int(day[8:10]))
    return (moment - EPOCH) // timedelta(microseconds=1)


def now_micros() -> int:
    return int(datetime.now(tz=UTC).timestamp() * 1_000_000)


def new_id(stix_type: str) -> str:
    return f"{stix_type}--{uuid.uuid4()}"


def stix_now() -> str:
    return format_timestamp(now_micros())[:-4] + "Z"  # millisecond precision, as stix2 does
