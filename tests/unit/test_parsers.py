"""Property tests of the parsers at the edges: STIX validation, timestamps, TLP labels, TAXII
media types and pagination tokens. Whatever the input, they answer or raise their own error.

Each generator mixes arbitrary input with input built to reach every branch of the parser
(well-formed, near misses, each way of being wrong), and each test counts the branches its
examples took (tests/branches.py; ``--hypothesis-show-statistics`` prints them) and fails when
one was never reached. Where the input is built, the expected answer is known from how it was
built and checked exactly."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.branches import Branches
from warroom.api.media import check_accept, check_content_type
from warroom.api.taxii.common import decode_next, encode_next
from warroom.errors import InvalidInput, InvalidStix, NotAcceptable, UnsupportedMediaType
from warroom.model.stix import format_timestamp, parse_timestamp, validate
from warroom.model.tlp import MARKING_TO_TLP, TLP, marking_definition, tlp_of_markings
from warroom.testing.scenario import indicator

json_values = st.recursive(
    # JSON values: no NaN or infinities (JSON has none; test_rest shows what the REST API does)
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
stix_ids = st.builds(
    lambda t, u: f"{t}--{u}", st.sampled_from(["indicator", "identity"]), st.uuids()
)


def _relationship(n: int) -> dict[str, Any]:
    return {
        "type": "relationship",
        "spec_version": "2.1",
        "id": f"relationship--{uuid.UUID(int=n)}",
        "created": "2026-10-01T12:00:00Z",
        "modified": "2026-10-01T12:00:00Z",
        "relationship_type": "indicates",
        "source_ref": f"indicator--{uuid.UUID(int=n + 1)}",
        "target_ref": f"malware--{uuid.UUID(int=n + 2)}",
    }


def _domain(value: str) -> dict[str, Any]:
    return {
        "type": "domain-name",
        "spec_version": "2.1",
        "id": f"domain-name--{uuid.uuid5(uuid.NAMESPACE_DNS, value)}",
        "value": value,
    }


valid_objects = st.one_of(
    st.builds(lambda n, tlp: indicator(n, tlp=tlp, seed="p"), st.integers(0, 10**6),
              st.none() | st.sampled_from(list(TLP))),
    st.sampled_from(list(TLP)).map(marking_definition),
    st.integers(0, 10**6).map(_relationship),
    st.text(min_size=1, max_size=20).map(_domain),
)


# What STIX 2.1 requires of each type generated here (common properties and the type's own);
# an object missing one must be refused. (A domain-name's ``value`` is required too, but
# validate() does not check the properties of cyber-observables: not listed.)
REQUIRED = {
    "indicator": {
        *("type", "id", "spec_version", "created", "modified"),
        *("pattern", "pattern_type", "valid_from"),
    },
    "marking-definition": {"type", "id", "spec_version", "created"},
    "relationship": {
        *("type", "id", "spec_version", "created", "modified"),
        *("relationship_type", "source_ref", "target_ref"),
    },
    "domain-name": {"type", "id"},
}


@st.composite
def broken_objects(draw: st.DrawFn) -> tuple[dict[str, Any], bool]:
    """A valid object with one property removed or replaced by arbitrary JSON (never refused
    for that reason alone: the property may be optional, the value may be acceptable)."""
    obj = dict(draw(valid_objects))
    key = draw(st.sampled_from(sorted(obj)))
    if draw(st.booleans()) and key not in REQUIRED[obj["type"]]:
        del obj[key]
    else:
        obj[key] = draw(json_values)
    return obj, False


@st.composite
def objects_missing_a_required_property(draw: st.DrawFn) -> tuple[dict[str, Any], bool]:
    """A valid object without one of the properties STIX requires of it: must be refused."""
    obj = dict(draw(valid_objects))
    del obj[draw(st.sampled_from(sorted(REQUIRED[obj["type"]])))]
    return obj, True


VALIDATE = Branches(
    "not a JSON object", "invalid object", "required property missing", "valid object"
)


@VALIDATE.required
@given(
    st.one_of(
        json_values.map(lambda value: (value, False)),
        valid_objects.map(lambda obj: (obj, False)),
        broken_objects(),
        objects_missing_a_required_property(),
    )
)
def test_validate_rejects_arbitrary_json_with_its_own_error(case: tuple[object, bool]) -> None:
    value, must_refuse = case
    try:
        facts = validate(value)
    except InvalidStix as exc:
        assert exc.status == 422 and exc.message
        VALIDATE.reached(
            "required property missing"
            if must_refuse
            else "invalid object"
            if isinstance(value, dict)
            else "not a JSON object"
        )
    else:  # only a well-formed object gets through, and its facts are its own
        assert not must_refuse, f"accepted without a required property: {value}"
        assert isinstance(value, dict) and facts.id == value["id"]
        assert facts.type == value["type"] and orjson.loads(facts.canonical) == value
        VALIDATE.reached("valid object")


# plausible replacement values per property, so that some mutations keep the object valid
_PLAUSIBLE: dict[str, st.SearchStrategy[object]] = {
    "created": st.just("2026-09-01T00:00:00Z"),
    "modified": st.sampled_from(["2026-10-02T00:00:00.5Z", "2026-09-01T00:00:00Z"]),
    "valid_from": st.just("2027-01-01T00:00:00Z"),
    "name": st.text(max_size=10),
    "description": st.text(max_size=10),
    "object_marking_refs": st.lists(st.sampled_from([t.marking_id for t in TLP]), max_size=2),
    "created_by_ref": stix_ids,
}
MUTATED = Branches("accepted", "rejected")


@MUTATED.required
@given(
    st.dictionaries(
        st.sampled_from(sorted(indicator(1))) | st.sampled_from(sorted(_PLAUSIBLE)),
        json_values,
        max_size=3,
    ),
    st.fixed_dictionaries({}, optional=_PLAUSIBLE),
)
def test_validate_on_mutated_indicators_only_raises_invalid_stix(
    changes: dict[str, object], plausible: dict[str, object]
) -> None:
    obj = {**indicator(1), **changes, **plausible}
    try:
        facts = validate(obj)
    except InvalidStix:
        MUTATED.reached("rejected")
        return
    MUTATED.reached("accepted")
    assert facts.id == obj["id"] and facts.type == "indicator"
    assert facts.version == obj["modified"] and facts.created_by_ref == obj.get("created_by_ref")


def test_validate_accepts_valid_objects_and_tlp_definitions() -> None:
    facts = validate(indicator(3, tlp=TLP.RED))
    assert facts.marking_refs == (TLP.RED.marking_id,)
    assert facts.version == "2026-10-01T12:00:00.000Z"
    for tlp in TLP:
        assert validate(marking_definition(tlp)).type == "marking-definition"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"id": "indicator--not-a-uuid"}, "not a STIX identifier"),
        ({"id": "malware--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061"}, "does not start with its type"),
        ({"spec_version": "2.0"}, "only 2.1"),
        ({"created": "yesterday"}, "RFC 3339"),
        ({"modified": "2020-01-01T00:00:00Z"}, "earlier than 'created'"),
        ({"pattern": None}, "'pattern'"),
        (
            {"object_marking_refs": ["identity--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061"]},
            "marking-definition",
        ),
    ],
)
def test_validate_names_the_problem(change: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidStix, match=message):
        validate({**indicator(1), **change})


@given(st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(9999, 12, 31)))
def test_timestamps_round_trip_to_the_microsecond(moment: datetime) -> None:
    micros = int(moment.replace(tzinfo=UTC).timestamp() * 1_000_000)
    assert parse_timestamp(format_timestamp(micros)) == micros


# --- timestamps: (text, expected epoch microseconds or None for "must be refused") ---------
EPOCH = datetime(1970, 1, 1)


@st.composite
def well_formed_timestamps(draw: st.DrawFn) -> tuple[str, int | None]:
    moment = draw(st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(9999, 12, 31)))
    digits = draw(st.text("0123456789", min_size=0, max_size=9))
    pad = draw(st.sampled_from(["", " ", "\t"]))
    text = moment.strftime("%Y-%m-%dT%H:%M:%S") + (f".{digits}" if digits else "") + "Z"
    whole = (moment.replace(microsecond=0) - EPOCH) // timedelta(microseconds=1)
    return pad + text + pad, whole + (int((digits + "000000")[:6]) if digits else 0)


@st.composite
def out_of_range_timestamps(draw: st.DrawFn) -> tuple[str, int | None]:
    """Timestamp-shaped text with one field out of range: a clock or a calendar field."""
    field = draw(st.sampled_from(["hour", "minute", "second", "month", "day"]))
    values = {"year": 2026, "month": 2, "day": 28, "hour": 12, "minute": 30, "second": 0}
    values[field] = draw(
        {
            "hour": st.integers(24, 99),
            "minute": st.integers(60, 99),
            "second": st.integers(60, 99),
            "month": st.sampled_from([0, 13, 99]),
            "day": st.sampled_from([0, 29, 30, 31, 32, 99]),
        }[field]
    )
    v = values
    text = f"{v['year']:04d}-{v['month']:02d}-{v['day']:02d}T{v['hour']:02d}:{v['minute']:02d}"
    return text + f":{v['second']:02d}Z", None


near_misses = st.sampled_from(
    [
        "2026-11-03T08:00:00",  # no zone
        "2026-11-03T08:00:00z",
        "2026-11-03 08:00:00Z",
        "2026-11-03T08:00:00+00:00",
        "2026-11-03T08:00:00.Z",
        "2026-11-03T08:00:00.1234567890Z",
        "26-11-03T08:00:00Z",
        "٢٠٢٦-11-03T08:00:00Z",  # Arabic-Indic digits: RFC 3339 digits are ASCII
        "２０２６-11-03T08:00:00Z",  # fullwidth digits
        "",
    ]
).map(lambda text: (text, None))

TIMESTAMPS = Branches(
    "accepted", "refused: not timestamp-shaped", "refused: no such time", "refused: no such date"
)


@TIMESTAMPS.required
@given(
    st.one_of(
        st.text(max_size=40).map(lambda text: (text, -1)),  # -1: no expectation
        well_formed_timestamps(),
        out_of_range_timestamps(),
        near_misses,
    )
)
def test_parse_timestamp_answers_exactly_or_raises_value_error(
    case: tuple[str, int | None],
) -> None:
    text, expected = case
    try:
        micros = parse_timestamp(text)
    except ValueError as exc:
        assert expected is None or expected == -1, f"{text!r} refused: {exc}"
        message = str(exc)
        TIMESTAMPS.reached(
            "refused: not timestamp-shaped"
            if message.startswith("not a timestamp")
            else "refused: no such time"
            if message.startswith("not a time of day")
            else "refused: no such date"
        )
        return
    TIMESTAMPS.reached("accepted")
    assert expected is not None, f"{text!r} accepted"
    if expected != -1:
        assert micros == expected
    assert text.strip().endswith("Z") and text.strip().isascii()
    assert parse_timestamp(format_timestamp(micros)) == micros


# --- TLP labels ---------------------------------------------------------------------------
@st.composite
def tlp_labels(draw: st.DrawFn) -> tuple[str, TLP | None]:
    if draw(st.integers(0, 9)) == 0:
        word = draw(st.text(max_size=12))
        known = {t.slug: t for t in TLP} | {"white": TLP.CLEAR}
        normal = word.strip().lower().removeprefix("tlp:").replace("_", "+").replace("-", "+")
        return word, known.get(normal)
    tlp = draw(st.sampled_from([*TLP, "white"]))
    slug = "white" if tlp == "white" else tlp.slug
    slug = slug.replace("+", draw(st.sampled_from(["+", "_", "-"])))
    if draw(st.booleans()):
        slug = slug.upper()
    prefix = draw(st.sampled_from(["", "TLP:", "tlp:"]))
    pad = draw(st.sampled_from(["", " "]))
    return pad + prefix + slug + pad, TLP.CLEAR if tlp == "white" else tlp


TLP_LABELS = Branches(*(f"parsed: {t.slug}" for t in TLP), "refused")


@TLP_LABELS.required
@given(tlp_labels() | st.sampled_from(["purple", "amber strict", "tlp", "TLP:", "redd"]).map(
    lambda word: (word, None)))
def test_tlp_labels_parse(case: tuple[str, TLP | None]) -> None:
    label, expected = case
    if expected is None:
        with pytest.raises(ValueError, match="unknown TLP"):
            TLP.parse(label)
        TLP_LABELS.reached("refused")
        return
    assert TLP.parse(label) is expected
    TLP_LABELS.reached(f"parsed: {expected.slug}")


def test_tlp1_ids_map_to_tlp2() -> None:
    assert MARKING_TO_TLP["marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"] is TLP.CLEAR
    assert (
        tlp_of_markings(
            ["marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", TLP.GREEN.marking_id]
        )
        is TLP.RED
    )
    assert TLP.parse("white") is TLP.CLEAR
    with pytest.raises(ValueError, match="unknown TLP"):
        TLP.parse("purple")


# --- TAXII media types --------------------------------------------------------------------
# Each example first picks the branch it must reach, then builds a header of media ranges and
# parameters that reaches it, so the expected answer is known from how the header was built,
# independently of the parser (and every branch gets about the same share of examples).
TAXII_TYPES = ["application/taxii+json", "Application/TAXII+json", "APPLICATION/TAXII+JSON"]
WILDCARDS = ["*/*", "application/*"]
SPECIAL = {t.lower() for t in TAXII_TYPES} | set(WILDCARDS)
other_types = st.sampled_from(
    ["application/json", "application/stix+json", "text/*", "text/html", "*/json"]
) | st.text("abcdefghijklmnopqrstuvwxyz+/*.-", min_size=1, max_size=20).filter(
    lambda media: media.lower() not in SPECIAL
)
other_params = st.lists(
    st.tuples(st.sampled_from(["q", "charset", "profile"]), st.sampled_from(["0.5", "utf-8", ""])),
    max_size=2,
)
version_keys = st.sampled_from(["version", "VERSION", " version "])
good_versions = st.sampled_from(["2.1", '"2.1"'])
bad_versions = st.sampled_from(["2.0", "1.0", "", "2.1.1", '"2.0"'])
ows = st.sampled_from(["", " ", "  "])
Part = tuple[str, list[tuple[str, str]]]


@st.composite
def taxii_part(draw: st.DrawFn, good: bool) -> Part:
    """A TAXII media range whose (last) version parameter is 2.1 or absent, or another one."""
    params = draw(other_params)
    last = None
    if not good or draw(st.booleans()):
        last = (draw(version_keys), draw(good_versions if good else bad_versions))
    if last is not None:
        if draw(st.booleans()):  # an earlier version parameter, overridden by the last one
            params.insert(0, (draw(version_keys), draw(good_versions | bad_versions)))
        params.append(last)
    return draw(st.sampled_from(TAXII_TYPES)), params


def other_part(draw: st.DrawFn) -> Part:
    return draw(other_types), draw(other_params)


def _render(parts: list[Part], draw: st.DrawFn) -> str:
    rendered = []
    for media, params in parts:
        text = draw(ows) + media
        for key, value in params:
            text += draw(ows) + ";" + draw(ows) + f"{key}={value}"
        rendered.append(text + draw(ows))
        if draw(st.integers(0, 4)) == 0:
            rendered.append(draw(ows))  # an empty element of the list: ignored
    return ",".join(rendered)


ACCEPT = Branches(
    "accepted: no header",
    "accepted: TAXII 2.1",
    "accepted: wildcard",
    "refused: another TAXII version",
    "refused: another type",
    "arbitrary text",
)


@st.composite
def accept_headers(draw: st.DrawFn) -> tuple[str, str]:
    """(header, the branch check_accept must take)."""
    branch = draw(st.sampled_from(ACCEPT.names))
    if branch == "arbitrary text":
        return draw(st.text(max_size=60)), branch
    if branch == "accepted: no header":
        return "", branch
    parts = [other_part(draw) for _ in range(draw(st.integers(0, 2)))]
    if branch == "refused: another type" and not parts:
        parts.append(other_part(draw))
    if branch != "refused: another type":  # a TAXII range of another version refuses nothing
        parts += [draw(taxii_part(good=False)) for _ in range(draw(st.integers(0, 1)))]
    if branch == "accepted: TAXII 2.1":
        parts.append(draw(taxii_part(good=True)))
    elif branch == "accepted: wildcard":
        parts.append((draw(st.sampled_from(WILDCARDS)), draw(other_params)))
    elif branch == "refused: another TAXII version":
        parts.append(draw(taxii_part(good=False)))
    return _render(draw(st.permutations(parts)), draw), branch


@ACCEPT.required
@given(accept_headers())
@settings(max_examples=200)  # six branches, one of them a single point
def test_accept_header_is_answered_as_built(case: tuple[str, str]) -> None:
    header, branch = case
    ACCEPT.reached(branch)
    try:
        check_accept(header)
    except NotAcceptable as exc:
        assert exc.status == 406 and not branch.startswith("accepted"), header
    else:
        assert not branch.startswith("refused"), header


CONTENT_TYPE = Branches(
    "accepted",
    "refused: none",
    "refused: several types",
    "refused: another TAXII version",
    "refused: another type",
    "arbitrary text",
)


@st.composite
def content_types(draw: st.DrawFn) -> tuple[str, str]:
    """(header, the branch check_content_type must take)."""
    branch = draw(st.sampled_from(CONTENT_TYPE.names))
    if branch == "arbitrary text":
        return draw(st.text(max_size=60)), branch
    part = {
        "accepted": lambda: draw(taxii_part(good=True)),
        "refused: another TAXII version": lambda: draw(taxii_part(good=False)),
        "refused: another type": lambda: other_part(draw),
        "refused: several types": lambda: draw(taxii_part(good=True)),
        "refused: none": lambda: None,
    }[branch]()
    parts = [part] if part is not None else []
    if branch == "refused: several types":
        parts.append(draw(taxii_part(good=draw(st.booleans()))) if draw(st.booleans())
                     else other_part(draw))
    return _render(draw(st.permutations(parts)), draw), branch


@CONTENT_TYPE.required
@given(content_types())
@settings(max_examples=200)
def test_content_type_is_answered_as_built(case: tuple[str, str]) -> None:
    header, branch = case
    CONTENT_TYPE.reached(branch)
    try:
        check_content_type(header)
    except UnsupportedMediaType as exc:
        assert exc.status == 415 and branch != "accepted", header
    else:
        assert branch in ("accepted", "arbitrary text"), header
        assert "application/taxii+json" in header.lower().replace(" ", "")


def test_media_types() -> None:
    check_accept("application/taxii+json;version=2.1")
    check_accept("application/taxii+json")
    check_accept(None)
    with pytest.raises(NotAcceptable):
        check_accept("application/json")
    with pytest.raises(NotAcceptable):
        check_accept("application/taxii+json;version=2.0")
    check_content_type("application/taxii+json; version=2.1")
    with pytest.raises(UnsupportedMediaType):
        check_content_type("application/json")


# --- page tokens --------------------------------------------------------------------------
@given(st.integers(min_value=0, max_value=2**62))
def test_next_tokens_round_trip(seq: int) -> None:
    assert decode_next(encode_next(seq)) == seq


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


tokens = st.one_of(
    st.integers(0, 2**62).map(lambda seq: (encode_next(seq), seq, "issued token")),
    st.text(max_size=30).map(lambda text: (text, -1, "arbitrary text")),
    st.text("!@#$%^&*()[]{} ", min_size=1, max_size=10).map(
        lambda text: (text, None, "not base64")
    ),
    st.binary(max_size=12).map(lambda raw: (_b64(b"\xff" + raw), None, "not UTF-8")),
    st.sampled_from(["", "s", "s-1", "t12", "s12a", "s 1", "s" + "9" * 24, "S12"]).map(
        lambda text: (_b64(text.encode()), None, "not a position")
    ),
)


TOKENS = Branches("issued token", "arbitrary text", "not base64", "not UTF-8", "not a position")


@TOKENS.required
@given(tokens)
def test_next_tokens_reject_garbage_with_invalid_input(case: tuple[str, int | None, str]) -> None:
    token, expected, branch = case
    TOKENS.reached(branch)
    try:
        seq = decode_next(token)
    except InvalidInput as exc:
        assert exc.status == 400 and expected in (None, -1), token
    else:
        assert expected is not None, f"{token!r} accepted"
        assert seq >= 0 and decode_next(encode_next(seq)) == seq
        if expected != -1:
            assert seq == expected
