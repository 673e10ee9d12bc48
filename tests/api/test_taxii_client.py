"""The TAXII 2.1 server through a real client: taxii2-client against uvicorn on loopback.

Every endpoint of sharing-platforms.md §5.1 is exercised (discovery, api root, collections,
one collection, manifest, get/add objects, status, get/delete an object, versions) with the
filters of §3.4/§3.5 and pagination through ``as_pages``. Everything served is checked with
stix2-validator. The last tests check access through TAXII: other organisations' private
objects and sharing groups answer 404, a reader may not write."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from taxii2client.exceptions import AccessError
from taxii2client.v21 import Collection, as_pages

from tests.api.taxii_helpers import (
    LATER,
    STIX,
    TAXII,
    assert_taxii_error,
    assert_valid_stix,
    collection_ids,
    collections_by_alias,
    http,
    identity,
    later_version,
    malware,
    objects_path,
    post_envelope,
    snapshot,
    taxii_server,
)
from warroom.model.orgs import Role
from warroom.model.tlp import TLP, marking_definition
from warroom.settings import Settings
from warroom.storage.store import Store
from warroom.testing.scenario import STAMP, Member, Scenario, indicator

PAGE = 3  # the server's max_page_size in this module


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, instance_name="warroom-test", max_page_size=PAGE,
                    rate_limit=0)


@pytest.fixture
def alice(scenario: Scenario) -> Member:
    return scenario.add_org("Alpha Social")


@pytest.fixture
def bob(scenario: Scenario) -> Member:
    return scenario.add_org("Bravo Mail")


@pytest.fixture
def cols(live_url: str, alice: Member) -> Iterator[dict[str, Collection]]:
    """Alice's collections by alias."""
    with taxii_server(live_url, alice) as server:
        yield collections_by_alias(server)


def _served(envelope: dict[str, Any]) -> list[dict[str, Any]]:
    objs: list[dict[str, Any]] = envelope.get("objects", [])
    for obj in objs:
        assert_valid_stix(obj)
    return objs


def _ids(envelope: dict[str, Any]) -> set[str]:
    return {o["id"] for o in _served(envelope)}


def _everything(call: Any, **filters: Any) -> list[dict[str, Any]]:
    """Every item of a paged endpoint, following ``next`` with as_pages."""
    return [
        item for page in as_pages(call, per_request=PAGE, **filters) for item in page["objects"]
    ]


def _status_code(exc: pytest.ExceptionInfo[requests.HTTPError]) -> int:
    response = exc.value.response
    assert response is not None
    return response.status_code


# --- server information ------------------------------------------------------------------


@pytest.mark.parametrize("bearer", [False, True], ids=["basic", "bearer"])
def test_discovery_and_api_root(
    live_url: str, alice: Member, settings: Settings, bearer: bool
) -> None:
    with taxii_server(live_url, alice, bearer=bearer) as server:
        assert server.title == "warroom-test"
        assert server.default.url == f"{live_url}/taxii2/api/"
        assert [r.url for r in server.api_roots] == [f"{live_url}/taxii2/api/"]
        root = server.api_roots[0]
        assert root.title
        assert root.versions == [TAXII]
        assert root.max_content_length == settings.max_content_length


def test_collections_list_and_one_collection(live_url: str, alice: Member, store: Store) -> None:
    group = store.directory.create_group("Election night", alice.org.id)
    with taxii_server(live_url, alice) as server:
        cols = collections_by_alias(server)
        assert set(cols) == {"all", "community", "my-org", f"group-{group.id}"}
        for alias, col in cols.items():
            assert col.can_read is True
            assert col.can_write is (alias != "all")
            assert col.media_types == [STIX]
            assert col.title
        # one collection, fetched on its own (TAXII 2.1 §5.2)
        community = cols["community"]
        with Collection(community.url, user=alice.username, password=alice.key) as one:
            assert (one.id, one.title, one.alias) == (community.id, community.title, "community")
            assert one.can_write is True
    # ids are stable for the caller across requests
    with taxii_server(live_url, alice) as again:
        assert {a: c.id for a, c in collections_by_alias(again).items()} == {
            a: c.id for a, c in cols.items()
        }


# --- add objects and status --------------------------------------------------------------


def test_add_objects_complete_status_and_get_status(
    live_url: str, alice: Member, cols: dict[str, Collection]
) -> None:
    objs = [indicator(i, tlp=TLP.GREEN) for i in range(3)] + [marking_definition(TLP.GREEN)]
    status = cols["community"].add_objects({"objects": objs})
    assert status.status == "complete"
    assert (status.total_count, status.success_count) == (4, 4)
    assert (status.failure_count, status.pending_count) == (0, 0)
    assert {s["id"] for s in status.successes} == {o["id"] for o in objs}
    with taxii_server(live_url, alice) as server:
        again = collections_by_alias(server)["all"]
        fetched = server.api_roots[0].get_status(status.id)
        assert fetched.id == status.id
        assert fetched.status == "complete"
        assert (fetched.total_count, fetched.success_count, fetched.failure_count) == (4, 4, 0)
        assert _ids(again.get_objects()) == {o["id"] for o in objs[:3]}
    # re-sending the same versions is idempotent: complete, reported as already stored
    resent = cols["community"].add_objects({"objects": objs[:3]})
    assert (resent.status, resent.success_count, resent.failure_count) == ("complete", 3, 0)
    assert {s["message"] for s in resent.successes} == {"already stored"}


@pytest.mark.parametrize("tlp", list(TLP), ids=lambda t: t.slug)
def test_tlp_marking_definitions_pass_the_validator(tlp: TLP) -> None:
    assert_valid_stix(marking_definition(tlp))


# --- get objects, manifest and paging ----------------------------------------------------


def test_get_objects_pages_with_as_pages(cols: dict[str, Collection]) -> None:
    objs = [indicator(i) for i in range(7)]
    cols["community"].add_objects({"objects": objs})
    pages = list(as_pages(cols["community"].get_objects, per_request=2))
    assert [len(p.get("objects", [])) for p in pages] == [2, 2, 2, 1]
    assert [p["more"] for p in pages] == [True, True, True, False]
    assert all(p.get("next") for p in pages[:-1]) and "next" not in pages[-1]
    seen = [o["id"] for p in pages for o in _served(p)]
    assert seen == [o["id"] for o in objs]  # ascending date_added, no repeats
    # asking for more than max_page_size: the server caps, the client follows
    capped = list(as_pages(cols["community"].get_objects, per_request=10))
    assert [len(p["objects"]) for p in capped] == [PAGE, PAGE, 1]
    assert [o["id"] for p in capped for o in p["objects"]] == seen


def test_manifest_pages_with_as_pages(cols: dict[str, Collection]) -> None:
    objs = [indicator(i) for i in range(5)]
    cols["my-org"].add_objects({"objects": objs})
    pages = list(as_pages(cols["my-org"].get_manifest, per_request=2))
    assert [len(p["objects"]) for p in pages] == [2, 2, 1]
    entries = [e for p in pages for e in p["objects"]]
    assert [e["id"] for e in entries] == [o["id"] for o in objs]
    for entry in entries:
        assert set(entry) == {"id", "date_added", "version", "media_type"}
        assert entry["version"] == STAMP and entry["media_type"] == STIX
    added = [e["date_added"] for e in entries]
    assert added == sorted(added) and len(set(added)) == len(added)


# --- one object, its versions, deletion ----------------------------------------------------


def test_get_object_and_object_versions(cols: dict[str, Collection]) -> None:
    col = cols["community"]
    first = indicator(1)
    col.add_objects({"objects": [first]})
    col.add_objects({"objects": [later_version(first)]})
    versions = col.object_versions(first["id"])
    assert versions == {"more": False, "versions": [STAMP, LATER]}

    def modified(**filters: Any) -> list[str]:
        return [o["modified"] for o in _served(col.get_object(first["id"], **filters))]

    assert modified() == [LATER]  # match[version] defaults to last
    assert modified(version="last") == [LATER]
    assert modified(version="first") == [STAMP]
    assert modified(version="all") == [STAMP, LATER]
    assert modified(version=STAMP) == [STAMP]
    assert modified(version=[STAMP, LATER]) == [STAMP, LATER]
    assert modified(version=["first", "last"]) == [STAMP, LATER]
    assert modified(spec_version="2.1") == [LATER]
    with pytest.raises(requests.HTTPError) as exc:
        col.get_object(first["id"], version="2020-01-01T00:00:00.000Z")
    assert _status_code(exc) == 404
    # paging through one object's versions
    page = col.get_object(first["id"], version="all", limit=1)
    assert page["more"] is True and len(page["objects"]) == 1
    rest = col.get_object(first["id"], version="all", limit=1, next=page["next"])
    assert [o["modified"] for o in rest["objects"]] == [LATER] and rest["more"] is False


def test_delete_object_then_404(cols: dict[str, Collection]) -> None:
    col = cols["community"]
    twice, once = indicator(1), indicator(2)
    col.add_objects({"objects": [twice, later_version(twice), once]})
    col.delete_object(twice["id"], version="first")
    assert col.object_versions(twice["id"])["versions"] == [LATER]
    col.delete_object(once["id"])
    for call in (col.get_object, col.object_versions, col.delete_object):
        with pytest.raises(requests.HTTPError) as exc:
            call(once["id"])
        assert _status_code(exc) == 404
    assert {e["id"] for e in col.get_manifest()["objects"]} == {twice["id"]}
    col.delete_object(twice["id"])  # without match[version]: every version
    assert col.get_manifest() == {"more": False}


# --- filters ---------------------------------------------------------------------------------


@pytest.fixture
def mixed(cols: dict[str, Collection]) -> dict[str, dict[str, Any]]:
    """Three indicators (one with two versions), a malware and an identity, in community."""
    objs = {
        "ind1": indicator(1),
        "ind2": indicator(2),
        "ind3": indicator(3),
        "mal": malware(1),
        "who": identity(1),
    }
    cols["community"].add_objects({"objects": list(objs.values())})
    cols["community"].add_objects({"objects": [later_version(objs["ind1"])]})
    return objs


def test_match_type_id_and_spec_version(
    cols: dict[str, Collection], mixed: dict[str, dict[str, Any]]
) -> None:
    col = cols["community"]
    ind = {mixed[k]["id"] for k in ("ind1", "ind2", "ind3")}
    everything = ind | {mixed["mal"]["id"], mixed["who"]["id"]}

    def ids(**filters: Any) -> set[str]:
        envelope = col.get_objects(**filters)
        got = _ids(envelope)
        assert envelope["more"] is False, "the filtered results fit one page here"
        return got

    assert ids(type="indicator", limit=PAGE) == ind
    assert ids(type=["malware", "identity"]) == {mixed["mal"]["id"], mixed["who"]["id"]}  # OR
    assert ids(id=[mixed["ind2"]["id"], mixed["mal"]["id"]]) == {
        mixed["ind2"]["id"],
        mixed["mal"]["id"],
    }
    # different fields are AND
    assert ids(type="indicator", id=[mixed["ind2"]["id"], mixed["mal"]["id"]]) == {
        mixed["ind2"]["id"]
    }
    assert ids(type="malware", id=mixed["ind1"]["id"]) == set()
    assert ids(type=["malware", "identity"], spec_version="2.1") == everything - ind
    assert col.get_objects(spec_version="2.0") == {"more": False}
    manifest = col.get_manifest(type="indicator", id=[mixed["ind1"]["id"], mixed["mal"]["id"]])
    assert [e["id"] for e in manifest["objects"]] == [mixed["ind1"]["id"]]


def test_match_version_on_objects_and_manifest(
    cols: dict[str, Collection], mixed: dict[str, dict[str, Any]]
) -> None:
    col = cols["community"]
    target = mixed["ind1"]["id"]

    def versions(call: Any, key: str, **filters: Any) -> list[str]:
        envelope = call(id=target, **filters)
        return [o[key] for o in envelope["objects"]]

    for call, key in ((col.get_objects, "modified"), (col.get_manifest, "version")):
        assert versions(call, key) == [LATER]
        assert versions(call, key, version="last") == [LATER]
        assert versions(call, key, version="first") == [STAMP]
        assert versions(call, key, version="all") == [STAMP, LATER]
        assert versions(call, key, version=STAMP) == [STAMP]
        assert versions(call, key, version=[STAMP, "last"]) == [STAMP, LATER]
    # a timestamp matches every object having that version (all but ind1 have only STAMP)
    at_stamp = col.get_objects(version=STAMP, type="indicator")
    assert _ids(at_stamp) == {mixed[k]["id"] for k in ("ind1", "ind2", "ind3")}
    assert {o["modified"] for o in at_stamp["objects"]} == {STAMP}


def test_added_after(cols: dict[str, Collection], mixed: dict[str, dict[str, Any]]) -> None:
    col = cols["community"]
    entries = _everything(col.get_manifest, version="all")
    assert len(entries) == 6
    cut = entries[2]["date_added"]
    after = [(e["id"], e["version"]) for e in entries[3:]]
    manifest = col.get_manifest(version="all", added_after=cut)
    assert [(e["id"], e["version"]) for e in manifest["objects"]] == after
    got = col.get_objects(version="all", added_after=cut)
    assert [(o["id"], o["modified"]) for o in _served(got)] == after
    assert got["more"] is False
    # combined with a type filter (AND), and past the end
    assert _ids(col.get_objects(added_after=cut, type="malware")) == {mixed["mal"]["id"]}
    assert col.get_objects(added_after=entries[-1]["date_added"]) == {"more": False}
    # versions of one object, added after its first version
    v = col.object_versions(mixed["ind1"]["id"], added_after=entries[0]["date_added"])
    assert v["versions"] == [LATER]


def test_date_added_headers(
    live_url: str, alice: Member, cols: dict[str, Collection], mixed: dict[str, dict[str, Any]]
) -> None:
    entries = _everything(cols["community"].get_manifest, version="all")
    first_id = mixed["ind1"]["id"]
    cid = cols["community"].id
    with http(live_url, alice) as client:
        base = objects_path(cid)
        cases = {
            f"{base}?match[version]=all&limit=2": entries[:2],
            f"/taxii2/api/collections/{cid}/manifest/?match[version]=all&limit=2": entries[:2],
            f"{base}?match[version]=all&added_after={entries[1]['date_added']}": entries[2:5],
            f"{base}{first_id}/?match[version]=all": [e for e in entries if e["id"] == first_id],
            f"{base}{first_id}/versions/": [e for e in entries if e["id"] == first_id],
        }
        for url, expected in cases.items():
            resp = client.get(url)
            assert resp.status_code == 200, resp.text
            assert resp.headers["content-type"] == TAXII
            assert resp.headers["X-TAXII-Date-Added-First"] == expected[0]["date_added"], url
            assert resp.headers["X-TAXII-Date-Added-Last"] == expected[-1]["date_added"], url
        empty = client.get(f"{base}?match[type]=campaign")
        assert empty.status_code == 200 and empty.json() == {"more": False}
        assert "X-TAXII-Date-Added-First" not in empty.headers
        assert "X-TAXII-Date-Added-Last" not in empty.headers


# --- access through TAXII ----------------------------------------------------------------------


def test_other_org_cannot_see_my_org_objects(
    live_url: str, alice: Member, bob: Member, cols: dict[str, Collection]
) -> None:
    private = [indicator(1), indicator(2)]
    shared = indicator(3)
    cols["my-org"].add_objects({"objects": private})
    cols["community"].add_objects({"objects": [shared]})
    assert _ids(cols["all"].get_objects()) == {o["id"] for o in [*private, shared]}
    # "my-org" holds what the organisation authored (any audience) and what names it
    assert _ids(cols["my-org"].get_objects()) == {o["id"] for o in [*private, shared]}
    assert _ids(cols["community"].get_objects()) == {shared["id"]}
    with taxii_server(live_url, bob) as server:
        theirs = collections_by_alias(server)
        assert _ids(theirs["all"].get_objects()) == {shared["id"]}
        assert {e["id"] for e in theirs["all"].get_manifest()["objects"]} == {shared["id"]}
        assert theirs["my-org"].get_objects() == {"more": False}
        assert theirs["my-org"].id != cols["my-org"].id
        for alias in ("all", "community", "my-org"):
            for call in (theirs[alias].get_object, theirs[alias].object_versions):
                with pytest.raises(requests.HTTPError) as exc:
                    call(private[0]["id"])
                assert _status_code(exc) == 404
    with http(live_url, bob) as client:
        assert_taxii_error(client.get(objects_path(cols["my-org"].id)), 404)
        assert_taxii_error(client.get(cols["my-org"].url), 404)


def test_group_collection_is_404_for_non_members(
    live_url: str, alice: Member, bob: Member, scenario: Scenario, store: Store
) -> None:
    carol = scenario.add_org("Charlie County")
    group = store.directory.create_group("Swing states", alice.org.id)
    store.directory.add_member(group.id, carol.org.id)
    alias = f"group-{group.id}"
    obj = indicator(1, tlp=TLP.AMBER)
    with taxii_server(live_url, alice) as server:
        status = collections_by_alias(server)[alias].add_objects({"objects": [obj]})
        assert status.success_count == 1
    with taxii_server(live_url, carol) as server:
        cols = collections_by_alias(server)
        assert _ids(cols[alias].get_objects()) == {obj["id"]}
        assert _ids(cols["all"].get_object(obj["id"])) == {obj["id"]}
        group_url = cols[alias].url
        group_id = cols[alias].id
    with taxii_server(live_url, bob) as server:
        assert set(collections_by_alias(server)) == {"all", "community", "my-org"}
        with pytest.raises(requests.HTTPError) as exc:
            collections_by_alias(server)["all"].get_object(obj["id"])
        assert _status_code(exc) == 404
    before = snapshot(store)
    with http(live_url, bob) as client:
        assert_taxii_error(client.get(group_url), 404)
        assert_taxii_error(client.get(objects_path(group_id)), 404)
        assert_taxii_error(client.get(f"/taxii2/api/collections/{group_id}/manifest/"), 404)
        assert_taxii_error(client.get(f"{objects_path(group_id)}{obj['id']}/"), 404)
        assert_taxii_error(post_envelope(client, group_id, {"objects": [indicator(9)]}), 404)
        assert_taxii_error(client.delete(f"{objects_path(group_id)}{obj['id']}/"), 404)
    assert snapshot(store) == before


def test_reader_cannot_write(
    live_url: str, alice: Member, store: Store, cols: dict[str, Collection]
) -> None:
    cols["my-org"].add_objects({"objects": [indicator(1)]})
    user = store.directory.create_user(alice.org.id, "alpha-reader", Role.READER)
    _, key = store.directory.create_key(user.id, "test")
    reader = Member(alice.org, "alpha-reader", key, store.directory.principal_for_user(user.id))
    with taxii_server(live_url, reader) as server:
        theirs = collections_by_alias(server)
        assert {a: c.can_write for a, c in theirs.items()} == {
            "all": False,
            "community": False,
            "my-org": False,
        }
        assert len(_ids(theirs["my-org"].get_objects())) == 1  # the reader still reads
        with pytest.raises(AccessError):  # taxii2-client refuses before sending
            theirs["my-org"].add_objects({"objects": [indicator(2)]})
    with http(live_url, reader) as client:
        ids = collection_ids(client)
        before = snapshot(store)
        for alias in ("community", "my-org", "all"):
            assert_taxii_error(post_envelope(client, ids[alias], {"objects": [indicator(2)]}), 403)
    assert snapshot(store) == before


def test_delete_needs_write_access_and_authorship(
    live_url: str, alice: Member, bob: Member, store: Store, cols: dict[str, Collection]
) -> None:
    obj = indicator(1)
    cols["community"].add_objects({"objects": [obj]})
    before = snapshot(store)
    with http(live_url, alice) as client:
        # "all" is read-only (can_write false): no deletion through it either
        assert_taxii_error(client.delete(f"{objects_path(cols['all'].id)}{obj['id']}/"), 403)
    with http(live_url, bob) as client:
        ids = collection_ids(client)
        # bob may read the object but not delete it
        assert client.get(f"{objects_path(ids['community'])}{obj['id']}/").status_code == 200
        assert_taxii_error(client.delete(f"{objects_path(ids['community'])}{obj['id']}/"), 403)
    assert snapshot(store) == before


def test_status_is_private_to_the_requesting_org(
    live_url: str, alice: Member, bob: Member, cols: dict[str, Collection]
) -> None:
    status = cols["community"].add_objects({"objects": [indicator(1)]})
    with http(live_url, alice) as client:
        assert client.get(f"/taxii2/api/status/{status.id}/").status_code == 200
    with http(live_url, bob) as client:
        assert_taxii_error(client.get(f"/taxii2/api/status/{status.id}/"), 404)
