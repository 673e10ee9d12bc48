"""Every read transport against the access oracle, on generated worlds.

Each generated example adds a new world (organisations, sharing groups, objects at random TLPs
and audiences, some anonymous, some with two versions) to a growing exchange (a fresh one every
``WORLDS_PER_EXCHANGE`` worlds, so the cost of a world stays flat), then asks every
transport, as every organisation of the world plus an outsider, what it can see: TAXII (objects,
manifest, object, versions, collections, per-collection reads), REST (search, counts and facets,
object, versions, feedback, groups) and the STIX export. Anything beyond the oracle is a leak:
an object, an id, a version or a count.

``WARROOM_ORACLE_EXAMPLES`` sets the number of worlds (CI runs enough on SQLite and PostgreSQL
for more than 10,000 organisation scenarios; the terminal summary prints the counts)."""

from __future__ import annotations

import io
import itertools
import json
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.access.oracle import TLPS, WorldGroup, WorldObject, may_see, members_shown, share_allowed
from warroom.api import create_app
from warroom.errors import WarroomError
from warroom.model.orgs import Role
from warroom.model.sharing import Recipients
from warroom.model.tlp import TLP
from warroom.services.bundles import write_bundle
from warroom.services.exchange import ExchangeService, anonymous_identity_id
from warroom.settings import Settings
from warroom.storage.objects import ObjectQuery
from warroom.storage.store import Store
from warroom.testing.asgi import InProcessClient
from warroom.testing.databases import fresh_database_url
from warroom.testing.scenario import indicator

EXAMPLES = int(os.environ.get("WARROOM_ORACLE_EXAMPLES", "150"))
# The worlds are split over independent shards so that pytest-xdist can run them side by side.
SHARDS = 6
WORLDS_PER_EXCHANGE = 100
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
# Reported by tests/conftest.py at the end of the run: worlds generated, (world, organisation)
# scenarios checked over every transport, and single access decisions compared to the oracle.
CHECKED: Counter[str] = Counter()
TAXII = "application/taxii+json;version=2.1"
LATER = "2026-10-02T12:00:00.000Z"


@dataclass(repr=False)
class Exchange:
    store: Store
    service: ExchangeService
    client: InProcessClient
    counter: Iterator[int] = field(default_factory=itertools.count)
    keys: dict[str, str] = field(default_factory=dict)  # org name -> API key
    org_ids: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    group_ids: dict[str, int] = field(default_factory=dict)
    groups: dict[str, WorldGroup] = field(default_factory=dict)
    objects: dict[str, WorldObject] = field(default_factory=dict)  # every stored object so far
    outsider: str = ""

    def __repr__(self) -> str:
        return f"Exchange({len(self.objects)} objects, {len(self.keys)} orgs)"


class Exchanges:
    """Hands out the exchange for the next world, opening a fresh one every
    ``WORLDS_PER_EXCHANGE`` worlds (every object stays visible to the oracle within it)."""

    def __init__(self, tmp_path_factory: pytest.TempPathFactory) -> None:
        self._tmp = tmp_path_factory
        self._opened = 0
        self._current: Exchange | None = None
        self._worlds = 0

    def next_world(self) -> Exchange:
        if self._current is None or self._worlds >= WORLDS_PER_EXCHANGE:
            self.close()
            self._current = self._open()
            self._worlds = 0
        self._worlds += 1
        return self._current

    def _open(self) -> Exchange:
        self._opened += 1
        url = fresh_database_url(self._tmp.mktemp("oracle"), f"oracle_{WORKER}_{self._opened}")
        settings = Settings(database_url=url, instance_name="oracle", max_page_size=1000,
                            rate_limit=0)  # the oracle sends as fast as it can
        store = Store.open(url)
        app = create_app(settings, store)
        ex = Exchange(store, app.state.exchange, InProcessClient(app))
        ex.outsider = _add_org(ex, "outsider")
        return ex

    def close(self) -> None:
        if self._current is not None:
            self._current.client.close()
            self._current.store.close()
            self._current = None


@pytest.fixture(scope="module")
def exchanges(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Exchanges]:
    opened = Exchanges(tmp_path_factory)
    yield opened
    opened.close()


def _add_org(ex: Exchange, name: str) -> str:
    org = ex.store.directory.create_org(name)
    user = ex.store.directory.create_user(org.id, f"{name}-analyst", Role.ANALYST)
    _, key = ex.store.directory.create_key(user.id)
    ex.keys[name], ex.org_ids[name], ex.users[name] = key, org.id, user.id
    return name


@st.composite
def world_plans(draw: st.DrawFn) -> dict[str, Any]:
    n_orgs = draw(st.integers(2, 4))
    orgs = list(range(n_orgs))
    groups = []
    for _ in range(draw(st.integers(0, 2))):
        owner = draw(st.sampled_from(orgs))
        members = draw(st.sets(st.sampled_from(orgs))) | {owner}
        groups.append((owner, sorted(members), draw(st.booleans()), draw(st.booleans())))
    objects = []
    for _ in range(draw(st.integers(1, 4))):
        author = draw(st.sampled_from(orgs))
        obj = {
            "author": author,
            "tlp": draw(st.sampled_from(TLPS)),
            "community": draw(st.booleans()),
            "orgs": sorted(draw(st.sets(st.sampled_from(orgs), max_size=2))),
            "to_outsider": draw(st.booleans()),
            "groups": sorted(draw(st.sets(st.integers(0, 1), max_size=2))),
            "anonymous": draw(st.integers(0, 4)) == 0,
            "versions": draw(st.integers(1, 2)),
        }
        if draw(st.integers(0, 4)) > 0:  # mostly shares the rules allow (the rest are refused)
            obj["groups"] = [g for g in obj["groups"] if g < len(groups)
                             and author in groups[g][1]]
            if obj["community"]:
                obj["tlp"] = draw(st.sampled_from(["clear", "green"]))
            elif obj["groups"] and obj["tlp"] == "red":
                obj["tlp"] = "amber"
        objects.append(obj)
    return {"orgs": n_orgs, "groups": groups, "objects": objects}


def _build(ex: Exchange, plan: dict[str, Any]) -> tuple[list[str], list[str], list[WorldObject]]:
    world = next(ex.counter)
    orgs = [_add_org(ex, f"w{world}-{i}") for i in range(plan["orgs"])]
    group_keys: list[str] = []
    for gi, (owner, members, confidential, with_outsider) in enumerate(plan["groups"]):
        key = f"w{world}-g{gi}"
        group = ex.store.directory.create_group(key, ex.org_ids[orgs[owner]], confidential)
        names = {orgs[m] for m in members} | ({ex.outsider} if with_outsider else set())
        for name in names:
            ex.store.directory.add_member(group.id, ex.org_ids[name])
        ex.group_ids[key] = group.id
        ex.groups[key] = WorldGroup(key, orgs[owner], names | {orgs[owner]}, confidential)
        group_keys.append(key)
    created: list[WorldObject] = []
    for spec in plan["objects"]:
        author = orgs[spec["author"]]
        obj = WorldObject(
            id="",
            author=author,
            tlp=spec["tlp"],
            community=spec["community"],
            orgs={orgs[i] for i in spec["orgs"]}
            | ({ex.outsider} if spec["to_outsider"] else set()),
            groups={group_keys[g] for g in spec["groups"] if g < len(group_keys)},
            anonymous=spec["anonymous"],
        )
        principal = ex.store.directory.principal_for_user(ex.users[author])
        identity = ex.store.directory.get_org(ex.org_ids[author]).identity_id
        stix = indicator(next(ex.counter), tlp=TLP.parse(obj.tlp), created_by=identity)
        recipients = Recipients(
            community=obj.community,
            org_ids=frozenset(ex.org_ids[o] for o in obj.orgs),
            group_ids=frozenset(ex.group_ids[g] for g in obj.groups),
        )
        bodies = [stix] + ([{**stix, "modified": LATER}] if spec["versions"] == 2 else [])
        accepted = True
        for body in bodies:
            try:
                ex.service.share(
                    principal, [body], recipients, anonymous=obj.anonymous, transport="rest"
                )
            except WarroomError:
                accepted = False
                break
        assert accepted == share_allowed(obj, ex.groups), (obj, ex.groups)
        if accepted:
            obj.id = stix["id"]
            obj.versions = [b["modified"] for b in bodies]
            ex.objects[obj.id] = obj
            created.append(obj)
    return orgs, group_keys, created


def _get(ex: Exchange, org: str, path: str, **params: str) -> Any:
    response = ex.client.get(
        path, params=params, headers={"Authorization": f"Bearer {ex.keys[org]}", "Accept": TAXII}
    )
    return response


def _collections(ex: Exchange, org: str) -> dict[str, str]:
    body = _get(ex, org, "/taxii2/api/collections/").json()
    return {c["alias"]: c["id"] for c in body["collections"]}


def _check_org(
    ex: Exchange, org: str, world_groups: list[str], world_objects: list[WorldObject]
) -> None:
    ids = [o.id for o in world_objects]
    expect = {o.id for o in world_objects if may_see(org, o, ex.groups)}
    collections = _collections(ex, org)
    # collections: exactly the groups the org belongs to (of this world)
    for key in world_groups:
        alias = f"group-{ex.group_ids[key]}"
        assert (alias in collections) == (org in ex.groups[key].members)
    base = f"/taxii2/api/collections/{collections['all']}"
    if ids:
        got = _get(
            ex, org, f"{base}/objects/", **{"match[id]": ",".join(ids), "match[version]": "all"}
        ).json()
        served = {(o["id"], o["modified"]) for o in got.get("objects", [])}
        assert served == {(i, v) for i in expect for v in ex.objects[i].versions}, (
            org,
            served,
            expect,
        )
        for o in got.get("objects", []):
            world_obj = ex.objects[o["id"]]
            shown_author = o.get("created_by_ref")
            if world_obj.anonymous and org != world_obj.author:
                assert shown_author == anonymous_identity_id("oracle")
            else:
                assert (
                    shown_author
                    == ex.store.directory.get_org(ex.org_ids[world_obj.author]).identity_id
                )
        manifest = _get(ex, org, f"{base}/manifest/", **{"match[id]": ",".join(ids)}).json()
        assert {m["id"] for m in manifest.get("objects", [])} == expect
    for obj in world_objects:
        visible = obj.id in expect
        one = _get(ex, org, f"{base}/objects/{obj.id}/")
        assert one.status_code == (200 if visible else 404), (org, obj)
        versions = _get(ex, org, f"{base}/objects/{obj.id}/versions/")
        assert versions.status_code == (200 if visible else 404)
        if visible:
            assert sorted(versions.json()["versions"]) == sorted(obj.versions)
        if not visible:
            assert obj.id not in one.text and obj.id not in versions.text
    # per-collection reads
    for alias, cid in collections.items():
        if alias == "all" or not ids:
            continue
        got = _get(
            ex, org, f"/taxii2/api/collections/{cid}/objects/", **{"match[id]": ",".join(ids)}
        ).json()
        served_ids = {o["id"] for o in got.get("objects", [])}
        if alias == "community":
            wanted = {i for i in expect if ex.objects[i].community}
        elif alias == "my-org":
            wanted = {i for i in expect if ex.objects[i].author == org or org in ex.objects[i].orgs}
        else:
            gid = int(alias.removeprefix("group-"))
            wanted = {i for i in expect if gid in {ex.group_ids[g] for g in ex.objects[i].groups}}
        assert served_ids == wanted, (org, alias, served_ids, wanted)
    for key in world_groups:
        # a group's collection, as its owner sees it, answers 404 to organisations outside it
        cid = _collections(ex, ex.groups[key].owner)[f"group-{ex.group_ids[key]}"]
        inside = org in ex.groups[key].members
        for path in (f"/taxii2/api/collections/{cid}/", f"/taxii2/api/collections/{cid}/objects/"):
            assert _get(ex, org, path).status_code == (200 if inside else 404), (org, key, path)
    _check_rest(ex, org, world_groups, world_objects, expect)
    _check_export(ex, org, world_objects, expect)


def _check_export(
    ex: Exchange, org: str, world_objects: list[WorldObject], expect: set[str]
) -> None:
    """The STIX export (the CLI's `warroom export`): a bundle of exactly what the org may read."""
    if not world_objects:
        return
    principal = ex.store.directory.principal_for_user(ex.users[org])
    out = io.BytesIO()
    write_bundle(out, ex.service, principal, ObjectQuery(ids=tuple(o.id for o in world_objects)))
    exported = {o["id"] for o in json.loads(out.getvalue())["objects"] if o["type"] == "indicator"}
    assert exported == expect, (org, exported, expect)


def _check_rest(
    ex: Exchange,
    org: str,
    world_groups: list[str],
    world_objects: list[WorldObject],
    expect: set[str],
) -> None:
    """The REST transport: search, counts/facets, object, versions, feedback, groups."""
    headers = {"Authorization": f"Bearer {ex.keys[org]}"}
    visible_all = {i for i, o in ex.objects.items() if may_see(org, o, ex.groups)}
    counts = ex.client.get(
        "/api/v1/objects/counts", params={"group_by": "tlp", "type": "indicator"}, headers=headers
    )
    assert counts.status_code == 200, counts.text
    expected_tlps: dict[str, int] = {}
    for i in visible_all:
        expected_tlps[ex.objects[i].tlp] = expected_tlps.get(ex.objects[i].tlp, 0) + 1
    assert counts.json()["counts"] == expected_tlps, (org, counts.json(), expected_tlps)
    for obj in world_objects:
        visible = obj.id in expect
        one = ex.client.get(f"/api/v1/objects/{obj.id}", headers=headers)
        assert one.status_code == (200 if visible else 404), (org, obj, one.text)
        versions = ex.client.get(f"/api/v1/objects/{obj.id}/versions", headers=headers)
        assert versions.status_code == (200 if visible else 404)
        feedback = ex.client.get(f"/api/v1/objects/{obj.id}/feedback", headers=headers)
        assert feedback.status_code == (200 if visible else 404)
    if world_objects:
        search = ex.client.get(
            "/api/v1/objects", params={"id": ",".join(o.id for o in world_objects)}, headers=headers
        )
        assert search.status_code == 200, search.text
        assert {o["id"] for o in search.json()["objects"]} == expect
    for key in world_groups:
        group = ex.groups[key]
        got = ex.client.get(f"/api/v1/groups/{ex.group_ids[key]}", headers=headers)
        if org in group.members or org == group.owner:
            assert got.status_code == 200
            shown = {m["name"] if isinstance(m, dict) else m for m in got.json()["members"]}
            assert shown == members_shown(org, group), (org, group, shown)
        else:
            assert got.status_code == 404


@pytest.mark.parametrize("shard", range(SHARDS))
@settings(
    max_examples=-(-EXAMPLES // SHARDS),
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
@given(plan=world_plans())
def test_every_transport_matches_oracle(
    exchanges: Exchanges, shard: int, plan: dict[str, Any]
) -> None:
    exchange = exchanges.next_world()
    orgs, world_groups, world_objects = _build(exchange, plan)
    CHECKED["worlds"] += 1
    event(f"objects stored: {len(world_objects)}")
    event(f"groups: {len(world_groups)}")
    for org in [*orgs, exchange.outsider]:
        _check_org(exchange, org, world_groups, world_objects)
        if world_objects:  # only a world with something to read tests what an org may read
            CHECKED["organisation scenarios"] += 1
            event("an organisation sees " + ("some" if any(
                may_see(org, o, exchange.groups) for o in world_objects) else "none") +
                " of the world's objects")
        CHECKED["object decisions"] += len(world_objects)


def test_the_oracle_fails_when_non_members_reach_a_group_collection(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The oracle's group-collection check can fail: with a policy that resolves any group's
    collection for anyone, a non-member gets 200 where the rules say 404."""
    from warroom import policy
    from warroom.model.collections import CollectionKind, CollectionRef

    exchanges = Exchanges(tmp_path_factory)
    try:
        ex = exchanges.next_world()
        plan = {
            "orgs": 2,
            "groups": [(0, [0], False, False)],
            "objects": [{"author": 0, "tlp": "amber", "community": False, "orgs": [],
                         "to_outsider": False, "groups": [0], "anonymous": False,
                         "versions": 1}],
        }
        orgs, world_groups, world_objects = _build(ex, plan)
        _check_org(ex, orgs[1], world_groups, world_objects)  # the real policy passes
        real = policy.collection_visible

        def leaky(principal: Any, collection_id: str, groups: Any) -> CollectionRef:
            for group in ex.store.directory.groups().values():
                ref = CollectionRef(CollectionKind.GROUP, group.id)
                if ref.id == collection_id:
                    return ref
            return real(principal, collection_id, groups)

        monkeypatch.setattr(policy, "collection_visible", leaky)
        with pytest.raises(AssertionError):
            _check_org(ex, orgs[1], world_groups, world_objects)
    finally:
        exchanges.close()
