"""Property tests of the parsers at the edges: STIX validation, timestamps, TLP labels, TAXII
media types and pagination tokens. Whatever the input, they answer or raise their own error."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from warroom.api.media import check_accept, check_content_type
from warroom.api.taxii.common import decode_next, encode_next
from warroom.errors import InvalidInput, InvalidStix, NotAcceptable, UnsupportedMediaType
from warroom.model.stix import format_timestamp, parse_timestamp, validate
from warroom.model.tlp import MARKING_TO_TLP, TLP, marking_definition, tlp_of_markings
from warroom.testing.scenario import indicator

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)


@given(json_values)
def test_validate_rejects_arbitrary_json_with_its_own_error(value: object) -> None:
    try:
        facts = validate(value)
    except InvalidStix as exc:
        assert exc.status == 422 and exc.message
    else:  # only a well-formed object gets through, and its facts are its own
        assert isinstance(value, dict) and facts.id == value["id"]


@given(st.dictionaries(st.sampled_from(sorted(indicator(1))), json_values, max_size=6))
def test_validate_on_mutated_indicators_only_raises_invalid_stix(
    changes: dict[str, object],
) -> None:
    obj = {**indicator(1), **changes}
    try:
        facts = validate(obj)
    except InvalidStix:
        return
    assert facts.id == obj["id"] and facts.type == "indicator"


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


@given(st.text(max_size=40))
def test_parse_timestamp_raises_value_error_only(text: str) -> None:
    try:
        micros = parse_timestamp(text)
    except ValueError:
        return
    assert text.strip().endswith("Z") and parse_timestamp(format_timestamp(micros)) == micros


@given(st.sampled_from(list(TLP)), st.sampled_from(["{}", "TLP:{}", "tlp:{}"]))
def test_tlp_labels_parse(tlp: TLP, template: str) -> None:
    assert TLP.parse(template.format(tlp.slug.upper())) is tlp


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


@given(st.text(max_size=60))
def test_media_type_checks_raise_their_own_errors(header: str) -> None:
    try:
        check_accept(header)
    except NotAcceptable as exc:
        assert exc.status == 406
    else:
        assert not header.strip() or "taxii+json" in header or "*" in header or ";" not in header
    try:
        check_content_type(header)
    except UnsupportedMediaType as exc:
        assert exc.status == 415
    else:
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


@given(st.integers(min_value=0, max_value=2**62))
def test_next_tokens_round_trip(seq: int) -> None:
    assert decode_next(encode_next(seq)) == seq


@given(st.text(max_size=30))
def test_next_tokens_reject_garbage_with_invalid_input(token: str) -> None:
    try:
        seq = decode_next(token)
    except InvalidInput as exc:
        assert exc.status == 400
    else:
        assert seq >= 0 and decode_next(encode_next(seq)) == seq
