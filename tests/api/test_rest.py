"""The REST API through HTTP (in-process ASGI client): directory, groups, objects, feedback,
audit; access answers 404 for what the caller may not see."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from warroom.model.orgs import Role
from warroom.model.tlp import TLP
from warroom.testing.scenario import Member, Scenario, indicator


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    return TestClient(app)


def auth(member: Member) -> dict[str, str]:
    return {"Authorization": f"Bearer {member.key}"}


def share(client: TestClient, member: Member, objects: list[dict[str, Any]], **body: Any) -> Any:
    response = client.post(
        "/api/v1/objects", json={"objects": objects, **body}, headers=auth(member)
    )
    return response


def test_health_needs_no_auth_and_everything_else_does(client: TestClient) -> None:
    assert client.get("/api/v1/health").json()["status"] == "ok"
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert "Bearer" in response.headers["www-authenticate"]
    assert (
        client.get(
            "/api/v1/me", headers={"Authorization": "Bearer wr_000000000000_nope"}
        ).status_code
        == 401
    )


def test_me_and_basic_auth(client: TestClient, scenario: Scenario) -> None:
    a = scenario.add_org("A")
    me = client.get("/api/v1/me", auth=(a.username, a.key)).json()
    assert me["username"] == a.username and me["org"]["name"] == "A"
    assert client.get("/api/v1/me", auth=("someone-else", a.key)).status_code == 401


def test_share_search_counts_and_404s(client: TestClient, scenario: Scenario) -> None:
    a, b, c = scenario.add_org("A"), scenario.add_org("B"), scenario.add_org("C")
    to_b, private, public = indicator(1, tlp=TLP.RED), indicator(2), indicator(3, tlp=TLP.GREEN)
    assert share(client, a, [to_b], recipients={"orgs": [b.org.id]}).status_code == 201
    assert share(client, a, [private]).json()["stored"] == 1
    assert share(client, a, [public], recipients={"community": True}).status_code == 201
    for member, expected in (
        (a, {to_b["id"], private["id"], public["id"]}),
        (b, {to_b["id"], public["id"]}),
        (c, {public["id"]}),
    ):
        found = client.get("/api/v1/objects", headers=auth(member)).json()
        assert {o["id"] for o in found["objects"]} == expected
        counts = client.get(
            "/api/v1/objects/counts", params={"group_by": "tlp"}, headers=auth(member)
        ).json()
        assert counts["total"] == len(expected)
        for stix_id in (to_b["id"], private["id"]):
            status = client.get(f"/api/v1/objects/{stix_id}", headers=auth(member)).status_code
            assert status == (200 if stix_id in expected else 404)
            assert (
                client.get(f"/api/v1/objects/{stix_id}/versions", headers=auth(member)).status_code
                == status
            )
    assert client.get("/api/v1/objects/counts", params={"group_by": "tlp"}, headers=auth(b)).json()[
        "counts"
    ] == {"red": 1, "green": 1}
    page = client.get("/api/v1/objects", params={"limit": 2}, headers=auth(a)).json()
    assert len(page["objects"]) == 2 and page["next_cursor"]
    rest = client.get(
        "/api/v1/objects", params={"limit": 2, "cursor": page["next_cursor"]}, headers=auth(a)
    ).json()
    assert len(rest["objects"]) == 1 and rest["next_cursor"] is None


def test_bad_input_is_a_4xx_problem_and_stores_nothing(
    client: TestClient, scenario: Scenario
) -> None:
    a = scenario.add_org("A")
    bad = indicator(1)
    bad["created"] = "not a time"
    response = share(client, a, [indicator(2), bad])
    assert (
        response.status_code == 422
        and response.headers["content-type"] == "application/problem+json"
    )
    assert "nothing was stored" in response.json()["detail"]
    assert share(client, a, [indicator(3)], tlp="purple").status_code == 400
    assert (
        share(client, a, [indicator(4, tlp=TLP.RED)], recipients={"community": True}).status_code
        == 422
    )
    assert (
        client.post(
            "/api/v1/objects", content=b"{", headers={**auth(a), "Content-Type": "application/json"}
        ).status_code
        == 422
    )
    assert (
        client.get(
            "/api/v1/objects", params={"added_after": "yesterday"}, headers=auth(a)
        ).status_code
        == 400
    )
    assert (
        client.get("/api/v1/objects", params={"cursor": "!!"}, headers=auth(a)).status_code == 400
    )
    assert client.get("/api/v1/objects", headers=auth(a)).json()["objects"] == []


def test_values_json_cannot_hold_are_a_422_not_a_500(
    client: TestClient, scenario: Scenario
) -> None:
    """The REST body is parsed by the standard library, which keeps integers of any size; the
    store's JSON cannot hold one beyond 64 bits, and ASCII digits are the only RFC 3339 digits."""
    a = scenario.add_org("A")
    big = {**indicator(1), "x_count": 2**70}
    response = share(client, a, [big])
    assert response.status_code == 422, response.text
    assert "cannot be stored as JSON" in response.json()["detail"]
    arabic = {**indicator(2), "valid_from": "٢٠٢٦-11-03T08:00:00Z"}
    assert share(client, a, [arabic]).status_code == 422
    assert client.get("/api/v1/objects", headers=auth(a)).json()["objects"] == []


def test_nan_and_infinity_are_refused_not_stored_as_null(
    client: TestClient, scenario: Scenario
) -> None:
    a = scenario.add_org("A")
    body = json.dumps({"objects": [{**indicator(1), "confidence": float("nan")}]})
    headers = {**auth(a), "Content-Type": "application/json"}
    response = client.post("/api/v1/objects", content=body, headers=headers)
    assert response.status_code in (400, 422), response.text


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/v1/orgs", {"name": "Nul Org", "sector": "\u0000"}),
        ("POST", "/api/v1/groups", {"name": "Nul WG", "description": "a\u0000b"}),
        ("GET", "/api/v1/objects/counts?id=%00", None),
        ("GET", "/api/v1/objects?id=%00", None),
        ("GET", "/api/v1/objects?type=%00", None),
        ("GET", "/api/v1/audit?stix_id=%00", None),
    ],
)
def test_nul_bytes_are_answered_not_a_500(
    client: TestClient, scenario: Scenario, method: str, path: str, body: Any
) -> None:
    admin = scenario.add_org("Admin", role=Role.ADMIN, instance_admin=True)
    response = client.request(method, path, json=body, headers=auth(admin))
    assert response.status_code in (400, 422), response.text
    assert response.headers["content-type"] == "application/problem+json"


def test_anonymous_author_is_hidden_from_recipients(client: TestClient, scenario: Scenario) -> None:
    a, b = scenario.add_org("A"), scenario.add_org("B")
    obj = indicator(1, tlp=TLP.GREEN, created_by=a.org.identity_id)
    share(client, a, [obj], recipients={"community": True}, anonymous=True)
    seen_by_b = client.get(f"/api/v1/objects/{obj['id']}", headers=auth(b)).json()
    assert (
        seen_by_b["author_org_id"] is None
        and seen_by_b["object"]["created_by_ref"] != a.org.identity_id
    )
    seen_by_a = client.get(f"/api/v1/objects/{obj['id']}", headers=auth(a)).json()
    assert (
        seen_by_a["author_org_id"] == a.org.id
        and seen_by_a["object"]["created_by_ref"] == a.org.identity_id
    )


def test_feedback_round_trip(client: TestClient, scenario: Scenario) -> None:
    a, b, c = scenario.add_org("A"), scenario.add_org("B"), scenario.add_org("C")
    obj = indicator(1, tlp=TLP.AMBER)
    share(client, a, [obj], recipients={"orgs": [b.org.id]})
    assert (
        client.post(
            f"/api/v1/objects/{obj['id']}/sightings", json={"count": 3}, headers=auth(b)
        ).status_code
        == 201
    )
    opinion = client.post(
        f"/api/v1/objects/{obj['id']}/opinions", json={"opinion": "false-positive"}, headers=auth(b)
    )
    assert opinion.json()["counts"] == {"sighting": 1, "false-positive": 1}
    assert client.get(f"/api/v1/objects/{obj['id']}/feedback", headers=auth(a)).json()[
        "counts"
    ] == {"sighting": 1, "false-positive": 1}
    assert (
        client.post(f"/api/v1/objects/{obj['id']}/sightings", json={}, headers=auth(c)).status_code
        == 404
    )
    assert (
        client.post(
            f"/api/v1/objects/{obj['id']}/opinions", json={"opinion": "meh"}, headers=auth(b)
        ).status_code
        == 422
    )


def test_directory_management_is_scoped(client: TestClient, scenario: Scenario) -> None:
    host = scenario.add_org("Host", role=Role.ADMIN, instance_admin=True)
    a_admin = scenario.add_org("A", role=Role.ADMIN)
    b = scenario.add_org("B")
    assert (
        client.post("/api/v1/orgs", json={"name": "New"}, headers=auth(a_admin)).status_code == 403
    )
    assert client.post("/api/v1/orgs", json={"name": "New"}, headers=auth(host)).status_code == 201
    created = client.post(
        f"/api/v1/orgs/{a_admin.org.id}/users",
        json={"username": "al", "role": "reader"},
        headers=auth(a_admin),
    )
    assert created.status_code == 201
    user_id = created.json()["id"]
    assert (
        client.post(
            f"/api/v1/orgs/{a_admin.org.id}/users",
            json={"username": "boss", "instance_admin": True},
            headers=auth(a_admin),
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"/api/v1/orgs/{b.org.id}/users", json={"username": "x"}, headers=auth(a_admin)
        ).status_code
        == 404
    )
    key = client.post(
        f"/api/v1/users/{user_id}/keys", json={"name": "laptop"}, headers=auth(a_admin)
    ).json()
    assert key["secret"].startswith("wr_")
    listed = client.get(f"/api/v1/users/{user_id}/keys", headers=auth(a_admin)).json()
    assert listed[0]["prefix"] == key["prefix"] and "secret" not in listed[0]
    assert (
        key["secret"] not in client.get(f"/api/v1/users/{user_id}/keys", headers=auth(a_admin)).text
    )
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {key['secret']}"}).json()[
            "role"
        ]
        == "reader"
    )
    assert client.get(f"/api/v1/users/{user_id}/keys", headers=auth(b)).status_code == 404
    assert client.delete(f"/api/v1/keys/{key['id']}", headers=auth(b)).status_code == 404
    assert client.delete(f"/api/v1/keys/{key['id']}", headers=auth(a_admin)).status_code == 204
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {key['secret']}"}).status_code
        == 401
    )
    assert client.patch(
        f"/api/v1/users/{user_id}", json={"disabled": True}, headers=auth(a_admin)
    ).json()["disabled"]
    audit = client.get("/api/v1/audit", headers=auth(host)).json()["entries"]
    assert any("created key" in e["detail"] for e in audit)
    assert client.get("/api/v1/audit", headers=auth(b)).status_code == 403


def test_confidential_group_hides_members(client: TestClient, scenario: Scenario) -> None:
    a, b, c, d = (scenario.add_org(n, role=Role.ADMIN) for n in "ABCD")
    group = client.post(
        "/api/v1/groups", json={"name": "WG", "confidential": True}, headers=auth(a)
    ).json()
    for member in (b, c):
        assert (
            client.post(
                f"/api/v1/groups/{group['id']}/members",
                json={"org_id": member.org.id},
                headers=auth(a),
            ).status_code
            == 200
        )
    scenario.refresh()
    owner_view = client.get(f"/api/v1/groups/{group['id']}", headers=auth(a)).json()
    assert {m["name"] for m in owner_view["members"]} == {"A", "B", "C"}
    member_view = client.get(f"/api/v1/groups/{group['id']}", headers=auth(b)).json()
    assert {m["name"] for m in member_view["members"]} == {"B"}
    assert client.get(f"/api/v1/groups/{group['id']}", headers=auth(d)).status_code == 404
    assert [g["name"] for g in client.get("/api/v1/groups", headers=auth(d)).json()] == []
    assert (
        client.post(
            f"/api/v1/groups/{group['id']}/members", json={"org_id": d.org.id}, headers=auth(b)
        ).status_code
        == 403
    )


@pytest.mark.parametrize(
    "observable",
    [
        {"type": "domain-name", "id": "domain-name--3c10e93f-798e-5a26-a0c1-08156efab7f5"},
        {"type": "url", "id": "url--c1477287-23ac-5971-a010-5c287877fa60", "value": ""},
        {"type": "file", "id": "file--9a1f834d-2506-5367-baec-7aa63996ac43", "size": 3},
        {"type": "network-traffic", "id": "network-traffic--2568d22a-8998-58eb-99ec-3c8ca74f527d",
         "protocols": ["tcp"]},
    ],
)
def test_observables_need_their_required_properties(
    client: TestClient, scenario: Scenario, observable: dict[str, Any]
) -> None:
    """A cyber-observable without what STIX 2.1 §6 requires of its type is refused, whole."""
    a = scenario.add_org("A")
    response = share(client, a, [indicator(1), observable])
    assert response.status_code == 422 and "missing required property" in response.text
    assert client.get("/api/v1/objects", headers=auth(a)).json()["objects"] == []
