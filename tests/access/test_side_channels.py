"""One regression test per side channel of the review (issue 8, items 1-11): each shows that
what the caller may not know does not change what it is told.

The inference oracle (test_inference.py) covers the same ground on generated worlds; these are
the readable, hand-built cases, named after the items."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from warroom.api import create_app
from warroom.model.orgs import Role
from warroom.model.stix import parse_timestamp
from warroom.model.tlp import TLP
from warroom.services.exchange import anonymous_identity_id
from warroom.settings import Settings
from warroom.storage.store import Store
from warroom.testing.scenario import Member, Scenario
from warroom.testing.scenario import indicator as _indicator

ANONYMOUS = anonymous_identity_id("warroom-test")


def indicator(n: int, **kwargs: Any) -> dict[str, Any]:
    """The n-th test indicator: the same id every time it is asked for."""
    return _indicator(n, seed="side-channels", **kwargs)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


def auth(member: Member) -> dict[str, str]:
    return {"Authorization": f"Bearer {member.key}"}


def share(client: TestClient, member: Member, objects: list[dict[str, Any]],
          **body: Any) -> Any:
    return client.post("/api/v1/objects", json={"objects": objects, **body},
                       headers=auth(member))


def ids(response: Any) -> list[str]:
    return [o["id"] for o in response.json()["objects"]]


def admins(scenario: Scenario, *names: str) -> list[Member]:
    return [scenario.add_org(name, role=Role.ADMIN) for name in names]


def group(scenario: Scenario, owner: Member, members: list[Member],
          confidential: bool = True) -> int:
    directory = scenario.store.directory
    created = directory.create_group(f"WG of {owner.org.name}", owner.org.id, confidential)
    for member in members:
        directory.add_member(created.id, member.org.id)
    scenario.refresh()
    return created.id


def test_1_search_by_hidden_author(client: TestClient, scenario: Scenario) -> None:
    """Filtering on ``author_org`` matches an anonymous submission only for those who are
    shown its author (its own organisation, instance admins)."""
    a, c = admins(scenario, "A", "C")
    root = scenario.add_org("Host", role=Role.ADMIN, instance_admin=True)
    tip = indicator(1, tlp=TLP.GREEN, created_by=a.org.identity_id)
    assert share(client, a, [tip], recipients={"community": True},
                 anonymous=True).status_code == 201
    for author in (a, c, root):
        found = client.get("/api/v1/objects", params={"author_org": author.org.id},
                           headers=auth(c))
        assert ids(found) == []
        counts = client.get("/api/v1/objects/counts", params={"author_org": a.org.id,
                                                              "group_by": "tlp"},
                            headers=auth(c)).json()
        assert counts == {"total": 0, "counts": {}}
    # C reads the object, without its author
    assert ids(client.get("/api/v1/objects", headers=auth(c))) == [tip["id"]]
    for reader in (a, root):
        assert ids(client.get("/api/v1/objects", params={"author_org": a.org.id},
                              headers=auth(reader))) == [tip["id"]]


def test_2_audit_does_not_name_anonymous_authors(client: TestClient,
                                                   scenario: Scenario) -> None:
    a, b = admins(scenario, "A", "B")
    tip = indicator(1, tlp=TLP.AMBER, created_by=a.org.identity_id)
    share(client, a, [tip], recipients={"orgs": [b.org.id]}, anonymous=True)
    client.get(f"/api/v1/objects/{tip['id']}", headers=auth(b))
    seen_by_b = client.get("/api/v1/audit", headers=auth(b)).json()["entries"]
    assert [(e["action"], e["stix_id"], e["author_org_id"]) for e in seen_by_b] == [
        ("read", tip["id"], None)]
    seen_by_a = client.get("/api/v1/audit", headers=auth(a)).json()["entries"]
    assert [(e["action"], e["org_id"], e["author_org_id"]) for e in seen_by_a] == [
        ("read", b.org.id, a.org.id), ("write", a.org.id, a.org.id)]


def test_3_audit_does_not_name_confidential_members(client: TestClient,
                                                     scenario: Scenario) -> None:
    """Confidentiality wins over "who saw what we shared": an author sees reads by members of
    a confidential group only if it owns the group."""
    owner, author, member, named = admins(scenario, "Owner", "Author", "Member", "Named")
    wg = group(scenario, owner, [author, member])
    by_author = indicator(1, tlp=TLP.AMBER)
    by_owner = indicator(2, tlp=TLP.AMBER)
    share(client, scenario.members["Author"], [by_author],
          recipients={"groups": [wg], "orgs": [named.org.id]})
    share(client, scenario.members["Owner"], [by_owner], recipients={"groups": [wg]})
    for reader in ("Member", "Named", "Owner", "Author"):
        client.get("/api/v1/objects", params={"version": "last"},
                   headers=auth(scenario.members[reader]))
    author_view = client.get("/api/v1/audit", headers=auth(scenario.members["Author"])).json()
    readers = {e["org_id"] for e in author_view["entries"]
               if e["action"] == "read" and e["stix_id"] == by_author["id"]}
    assert readers == {named.org.id, author.org.id}  # not Member, not Owner
    owner_view = client.get("/api/v1/audit", headers=auth(scenario.members["Owner"])).json()
    readers = {e["org_id"] for e in owner_view["entries"]
               if e["action"] == "read" and e["stix_id"] == by_owner["id"]}
    assert readers == {owner.org.id, author.org.id, member.org.id}


def _decoded(token: str) -> str:
    return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()


def test_4_page_tokens_carry_only_what_the_caller_sees(client: TestClient,
                                                       scenario: Scenario) -> None:
    """A page token is the date_added of the last object of the page (printed in the page
    itself), not a row number whose gaps would count hidden rows."""
    a, b, c = admins(scenario, "A", "B", "C")
    for n in range(6):  # every other object is hidden from C
        if n % 2:
            share(client, a, [indicator(n, tlp=TLP.GREEN)], recipients={"community": True})
        else:
            share(client, a, [indicator(n, tlp=TLP.AMBER)], recipients={"orgs": [b.org.id]})
    client.get("/api/v1/objects", headers=auth(b))  # B's reads of AMBER land in A's audit
    page = client.get("/api/v1/objects", params={"limit": 1}, headers=auth(c)).json()
    last = page["objects"][-1]["date_added"]
    assert _decoded(page["next_cursor"]) == f"d{parse_timestamp(last)}"
    collections = client.get("/taxii2/api/collections/", headers={
        **auth(c), "Accept": "application/taxii+json;version=2.1"}).json()["collections"]
    everything = next(col["id"] for col in collections if col["alias"] == "all")
    taxii = client.get(f"/taxii2/api/collections/{everything}/objects/", params={"limit": 2},
                       headers={**auth(c), "Accept": "application/taxii+json;version=2.1"})
    last_added = taxii.headers["X-TAXII-Date-Added-Last"]
    assert _decoded(taxii.json()["next"]) == f"d{parse_timestamp(last_added)}"
    audit = client.get("/api/v1/audit", params={"limit": 1}, headers=auth(a)).json()
    at, shown = _decoded(audit["next_cursor"])[1:].split(".")
    assert int(at) == parse_timestamp(audit["entries"][0]["ts"]) and shown == "1"
    assert "id" not in audit["entries"][0]  # no global row number either


def test_5_reusing_a_hidden_id_is_answered_like_a_new_one(client: TestClient,
                                                          scenario: Scenario) -> None:
    a, b, c = admins(scenario, "A", "B", "C")
    secret = indicator(1, tlp=TLP.RED)
    share(client, a, [secret], recipients={"orgs": [b.org.id]})
    mine = {**indicator(1, tlp=TLP.AMBER), "name": "C's own indicator"}
    fresh = indicator(2, tlp=TLP.AMBER)
    answers = [share(client, c, [obj]) for obj in (mine, fresh)]
    assert [(r.status_code, r.json()["stored"]) for r in answers] == [(201, 1), (201, 1)]
    # each sees its own lineage; B still gets A's version only
    assert client.get(f"/api/v1/objects/{secret['id']}", headers=auth(c)).json()["object"][
        "name"] == "C's own indicator"
    assert client.get(f"/api/v1/objects/{secret['id']}", headers=auth(b)).json()["object"][
        "name"] == secret["name"]
    # an id the caller can see is still the creator's alone
    public = indicator(3, tlp=TLP.GREEN)
    share(client, a, [public], recipients={"community": True})
    refused = share(client, c, [{**public, "modified": "2026-11-01T00:00:00.000Z"}])
    assert refused.status_code == 422 and "belongs to another organisation" in refused.text
    # observables: anyone may share the same one; each share adds its audience
    domain = {"type": "domain-name", "spec_version": "2.1", "value": "vote-fl.example.com",
              "id": "domain-name--0b2b7f0c-3a79-5a0b-9d1e-7f6f2c1e4b10"}
    share(client, a, [domain], recipients={"orgs": [b.org.id]}, tlp="red")
    again = share(client, c, [domain], recipients={"community": True}, tlp="green")
    assert (again.status_code, again.json()["stored"]) == (201, 1)
    for reader in (a, b, c):
        assert domain["id"] in ids(client.get("/api/v1/objects", params={"type": "domain-name"},
                                              headers=auth(reader)))


def test_6_hidden_versions_do_not_show(client: TestClient, scenario: Scenario) -> None:
    a, b, c = admins(scenario, "A", "B", "C")
    v1 = indicator(1, tlp=TLP.GREEN)
    v2 = {**indicator(1, tlp=TLP.RED), "modified": "2026-10-05T00:00:00.000Z"}
    share(client, a, [v1], recipients={"community": True})
    share(client, a, [v2], recipients={"orgs": [b.org.id]})
    latest = client.get(f"/api/v1/objects/{v1['id']}", headers=auth(c)).json()
    assert latest["object"]["modified"] == v1["modified"]
    assert client.get(f"/api/v1/objects/{v1['id']}/versions", headers=auth(c)).json()[
        "versions"] == [v1["modified"]]
    taxii = {**auth(c), "Accept": "application/taxii+json;version=2.1"}
    collections = client.get("/taxii2/api/collections/", headers=taxii).json()["collections"]
    everything = next(col["id"] for col in collections if col["alias"] == "all")
    for version in ("first", "last", "all"):
        got = client.get(f"/taxii2/api/collections/{everything}/objects/{v1['id']}/",
                         params={"match[version]": version}, headers=taxii).json()
        assert [o["modified"] for o in got["objects"]] == [v1["modified"]]
    assert client.get(f"/api/v1/objects/{v1['id']}", headers=auth(b)).json()["object"][
        "modified"] == v2["modified"]


def test_7_names_and_key_ids_answer_alike(client: TestClient, scenario: Scenario) -> None:
    a, c = admins(scenario, "A", "C")
    directory = scenario.store.directory
    directory.create_group("Secret WG", a.org.id, confidential=True)
    directory.create_user(a.org.id, "jsmith", Role.ANALYST)
    hidden_key, _ = directory.create_key(a.principal.user_id, "hidden")
    assert client.post("/api/v1/groups", json={"name": "Secret WG"},
                       headers=auth(c)).status_code == 201
    assert client.post(f"/api/v1/orgs/{c.org.id}/users", json={"username": "jsmith"},
                       headers=auth(c)).status_code == 201
    others = client.delete(f"/api/v1/keys/{hidden_key.id}", headers=auth(c))
    missing_id = next(i for i in range(1, 10_000)
                      if i != hidden_key.id and not _key_exists(scenario.store, i))
    missing = client.delete(f"/api/v1/keys/{missing_id}", headers=auth(c))
    assert (others.status_code, others.json()) == (missing.status_code, missing.json())
    assert others.status_code == 404


def _key_exists(store: Store, key_id: int) -> bool:
    try:
        store.directory.get_key(key_id)
    except Exception:  # noqa: BLE001 - NotFound
        return False
    return True


def test_8_confidential_membership_is_not_revealed(client: TestClient,
                                                   scenario: Scenario) -> None:
    """Feedback inside a confidential group is anonymous; members do not see the owner; an
    instance admin's change to a group is not in its own organisation's audit."""
    owner, giver, member = admins(scenario, "Owner", "Giver", "Member")
    host_admin = scenario.add_org("Host", role=Role.ADMIN)
    root_user = scenario.store.directory.create_user(host_admin.org.id, "root", Role.ADMIN,
                                                     instance_admin=True)
    _, root_key = scenario.store.directory.create_key(root_user.id)
    wg = group(scenario, owner, [giver, member])
    target = indicator(1, tlp=TLP.AMBER)
    share(client, scenario.members["Owner"], [target], recipients={"groups": [wg]})
    assert client.post(f"/api/v1/objects/{target['id']}/sightings", json={"note": "here too"},
                       headers=auth(scenario.members["Giver"])).status_code == 201
    taxii = {**auth(scenario.members["Member"]), "Accept": "application/taxii+json;version=2.1"}
    collections = client.get("/taxii2/api/collections/", headers=taxii).json()["collections"]
    everything = next(col["id"] for col in collections if col["alias"] == "all")
    sightings = client.get(f"/taxii2/api/collections/{everything}/objects/",
                           params={"match[type]": "sighting"}, headers=taxii).json()["objects"]
    assert len(sightings) == 1
    assert sightings[0]["created_by_ref"] == ANONYMOUS
    assert sightings[0]["where_sighted_refs"] == [ANONYMOUS]
    assert giver.org.identity_id not in str(sightings)
    # the giver sees its own sighting under its name
    own = client.get("/api/v1/objects", params={"type": "sighting"},
                     headers=auth(scenario.members["Giver"])).json()["objects"]
    assert own[0]["object"]["created_by_ref"] == giver.org.identity_id
    # members see neither the other members nor the owner
    seen = client.get(f"/api/v1/groups/{wg}", headers=auth(scenario.members["Member"])).json()
    assert seen["owner_org_id"] is None
    assert [m["id"] for m in seen["members"]] == [member.org.id]
    # the instance admin adds an organisation to the group: the host's own admins do not see it
    added = client.post(f"/api/v1/groups/{wg}/members", json={"org_id": host_admin.org.id},
                        headers={"Authorization": f"Bearer {root_key}"})
    assert added.status_code == 200
    host_view = client.get("/api/v1/audit", headers=auth(host_admin)).json()["entries"]
    assert not any("group" in e["detail"] for e in host_view)
    owner_view = client.get("/api/v1/audit", headers=auth(scenario.members["Owner"])).json()
    assert any(f"to group {wg}" in e["detail"] for e in owner_view["entries"])


def test_9_granular_markings_are_honoured(client: TestClient, scenario: Scenario) -> None:
    """A part marked RED makes the whole object RED: refused for the community, stored as RED
    for a named organisation."""
    a, b, c = admins(scenario, "A", "B", "C")
    obj = {**indicator(1, tlp=TLP.CLEAR),
           "granular_markings": [{"marking_ref": TLP.RED.marking_id,
                                  "selectors": ["description"]}]}
    refused = share(client, a, [obj], recipients={"community": True})
    assert refused.status_code == 422 and "TLP:RED" in refused.text
    assert share(client, a, [obj], recipients={"orgs": [b.org.id]}).status_code == 201
    stored = client.get(f"/api/v1/objects/{obj['id']}", headers=auth(b)).json()
    assert stored["tlp"] == "red"
    assert client.get(f"/api/v1/objects/{obj['id']}", headers=auth(c)).status_code == 404
    bad = {**obj, "granular_markings": [{"marking_ref": TLP.RED.marking_id}]}
    assert share(client, a, [bad], recipients={"orgs": [b.org.id]}).status_code == 422


def test_11_failed_authentication_is_rate_limited(settings: Settings, store: Store,
                                                  scenario: Scenario) -> None:
    from warroom.api.throttle import FailureLimiter

    now = [1000.0]
    app = create_app(settings.model_copy(update={"auth_failure_limit": 5}), store)
    app.state.auth_limiter = FailureLimiter(5, 60.0, clock=lambda: now[0])
    member = scenario.add_org("A")
    with TestClient(app) as client:
        wrong = {"Authorization": "Bearer wr_000000000000_guess"}
        assert [client.get("/api/v1/me", headers=wrong).status_code for _ in range(5)] == [
            401] * 5
        blocked = client.get("/api/v1/me", headers=auth(member))  # even the right key
        assert blocked.status_code == 429
        assert blocked.headers["Retry-After"] == "60"
        assert blocked.headers["content-type"] == "application/problem+json"
        taxii = client.get("/taxii2/", headers={**auth(member),
                                                "Accept": "application/taxii+json;version=2.1"})
        assert taxii.status_code == 429 and taxii.json()["http_status"] == "429"
        now[0] += 61
        assert client.get("/api/v1/me", headers=auth(member)).status_code == 200
    limiter = FailureLimiter(2, 60.0, clock=lambda: now[0])
    limiter.failed("10.0.0.1")
    limiter.failed("10.0.0.1")
    limiter.check("10.0.0.2")  # another address is not affected


def test_10_domain_watch_shares_only_its_own_organisations_assets(
    database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    """A watch that shares as a user watches only that user's organisation's assets: alerts
    name what they imitate, so another organisation's assets would be revealed."""
    from typer.testing import CliRunner

    from warroom.cli.main import app as cli

    monkeypatch.setenv("WARROOM_DATABASE_URL", database_url)
    runner = CliRunner()

    def run(*args: str) -> Any:
        return runner.invoke(cli, list(args))

    assert run("init", "--org", "Host", "--admin", "root").exit_code == 0
    for org in ("County", "Campaign"):
        assert run("org", "add", org).exit_code == 0
    assert run("user", "add", "clerk", "--org", "County", "--role", "analyst").exit_code == 0
    county = tmp_path / "county.csv"
    county.write_text("organisation,domain,tokens,owned\nMaricopa County Elections,"
                      "maricopa.vote,maricopa,maricopa.gov\n")
    campaign = tmp_path / "campaign.csv"
    campaign.write_text("organisation,domain,tokens,owned\nJane Doe for Senate,"
                        "janedoe2026.com,janedoe,\n")
    assert run("domains", "assets", "import", str(county), "--org", "County").exit_code == 0
    assert run("domains", "assets", "import", str(campaign), "--org", "Campaign").exit_code == 0
    names = tmp_path / "names.txt"
    names.write_text("maricopa-vote2026.com\njanedoe2026.net\n")
    report = tmp_path / "alerts.json"
    shared = run("domains", "watch", f"list:{names}", "--as", "clerk", "--to", "community",
                 "--tlp", "green", "--report", str(report))
    assert shared.exit_code == 0, shared.output
    import json

    assert {a["domain"] for a in json.loads(report.read_text())} == {"maricopa-vote2026.com"}
    refused = run("domains", "watch", f"list:{names}", "--as", "clerk", "--org", "Campaign",
                  "--report", str(report))
    assert refused.exit_code == 1 and "only your own organisation's assets" in refused.output
    # without sharing (a report for the operator), any organisation's assets may be watched
    local = run("domains", "watch", f"list:{names}", "--org", "Campaign", "--report",
                str(report))
    assert local.exit_code == 0, local.output
    assert {a["domain"] for a in json.loads(report.read_text())} == {"janedoe2026.net"}


def test_one_key_over_its_rate_gets_429_and_others_do_not(
    settings: Settings, store: Store, scenario: Scenario
) -> None:
    """Back-pressure (issue 16): a key that asks too much gets 429 with Retry-After; another
    key is served meanwhile; the first is served again once its bucket refills."""
    from warroom.api.throttle import KeyRateLimiter

    now = [0.0]
    app = create_app(settings, store)
    app.state.key_limiter = KeyRateLimiter(rate=10, burst=5, clock=lambda: now[0])
    greedy, other = scenario.add_org("Greedy"), scenario.add_org("Other")
    with TestClient(app) as client:
        answers = [client.get("/api/v1/me", headers=auth(greedy)) for _ in range(8)]
        assert [a.status_code for a in answers] == [200] * 5 + [429] * 3
        assert answers[-1].headers["Retry-After"] == "1"
        assert client.get("/api/v1/me", headers=auth(other)).status_code == 200
        now[0] += 0.5  # five tokens back at 10 a second
        assert [client.get("/api/v1/me", headers=auth(greedy)).status_code
                for _ in range(6)] == [200] * 5 + [429]
