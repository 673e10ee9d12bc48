"""medallion 3.0.0 (the OASIS TAXII 2.1 reference server, memory backend) as a behaviour oracle.

The same request sequence goes through taxii2-client to medallion and to warroom, both on
loopback: add a batch (two versions of one object, SDOs, an SRO and an SCO), get objects and
manifests with ``as_pages``, ``match[type]``/``[id]``/``[version]``/``[spec_version]``,
``added_after``, one object, its versions, delete one version. Answers must be equal modulo
collection and status ids, ``date_added`` values, ``next`` tokens, page sizes and order: sets
of whole objects and of manifest entries are compared, version lists sorted, and medallion's
``{}`` for an empty result is read as ``{"more": false}``. An SCO has no ``modified``; both
servers version it by when it was added, so its version is compared as a placeholder.

The differences that remain are real and deliberate; ``test_known_differences`` pins each one
(see its docstring) so that a change on either side shows up here."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
from taxii2client.v21 import Collection, Server, as_pages

from tests.api.taxii_helpers import (
    LATER,
    TAXII,
    api_root,
    assert_valid_stix,
    collections_by_alias,
    domain_name,
    later_version,
    taxii_server,
)
from warroom.model.stix import canonical_json
from warroom.settings import Settings
from warroom.testing.medallion_peer import running_medallion
from warroom.testing.scenario import STAMP, Member, Scenario, indicator

PAGE = 4  # max_page_size on both servers
PER_REQUEST = 3  # what the client asks for
SEED = "parity"
LATEST = "2026-10-03T12:00:00.000Z"
SCO_VERSION = "<date added>"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, instance_name="warroom-test", max_page_size=PAGE,
                    rate_limit=0)


@dataclass
class Target:
    """One TAXII server as the client sees it."""

    name: str
    server: Server
    collection: Collection
    auth: tuple[str, str]

    def get(self, path: str, **params: str) -> httpx.Response:
        url = self.collection.url + path
        return httpx.get(url, params=params, auth=self.auth, headers={"Accept": TAXII})


@pytest.fixture
def warroom(live_url: str, scenario: Scenario) -> Iterator[Target]:
    member: Member = scenario.add_org("Parity Org")
    with taxii_server(live_url, member) as server:
        collection = collections_by_alias(server)["community"]
        yield Target("warroom", server, collection, (member.username, member.key))


@pytest.fixture
def medallion(tmp_path: Path) -> Iterator[Target]:
    with running_medallion(tmp_path, max_page_size=PAGE) as peer:
        server = Server(f"{peer.url}/taxii2/", user=peer.user, password=peer.password)
        with server:
            (collection,) = api_root(server).collections
            yield Target("medallion", server, collection, (peer.user, peer.password))


def _fixed(stix_type: str, n: int) -> str:
    return f"{stix_type}--{uuid.uuid5(uuid.NAMESPACE_URL, f'{SEED}:{stix_type}:{n}')}"


def _batches() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The same objects (same ids) for both servers: a first batch and a later one."""
    ind = [indicator(i, seed=SEED) for i in range(8)]
    mal = {
        "type": "malware",
        "spec_version": "2.1",
        "id": _fixed("malware", 1),
        "created": STAMP,
        "modified": STAMP,
        "name": "Ballot dropper",
        "is_family": True,
        "malware_types": ["dropper"],
    }
    who = {
        "type": "identity",
        "spec_version": "2.1",
        "id": _fixed("identity", 1),
        "created": STAMP,
        "modified": STAMP,
        "name": "County election office",
        "identity_class": "organization",
    }
    rel = {
        "type": "relationship",
        "spec_version": "2.1",
        "id": _fixed("relationship", 1),
        "created": STAMP,
        "modified": STAMP,
        "relationship_type": "indicates",
        "source_ref": ind[1]["id"],
        "target_ref": mal["id"],
    }
    first = [*ind[:6], later_version(ind[0]), mal, who, rel, domain_name(1)]
    second = [ind[6], ind[7], later_version(ind[1], LATEST)]
    return first, second


FIRST, SECOND = _batches()
IND0, IND1, IND2 = FIRST[0]["id"], FIRST[1]["id"], FIRST[2]["id"]
MALWARE, IDENTITY, SCO = FIRST[7]["id"], FIRST[8]["id"], FIRST[10]["id"]


def _objects(envelope: dict[str, Any]) -> list[dict[str, Any]]:
    """The objects of an envelope; medallion answers ``{}`` where warroom says
    ``{"more": false}``."""
    if envelope == {}:
        envelope = {"more": False}
    assert envelope["more"] in (True, False)
    objs: list[dict[str, Any]] = envelope.get("objects", [])
    return objs


def _version(item: dict[str, Any], key: str) -> str:
    return SCO_VERSION if item["id"] == SCO else str(item[key])


def _paged(call: Any, **filters: Any) -> list[dict[str, Any]]:
    """Every item, through as_pages; checks the paging invariants on the way."""
    pages = list(as_pages(call, per_request=PER_REQUEST, **filters))
    for page in pages[:-1]:
        assert page["more"] is True and page.get("next"), page
        assert 0 < len(page["objects"]) <= PER_REQUEST
    assert pages[-1] == {} or pages[-1]["more"] is False
    return [item for page in pages for item in _objects(page)]


def _object_set(objs: list[dict[str, Any]]) -> frozenset[bytes]:
    for obj in objs:
        assert_valid_stix(obj)
    bodies = [canonical_json(o) for o in objs]
    assert len(set(bodies)) == len(bodies), "an object was served twice"
    return frozenset(bodies)


def _manifest_set(entries: list[dict[str, Any]]) -> frozenset[tuple[str, str, str]]:
    return frozenset((e["id"], _version(e, "version"), e["media_type"]) for e in entries)


def _status(status: Any) -> tuple[Any, ...]:
    return (
        status.status,
        status.total_count,
        status.success_count,
        status.failure_count,
        status.pending_count,
        sorted((s["id"], _version(s, "version")) for s in status.successes),
        sorted((f["id"], _version(f, "version")) for f in status.failures),
    )


def _http_status(call: Any, *args: Any, **kwargs: Any) -> int:
    with pytest.raises(requests.HTTPError) as exc:
        call(*args, **kwargs)
    assert exc.value.response is not None
    return int(exc.value.response.status_code)


def _sequence(t: Target) -> dict[str, Any]:
    """The request sequence; returns normalised answers keyed by step."""
    c = t.collection
    out: dict[str, Any] = {}
    root = api_root(t.server)
    out["api_root"] = (TAXII in root.versions, root.max_content_length > 0)
    out["collection"] = (c.can_read, c.can_write, c.media_types)

    status = c.add_objects({"objects": FIRST})
    out["add_first"] = _status(status)
    out["get_status"] = _status(root.get_status(status.id))
    cut = max(e["date_added"] for e in _paged(c.get_manifest, version="all"))
    out["add_second"] = _status(c.add_objects({"objects": SECOND}))

    out["objects"] = _object_set(_paged(c.get_objects))
    for version in ("first", "last", "all", STAMP, f"{STAMP},last"):
        out[f"objects version={version}"] = _object_set(_paged(c.get_objects, version=version))
    out["manifest"] = _manifest_set(_paged(c.get_manifest))
    out["manifest version=all"] = _manifest_set(_paged(c.get_manifest, version="all"))
    out["manifest version=first"] = _manifest_set(_paged(c.get_manifest, version="first"))
    filters: dict[str, dict[str, Any]] = {
        "type=indicator": {"type": "indicator"},
        "type=malware,identity": {"type": ["malware", "identity"]},
        "type=domain-name": {"type": "domain-name"},
        "type=campaign": {"type": "campaign"},
        "id=ind2,malware": {"id": [IND2, MALWARE]},
        "id AND type": {"id": [IND2, MALWARE], "type": "malware"},
        "id=ind0 version=all": {"id": IND0, "version": "all"},
        "id=ind0 version=first": {"id": IND0, "version": "first"},
        "id=ind1 version=timestamp": {"id": IND1, "version": LATEST},
        "spec_version=2.1": {"spec_version": "2.1"},
        "spec_version=2.0": {"spec_version": "2.0"},
        "added_after": {"added_after": cut},
        "added_after version=all": {"added_after": cut, "version": "all"},
        "added_after type=indicator": {"added_after": cut, "type": "indicator"},
    }
    for name, kwargs in filters.items():
        out[f"objects {name}"] = _object_set(_paged(c.get_objects, **kwargs))
        out[f"manifest {name}"] = _manifest_set(_paged(c.get_manifest, **kwargs))

    for version in (None, "first", "last", "all", STAMP, LATER):
        kwargs = {"version": version} if version else {}
        out[f"object ind0 {version}"] = _object_set(_objects(c.get_object(IND0, **kwargs)))
    out["object sco"] = len(_objects(c.get_object(SCO)))
    out["object missing"] = _http_status(c.get_object, _fixed("indicator", 99))
    out["versions ind0"] = sorted(c.object_versions(IND0)["versions"])
    out["versions ind1"] = sorted(c.object_versions(IND1)["versions"])
    out["versions sco"] = len(c.object_versions(SCO)["versions"])
    out["versions missing"] = _http_status(c.object_versions, _fixed("indicator", 99))
    out["versions added_after"] = sorted(c.object_versions(IND1, added_after=cut)["versions"])

    c.delete_object(IND0, version="first")
    out["after delete: versions"] = sorted(c.object_versions(IND0)["versions"])
    out["after delete: object"] = _object_set(_objects(c.get_object(IND0, version="all")))
    c.delete_object(IND1, version=LATEST)
    out["after delete: ind1"] = _object_set(_objects(c.get_object(IND1)))
    out["after delete: manifest"] = _manifest_set(_paged(c.get_manifest, version="all"))
    c.delete_object(IDENTITY, version="all")
    out["after delete: identity"] = _http_status(c.get_object, IDENTITY)
    out["after delete: objects"] = _object_set(_paged(c.get_objects, version="all"))
    return out


def test_same_sequence_same_answers(warroom: Target, medallion: Target) -> None:
    ours, theirs = _sequence(warroom), _sequence(medallion)
    assert ours.keys() == theirs.keys()
    differing = {k: (ours[k], theirs[k]) for k in ours if ours[k] != theirs[k]}
    assert not differing, differing
    # and the sequence means something: spot-check the shared answers
    assert ours["add_first"][:5] == ("complete", 11, 11, 0, 0)
    assert len(ours["objects"]) == 12 and len(ours["objects version=all"]) == 14
    assert ours["versions ind0"] == [STAMP, LATER]
    assert ours["objects added_after"] == _object_set(SECOND)
    assert ours["after delete: versions"] == [LATER]
    assert ours["object missing"] == ours["after delete: identity"] == 404


def test_known_differences(warroom: Target, medallion: Target) -> None:
    """Where warroom deliberately answers differently from medallion 3.0.0:

    1. Re-sending a version that is already stored: warroom counts it as a success ("already
       stored": adding is idempotent, a retried POST reports no failure); medallion reports
       a failure ("Unable to process object").
    2. DELETE without ``match[version]``: warroom deletes every version (the whole object);
       medallion applies the default ``match[version]=last`` and deletes only the latest.
    3. Get An Object whose filters exclude every version: warroom answers 404, medallion
       200 with ``{}`` (it answers 404 only when no version exists at all).
    4. Get Object Versions: warroom lists versions in ascending ``date_added`` order (the
       order of every other list), medallion newest first.
    5. An unknown filter (``match[colour]``): warroom answers 400, medallion ignores it.
    6. ``date_added``: medallion stamps every object of one POST with the same value, so a
       client resuming with ``added_after`` = the ``X-TAXII-Date-Added-Last`` of a partial
       page skips the rest of that batch; warroom gives each object its own, strictly
       increasing ``date_added``, so nothing is skipped.
    """
    objs = [indicator(i, seed=SEED) for i in range(5)]
    twice = objs[0]
    answers: dict[str, dict[str, Any]] = {}
    for t in (warroom, medallion):
        c, a = t.collection, answers.setdefault(t.name, {})
        c.add_objects({"objects": [*objs, later_version(twice)]})
        again = c.add_objects({"objects": objs[:2]})
        a["resend"] = (again.success_count, again.failure_count)
        a["resend messages"] = {d.get("message") for d in again.successes + again.failures}
        try:
            a["filtered out"] = c.get_object(twice["id"], version="2020-01-01T00:00:00.000Z")
        except requests.HTTPError as exc:
            assert exc.response is not None
            a["filtered out"] = exc.response.status_code
        a["versions"] = c.object_versions(twice["id"])["versions"]
        unknown = t.get(f"objects/{twice['id']}/", **{"match[colour]": "red"})
        a["unknown filter"] = unknown.status_code
        head = t.get("objects/", limit="2")
        rest = t.get("objects/", added_after=head.headers["X-TAXII-Date-Added-Last"])
        a["resumed by added_after"] = len(_objects(head.json())) + len(_objects(rest.json()))
        c.delete_object(twice["id"])
        try:
            a["after delete"] = c.object_versions(twice["id"])["versions"]
        except requests.HTTPError as exc:
            assert exc.response is not None
            a["after delete"] = exc.response.status_code
    ours, theirs = answers["warroom"], answers["medallion"]
    assert (ours["resend"], theirs["resend"]) == ((2, 0), (0, 2))  # 1
    assert ours["resend messages"] == {"already stored"}
    assert theirs["resend messages"] == {"Unable to process object"}
    assert (ours["after delete"], theirs["after delete"]) == (404, [STAMP])  # 2
    assert (ours["filtered out"], theirs["filtered out"]) == (404, {})  # 3
    assert (ours["versions"], theirs["versions"]) == ([STAMP, LATER], [LATER, STAMP])  # 4
    assert (ours["unknown filter"], theirs["unknown filter"]) == (400, 200)  # 5
    assert (ours["resumed by added_after"], theirs["resumed by added_after"]) == (5, 2)  # 6
