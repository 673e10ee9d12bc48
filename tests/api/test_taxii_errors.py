"""Bad input against the live TAXII server (httpx, uvicorn on loopback).

Every case asserts the status code, that the body is a TAXII 2.1 error resource (``title``,
``http_status``, ``application/taxii+json;version=2.1``) and that the store is unchanged
afterwards: the same object versions, statuses and audit entries. Plain parametrized cases,
no generated input (the property tests live in tests/access)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from tests.api.taxii_helpers import (
    API_ROOT_PATH,
    LATER,
    TAXII,
    assert_taxii_error,
    collection_ids,
    http,
    objects_path,
    post_envelope,
    snapshot,
)
from warroom.model.tlp import TLP
from warroom.settings import Settings
from warroom.storage.store import Store
from warroom.testing.scenario import STAMP, Member, Scenario, indicator

MAX_CONTENT = 8 * 1024  # a small api-root max_content_length for the 413 cases
UNKNOWN_UUID = "2ac7e7e6-0c2c-4b8a-9f6e-8a0f1f7d5f3a"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url, instance_name="warroom-test", max_content_length=MAX_CONTENT
    )


@pytest.fixture
def alice(scenario: Scenario) -> Member:
    return scenario.add_org("Alpha Social")


@pytest.fixture
def bob(scenario: Scenario) -> Member:
    return scenario.add_org("Bravo Mail")


@pytest.fixture
def client(live_url: str, alice: Member) -> Iterator[httpx.Client]:
    with http(live_url, alice) as c:
        yield c


@pytest.fixture
def ids(client: httpx.Client) -> dict[str, str]:
    """Alice's collection ids by alias."""
    return collection_ids(client)


@pytest.fixture
def seeded(client: httpx.Client, ids: dict[str, str]) -> dict[str, Any]:
    """One object already shared by alice with the community, so 'unchanged' means something."""
    obj = indicator(100, tlp=TLP.GREEN)
    assert post_envelope(client, ids["community"], {"objects": [obj]}).status_code == 202
    return obj


@contextmanager
def unchanged(store: Store) -> Iterator[None]:
    before = snapshot(store)
    yield
    assert snapshot(store) == before, "a refused request changed the store"


def _with(**changes: Any) -> dict[str, Any]:
    """indicator(7) with properties replaced (``None`` removes one)."""
    obj = indicator(7)
    for key, value in changes.items():
        if value is None:
            obj.pop(key, None)
        else:
            obj[key] = value
    return obj


# --- the body of an Add Objects request ------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"{not json", id="malformed-json"),
        pytest.param(b'{"objects": [', id="truncated-json"),
        pytest.param(b"", id="empty-body"),
        pytest.param(b"\xff\xfe\x00", id="not-utf8"),
        pytest.param(b"[]", id="array-not-envelope"),
        pytest.param(b'"objects"', id="string-not-envelope"),
        pytest.param(b'{"type": "bundle", "objects": {}}', id="objects-not-a-list"),
        pytest.param(b'{"objects": "indicator"}', id="objects-a-string"),
        pytest.param(b'{"more": false}', id="no-objects"),
        pytest.param(b'{"objects": []}', id="empty-objects"),
    ],
)
def test_body_that_is_not_an_envelope_is_400(
    client: httpx.Client, ids: dict[str, str], store: Store, seeded: dict[str, Any], body: bytes
) -> None:
    with unchanged(store):
        assert_taxii_error(post_envelope(client, ids["community"], body), 400)


INVALID_STIX = [
    pytest.param(_with(pattern=None), id="missing-required-property"),
    pytest.param(_with(type=None), id="missing-type"),
    pytest.param(_with(id=None), id="missing-id"),
    pytest.param(_with(id="indicator--123"), id="bad-id"),
    pytest.param(_with(id=f"malware--{UNKNOWN_UUID}"), id="id-of-another-type"),
    pytest.param(_with(created="2026-13-45T00:00:00Z"), id="bad-timestamp"),
    pytest.param(_with(created="2026-10-01T12:00:00"), id="timestamp-without-zone"),
    pytest.param(_with(valid_from="soon"), id="bad-valid-from"),
    pytest.param(_with(spec_version="2.0"), id="spec-version-2.0"),
    pytest.param(_with(spec_version=None), id="missing-spec-version"),
    pytest.param(_with(modified="2020-01-01T00:00:00.000Z"), id="modified-before-created"),
    pytest.param(_with(created_by_ref=f"indicator--{UNKNOWN_UUID}"), id="creator-not-identity"),
    pytest.param(_with(object_marking_refs="TLP:GREEN"), id="markings-not-a-list"),
    pytest.param(
        _with(object_marking_refs=[f"identity--{UNKNOWN_UUID}"]), id="marking-not-a-definition"
    ),
    pytest.param(
        _with(object_marking_refs=[f"marking-definition--{UNKNOWN_UUID}"]),
        id="unknown-marking-definition",
    ),
    pytest.param({"type": "bundle", "id": f"bundle--{UNKNOWN_UUID}"}, id="nested-bundle"),
    pytest.param("indicator", id="not-an-object"),
    pytest.param(
        {
            "type": "relationship",
            "spec_version": "2.1",
            "id": f"relationship--{UNKNOWN_UUID}",
            "created": STAMP,
            "modified": STAMP,
            "relationship_type": "indicates",
            "source_ref": f"indicator--{UNKNOWN_UUID}",
        },
        id="relationship-without-target",
    ),
]


@pytest.mark.parametrize("bad", INVALID_STIX)
def test_invalid_stix_is_422_and_nothing_of_the_envelope_is_stored(
    client: httpx.Client, ids: dict[str, str], store: Store, seeded: dict[str, Any], bad: Any
) -> None:
    alone = {"objects": [bad]}
    among_valid = {"objects": [indicator(1), bad, indicator(2)]}
    with unchanged(store):
        assert_taxii_error(post_envelope(client, ids["community"], alone), 422)
        body = assert_taxii_error(post_envelope(client, ids["my-org"], among_valid), 422)
    assert body["description"]


def test_a_marking_definition_sent_in_the_same_envelope_is_known(
    client: httpx.Client, ids: dict[str, str], store: Store
) -> None:
    """The control for 'unknown-marking-definition': define it first and the same object
    is accepted."""
    marking_id = f"marking-definition--{UNKNOWN_UUID}"
    marking = {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": marking_id,
        "created": STAMP,
        "name": "Election-night embargo",
        "definition_type": "statement",
        "definition": {"statement": "Do not publish before polls close."},
    }
    obj = _with(object_marking_refs=[marking_id])
    resp = post_envelope(client, ids["community"], {"objects": [marking, obj]})
    assert resp.status_code == 202, resp.text
    assert resp.json()["success_count"] == 2


# --- the sharing policy: versions, identities, TLP ---------------------------------------------


def test_version_spoofing_is_refused(
    live_url: str, bob: Member, store: Store, seeded: dict[str, Any]
) -> None:
    """Only the organisation that created an object may add versions of it."""
    spoofs = {
        "new-version": {**seeded, "modified": LATER, "name": "Nothing to see here"},
        "same-version-same-content": dict(seeded),
        "new-version-older-than-stored": {**seeded, "created": "2020-01-01T00:00:00.000Z"},
    }
    with http(live_url, bob) as client, unchanged(store):
        theirs = collection_ids(client)
        for name, spoof in spoofs.items():
            for alias in ("community", "my-org"):
                envelope = {"objects": [indicator(5), spoof]}
                body = assert_taxii_error(post_envelope(client, theirs[alias], envelope), 422)
                assert "only its creator" in body["description"], name


def test_another_members_identity_as_creator_is_refused(
    live_url: str, alice: Member, bob: Member, store: Store, seeded: dict[str, Any]
) -> None:
    impersonation = indicator(6, created_by=alice.org.identity_id)
    with http(live_url, bob) as client, unchanged(store):
        theirs = collection_ids(client)
        for alias in ("community", "my-org"):
            envelope = {"objects": [indicator(5), impersonation]}
            assert_taxii_error(post_envelope(client, theirs[alias], envelope), 422)
    # the control: bob may sign with his own identity
    with http(live_url, bob) as client:
        own = indicator(6, created_by=bob.org.identity_id)
        resp = post_envelope(client, collection_ids(client)["community"], {"objects": [own]})
        assert resp.status_code == 202, resp.text


@pytest.mark.parametrize("tlp", [TLP.AMBER, TLP.AMBER_STRICT, TLP.RED], ids=lambda t: t.slug)
def test_tlp_too_narrow_for_the_community_is_refused(
    client: httpx.Client, ids: dict[str, str], store: Store, seeded: dict[str, Any], tlp: TLP
) -> None:
    with unchanged(store):
        envelope = {"objects": [indicator(1, tlp=TLP.GREEN), indicator(2, tlp=tlp)]}
        assert_taxii_error(post_envelope(client, ids["community"], envelope), 422)


def test_same_version_with_other_content_is_409(
    client: httpx.Client, ids: dict[str, str], store: Store, seeded: dict[str, Any]
) -> None:
    with unchanged(store):
        changed = {**seeded, "name": "Quietly edited"}
        envelope = {"objects": [indicator(1), changed]}
        assert_taxii_error(post_envelope(client, ids["community"], envelope), 409)


# --- media types and size ----------------------------------------------------------------------


BAD_ACCEPT = ["application/json", "application/taxii+json;version=2.0", "text/html"]


@pytest.mark.parametrize("accept", BAD_ACCEPT)
def test_wrong_accept_is_406(
    client: httpx.Client, ids: dict[str, str], store: Store, seeded: dict[str, Any], accept: str
) -> None:
    community = ids["community"]
    paths = [
        "/taxii2/",
        API_ROOT_PATH,
        f"{API_ROOT_PATH}collections/",
        f"{API_ROOT_PATH}collections/{community}/",
        f"{API_ROOT_PATH}collections/{community}/manifest/",
        objects_path(community),
        f"{objects_path(community)}{seeded['id']}/",
        f"{objects_path(community)}{seeded['id']}/versions/",
    ]
    with unchanged(store):
        for path in paths:
            assert_taxii_error(client.get(path, headers={"Accept": accept}), 406)
        envelope = {"objects": [indicator(1)]}
        resp = post_envelope(client, community, envelope, Accept=accept)
        assert_taxii_error(resp, 406)
        url = f"{objects_path(community)}{seeded['id']}/"
        assert_taxii_error(client.delete(url, headers={"Accept": accept}), 406)


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "text/plain",
        "application/taxii+json;version=2.0",
        "application/stix+json;version=2.1",
        "application/taxii+json;version=2.1, application/json",
        "",
    ],
)
def test_wrong_content_type_on_post_is_415(
    client: httpx.Client,
    ids: dict[str, str],
    store: Store,
    seeded: dict[str, Any],
    content_type: str,
) -> None:
    with unchanged(store):
        resp = post_envelope(client, ids["community"], {"objects": [indicator(1)]}, content_type)
        assert_taxii_error(resp, 415)


def test_body_larger_than_max_content_length_is_413(
    client: httpx.Client, ids: dict[str, str], store: Store, seeded: dict[str, Any]
) -> None:
    assert client.get(API_ROOT_PATH).json()["max_content_length"] == MAX_CONTENT
    big = {"objects": [indicator(i) for i in range(30)]}
    payload = httpx.Request("POST", "/", json=big).content
    assert len(payload) > MAX_CONTENT

    def chunks() -> Iterator[bytes]:  # no Content-Length: the server counts as it reads
        for start in range(0, len(payload), 1000):
            yield payload[start : start + 1000]

    with unchanged(store):
        assert_taxii_error(post_envelope(client, ids["community"], big), 413)
        streamed = client.post(
            objects_path(ids["community"]), content=chunks(), headers={"Content-Type": TAXII}
        )
        assert_taxii_error(streamed, 413)
    # the control: a body within the limit, sent in chunks, is accepted
    small = httpx.Request("POST", "/", json={"objects": [indicator(1)]}).content
    resp = client.post(
        objects_path(ids["community"]), content=iter([small]), headers={"Content-Type": TAXII}
    )
    assert resp.status_code == 202, resp.text


# --- authentication ----------------------------------------------------------------------------


def _auth_cases(member: Member) -> dict[str, dict[str, str]]:
    wrong_key = member.key[:-1] + ("A" if member.key[-1] != "A" else "B")
    basic = httpx.BasicAuth
    return {
        "none": {},
        "bad-bearer-key": {"Authorization": f"Bearer {wrong_key}"},
        "garbage-bearer": {"Authorization": "Bearer wr_123456789012_nope"},
        "empty-bearer": {"Authorization": "Bearer"},
        "bad-basic-password": _basic_header(basic(member.username, wrong_key)),
        "key-of-another-user": _basic_header(basic("someone-else", member.key)),
        "malformed-basic": {"Authorization": "Basic !!!"},
        "unsupported-scheme": {"Authorization": "Digest username=x"},
    }


def _basic_header(auth: httpx.BasicAuth) -> dict[str, str]:
    request = next(auth.auth_flow(httpx.Request("GET", "http://x/")))
    return {"Authorization": request.headers["Authorization"]}


@pytest.mark.parametrize(
    "case",
    [
        "none",
        "bad-bearer-key",
        "garbage-bearer",
        "empty-bearer",
        "bad-basic-password",
        "key-of-another-user",
        "malformed-basic",
        "unsupported-scheme",
    ],
)
def test_missing_or_bad_credentials_are_401(
    live_url: str,
    alice: Member,
    ids: dict[str, str],
    store: Store,
    seeded: dict[str, Any],
    case: str,
) -> None:
    headers = {"Accept": TAXII, **_auth_cases(alice)[case]}
    community = ids["community"]
    with httpx.Client(base_url=live_url, headers=headers) as anon, unchanged(store):
        for path in ("/taxii2/", f"{API_ROOT_PATH}collections/", objects_path(community)):
            resp = anon.get(path)
            assert_taxii_error(resp, 401)
            challenge = resp.headers["WWW-Authenticate"]
            assert "Basic" in challenge and "Bearer" in challenge
        post = post_envelope(anon, community, {"objects": [indicator(1)]})
        assert_taxii_error(post, 401)
        assert_taxii_error(anon.delete(f"{objects_path(community)}{seeded['id']}/"), 401)


# --- query parameters --------------------------------------------------------------------------


BAD_PARAMS = [
    {"limit": "0"},
    {"limit": "-1"},
    {"limit": "ten"},
    {"limit": "1.5"},
    {"limit": ""},
    {"added_after": "yesterday"},
    {"added_after": "2026-10-01"},
    {"added_after": "2026-02-30T00:00:00Z"},
    {"added_after": "2026-10-01T00:00:00+02:00"},
    {"next": "bogus"},
    {"next": ""},
    {"match[version]": "newest"},
    {"match[version]": "2026-13-01T00:00:00Z"},
    {"match[version]": "first,latest"},
    {"match[spec_version]": ","},
    {"match[id]": ","},
    {"match[colour]": "red"},
    {"page": "2"},
]


@pytest.mark.parametrize(
    "params", BAD_PARAMS, ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items())
)
def test_bad_filter_values_are_400(
    client: httpx.Client,
    ids: dict[str, str],
    store: Store,
    seeded: dict[str, Any],
    params: dict[str, str],
) -> None:
    community = ids["community"]
    paths = [
        objects_path(community),
        f"{API_ROOT_PATH}collections/{community}/manifest/",
        f"{objects_path(community)}{seeded['id']}/",
    ]
    if "match[version]" not in params:  # versions takes no match[version] at all (below)
        paths.append(f"{objects_path(community)}{seeded['id']}/versions/")
    with unchanged(store):
        for path in paths:
            assert_taxii_error(client.get(path, params=params), 400)
        if "match[version]" in params or "match[spec_version]" in params:
            url = f"{objects_path(community)}{seeded['id']}/"
            assert_taxii_error(client.delete(url, params=params), 400)


def test_filters_an_endpoint_does_not_take_are_400(
    client: httpx.Client, ids: dict[str, str], store: Store, seeded: dict[str, Any]
) -> None:
    one = f"{objects_path(ids['community'])}{seeded['id']}/"
    with unchanged(store):
        assert_taxii_error(client.get(one, params={"match[type]": "indicator"}), 400)
        assert_taxii_error(client.get(one, params={"match[id]": seeded["id"]}), 400)
        assert_taxii_error(client.get(one + "versions/", params={"match[version]": "all"}), 400)


# --- things that do not exist ------------------------------------------------------------------


def test_unknown_collection_api_root_object_or_status_is_404(
    client: httpx.Client, ids: dict[str, str], store: Store, seeded: dict[str, Any]
) -> None:
    community = ids["community"]
    missing_object = f"indicator--{UNKNOWN_UUID}"
    gets = [
        "/taxii2/other/",
        "/taxii2/other/collections/",
        f"/taxii2/other/collections/{community}/objects/",
        "/taxii2/other/status/x/",
        f"{API_ROOT_PATH}collections/{UNKNOWN_UUID}/",
        f"{API_ROOT_PATH}collections/not-a-collection/",
        f"{API_ROOT_PATH}collections/{UNKNOWN_UUID}/objects/",
        f"{API_ROOT_PATH}collections/{UNKNOWN_UUID}/manifest/",
        f"{objects_path(community)}{missing_object}/",
        f"{objects_path(community)}{missing_object}/versions/",
        f"{objects_path(community)}not-an-id/",
        f"{API_ROOT_PATH}status/{UNKNOWN_UUID}/",
        f"{API_ROOT_PATH}nowhere/",
    ]
    with unchanged(store):
        for path in gets:
            assert_taxii_error(client.get(path), 404)
        envelope = {"objects": [indicator(1)]}
        assert_taxii_error(post_envelope(client, UNKNOWN_UUID, envelope), 404)
        resp = client.post(
            f"/taxii2/other/collections/{community}/objects/",
            json=envelope,
            headers={"Content-Type": TAXII},
        )
        assert_taxii_error(resp, 404)
        assert_taxii_error(client.delete(f"{objects_path(community)}{missing_object}/"), 404)
        url = f"{objects_path(community)}{seeded['id']}/"
        assert_taxii_error(client.delete(url, params={"match[version]": LATER}), 404)


def test_unsupported_method_is_405(
    client: httpx.Client, ids: dict[str, str], store: Store, seeded: dict[str, Any]
) -> None:
    with unchanged(store):
        assert_taxii_error(client.put(objects_path(ids["community"]), content=b"{}"), 405)
        assert_taxii_error(client.delete(objects_path(ids["community"])), 405)
        assert_taxii_error(client.post(f"{API_ROOT_PATH}collections/"), 405)
