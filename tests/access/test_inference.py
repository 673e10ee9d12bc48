"""The inference oracle: worlds that differ only in something hidden from a caller give that
caller identical answers on every transport (DESIGN.md, "Access model"; docs/security.md).

Each example draws a small world (organisations, sharing groups, objects at every TLP and
audience, versions, anonymous submissions, reads and sightings), a caller, one **hidden change**
and a set of probes. Two exchanges receive the same steps at the same instants with the same
randomness; one of them also receives the hidden change. The caller then probes both — TAXII
(collections, objects, manifests, one object, versions, per-collection reads, pagination through
``next``), REST (search with every filter, counts and facets, object, versions, feedback,
groups, /me, the audit log with its cursor), the STIX export, and writes whose refusal could
tell something (reusing an id, sharing an observable someone else holds, group and user names,
revoking another organisation's key, deleting a hidden object) — and every answer must be equal.
Page tokens are compared by value too: a token may only carry what the caller already sees.

The hidden changes ("deltas"): a hidden object (an indicator or an observable), a hidden newer,
older or same-version re-share of an object the caller reads, a hidden member of a confidential
group the caller is in (who then reads), who authored an anonymous submission, who gave feedback
in a confidential group, the name of a group the caller is not in, a user name or an API key of
another organisation, and an instance admin's change to a confidential group.

``WARROOM_INFERENCE_EXAMPLES`` sets the number of world pairs (CI: ≥ 10,000 on SQLite and on
PostgreSQL). With ``WARROOM_INFERENCE_REPORT=FILE`` differences are written to FILE as JSON lines
instead of failing (used to count what the oracle finds on an older commit)."""

from __future__ import annotations

import io
import json
import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.access.metamorphic import (
    T0,
    Answer,
    Determinism,
    Difference,
    World,
    close_world,
    observe,
    open_world,
    tokens_in,
)
from warroom.model.orgs import Role
from warroom.model.sharing import Recipients
from warroom.model.stix import format_timestamp
from warroom.model.tlp import TLP
from warroom.services.bundles import write_bundle
from warroom.storage.objects import ObjectQuery

EXAMPLES = int(os.environ.get("WARROOM_INFERENCE_EXAMPLES", "120"))
REPORT = os.environ.get("WARROOM_INFERENCE_REPORT")
SHARDS = 6
PAIRS_PER_EXCHANGE = int(os.environ.get("WARROOM_INFERENCE_PAIRS_PER_EXCHANGE", "60"))
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
CHECKED: Counter[str] = Counter()
"""Reported by tests/conftest.py: world pairs compared, probes, requests, and deltas by kind."""

CREATED = "2026-09-01T00:00:00.000Z"
VERSION_TIMES = {"older": "2026-09-10T00:00:00.000Z", "v1": "2026-09-20T00:00:00.000Z",
                 "v2": "2026-09-25T00:00:00.000Z", "newer": "2026-09-28T00:00:00.000Z"}
SECOND = 1_000_000


# --- the plan -------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupSpec:
    owner: int
    members: frozenset[int]  # includes the owner
    confidential: bool


@dataclass(frozen=True)
class ObjectSpec:
    key: str
    author: int
    tlp: str
    community: bool
    orgs: frozenset[int]
    groups: frozenset[int]
    anonymous: bool
    kind: str  # indicator | domain-name
    versions: int


@dataclass(frozen=True)
class Delta:
    kind: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Plan:
    n_orgs: int
    groups: tuple[GroupSpec, ...]
    objects: tuple[ObjectSpec, ...]
    readers: tuple[int, ...]
    sightings: tuple[tuple[int, str], ...]
    caller: int
    delta: Delta
    probes: tuple[str, ...]
    page_size: int
    version: str
    other_object: int = 0  # which other object the per-id probes also ask for


def readable(org: int, obj: ObjectSpec, groups: tuple[GroupSpec, ...]) -> bool:
    return (
        org == obj.author
        or obj.community
        or org in obj.orgs
        or any(org in groups[g].members for g in obj.groups)
    )


def audience_for(draw: st.DrawFn, author: int, orgs: list[int], groups: tuple[GroupSpec, ...],
                 exclude: int | None = None) -> tuple[bool, frozenset[int], frozenset[int], str]:
    """A valid audience for ``author`` (community, named orgs, its groups) and a TLP that
    agrees with it; with ``exclude``, one that organisation cannot read."""
    allowed_groups = [i for i, g in enumerate(groups) if author in g.members
                      and (exclude is None or exclude not in g.members)]
    others = [o for o in orgs if o != exclude]
    community = exclude is None and draw(st.booleans())
    named = frozenset(draw(st.sets(st.sampled_from(others), max_size=2))) if others else frozenset()
    chosen = (frozenset(draw(st.sets(st.sampled_from(allowed_groups), max_size=2)))
              if allowed_groups else frozenset())
    if community:
        tlp = draw(st.sampled_from(["clear", "green"]))
    elif chosen:
        tlp = draw(st.sampled_from(["green", "amber", "amber+strict"]))
    else:
        tlp = draw(st.sampled_from(["green", "amber", "amber+strict", "red"]))
    return community, named, chosen, tlp


READ_PROBES = (
    "taxii.collections", "taxii.objects", "taxii.manifest", "taxii.collection_objects",
    "taxii.object", "taxii.versions", "taxii.types", "taxii.status", "rest.search",
    "rest.author", "rest.counts", "rest.object", "rest.groups", "rest.me", "rest.audit",
    "export",
)
WRITE_PROBES = ("write.reuse_id", "write.sco", "write.sighting", "write.delete",
                "write.version")
DELTA_PROBES = {
    "hidden_object": ("taxii.object", "taxii.versions", "rest.object", "write.reuse_id",
                      "write.sco", "write.delete"),
    "hidden_version": ("taxii.object", "taxii.versions", "rest.object", "taxii.objects",
                       "rest.search", "rest.counts"),
    "hidden_member": ("rest.groups", "rest.audit", "taxii.collections"),
    "hidden_author": ("rest.author", "rest.counts", "rest.audit", "export"),
    "hidden_sighter": ("rest.object", "taxii.types", "rest.search", "rest.audit"),
    "hidden_group_name": ("write.group_name",),
    "hidden_username": ("write.username",),
    "hidden_key": ("write.revoke_key",),
    "hidden_admin": ("rest.audit",),
}
DELTAS = tuple(DELTA_PROBES)


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    kind = draw(st.sampled_from(DELTAS))
    n_orgs = draw(st.integers(3, 4))
    orgs = list(range(n_orgs))
    caller = draw(st.sampled_from(orgs))
    others = [o for o in orgs if o != caller]
    groups: list[GroupSpec] = []
    if kind in ("hidden_member", "hidden_sighter"):
        # the place such a change needs: a confidential group the caller is in but does not
        # own, with another member besides the owner and room for one more
        owner, other = draw(st.lists(st.sampled_from(others), min_size=2, max_size=2,
                                     unique=True))
        members = {owner, caller} | ({other} if kind == "hidden_sighter" else set())
        groups.append(GroupSpec(owner, frozenset(members), True))
    for _ in range(draw(st.integers(1, 2)) - len(groups)):
        owner = draw(st.sampled_from(orgs))
        members = frozenset(draw(st.sets(st.sampled_from(orgs), min_size=1))) | {owner}
        groups.append(GroupSpec(owner, members, draw(st.booleans())))
    group_specs = tuple(groups)
    objects: list[ObjectSpec] = []
    if kind == "hidden_sighter":
        author = draw(st.sampled_from(sorted(group_specs[0].members)))
        objects.append(ObjectSpec("o0", author, draw(st.sampled_from(["amber", "green"])),
                                  False, frozenset(), frozenset({0}), draw(st.booleans()),
                                  "indicator", 1))
    elif kind == "hidden_author":
        author = draw(st.sampled_from(others))
        community, named, _, tlp = audience_for(draw, author, orgs, ())
        objects.append(ObjectSpec("o0", author, tlp, community, named, frozenset(), True,
                                  "indicator", draw(st.integers(1, 2))))
    for i in range(len(objects), draw(st.integers(2, 4))):
        author = draw(st.sampled_from(orgs))
        community, named, chosen, tlp = audience_for(draw, author, orgs, group_specs)
        objects.append(ObjectSpec(
            f"o{i}", author, tlp, community, named, chosen,
            anonymous=draw(st.integers(0, 2)) == 0,
            kind=draw(st.sampled_from(["indicator", "indicator", "domain-name"])),
            versions=draw(st.integers(1, 2)),
        ))
    delta = draw(deltas(kind, orgs, caller, group_specs, tuple(objects)))
    readers = tuple(draw(st.lists(st.sampled_from(orgs), max_size=2, unique=True)))
    sightings = tuple(
        (org, obj.key)
        for org, obj in draw(st.lists(st.tuples(st.sampled_from(orgs),
                                                st.sampled_from(objects)), max_size=2))
        if readable(org, obj, group_specs) and obj.kind == "indicator"
        and not acts_on_the_change(org, obj, delta, group_specs)
    )
    # each pair runs the probes its change calls for and a few others (every probe runs in
    # thousands of pairs over a CI run)
    probes = set(draw(st.sets(st.sampled_from(READ_PROBES), min_size=1, max_size=3)))
    probes |= set(DELTA_PROBES[delta.kind])
    probes |= set(draw(st.sets(st.sampled_from(WRITE_PROBES), max_size=2)))
    return Plan(n_orgs, group_specs, tuple(objects), readers, sightings, caller, delta,
                tuple(sorted(probes)), draw(st.integers(2, 4)),
                draw(st.sampled_from(["last", "first", "all"])), draw(st.integers(0, 3)))


def acts_on_the_change(org: int, obj: ObjectSpec, delta: Delta,
                       groups: tuple[GroupSpec, ...]) -> bool:
    """Whether feedback by ``org`` on ``obj`` would rest on the hidden change: ``org`` reads
    the hidden version (its feedback goes to the audience of the version it reads), or it is
    one of the two candidate authors of the object (what each may read differs between the
    worlds). Such feedback is an action of someone who sees more, not an answer to the caller,
    so the plan leaves it out (docs/security.md, "What is knowingly revealed")."""
    if delta.kind == "hidden_author" and delta.params["object"] == obj.key:
        return org in (obj.author, delta.params["author"])
    if delta.kind != "hidden_version" or delta.params["object"] != obj.key:
        return False
    return (org == obj.author or org in delta.params["orgs"]
            or any(org in groups[g].members for g in delta.params["groups"]))


@st.composite
def deltas(draw: st.DrawFn, kind: str, orgs: list[int], caller: int,
           groups: tuple[GroupSpec, ...], objects: tuple[ObjectSpec, ...]) -> Delta:
    """One hidden change of ``kind``; falls back to a hidden object when the world offers no
    place for it (rare: ``plans`` builds the place each kind needs)."""
    others = [o for o in orgs if o != caller]
    if kind == "hidden_version":
        candidates = [o for o in objects if o.author != caller and o.kind == "indicator"
                      and readable(caller, o, groups)]
        if candidates:
            obj = draw(st.sampled_from(candidates))
            community, named, chosen, tlp = audience_for(draw, obj.author, orgs, groups,
                                                         exclude=caller)
            when = draw(st.sampled_from(["newer", "older", "same"]))
            if when == "same":  # the very same version, re-shared to a hidden audience
                tlp = obj.tlp
                chosen = frozenset() if tlp == "red" else chosen
            return Delta(kind, {"object": obj.key, "orgs": named, "groups": chosen,
                                "tlp": tlp, "when": when})
    if kind == "hidden_member":
        candidates = [i for i, g in enumerate(groups) if g.confidential
                      and caller in g.members and caller != g.owner
                      and any(o not in g.members for o in orgs)]
        if candidates:
            gi = draw(st.sampled_from(candidates))
            member = draw(st.sampled_from([o for o in orgs if o not in groups[gi].members]))
            return Delta(kind, {"group": gi, "member": member})
    if kind == "hidden_author":
        candidates = [o for o in objects if o.anonymous and o.author != caller and not o.groups]
        if candidates and len(others) >= 2:
            obj = draw(st.sampled_from(candidates))
            other = draw(st.sampled_from([o for o in others if o != obj.author]))
            return Delta(kind, {"object": obj.key, "author": other})
    if kind == "hidden_sighter":
        candidates = []
        for obj in objects:
            if obj.kind != "indicator":
                continue
            for gi in obj.groups:
                g = groups[gi]
                sighters = sorted(g.members - {caller})
                if g.confidential and caller in g.members and caller != g.owner \
                        and len(sighters) >= 2:
                    candidates.append((obj.key, sighters))
        if candidates:
            key, sighters = draw(st.sampled_from(candidates))
            first, second = draw(st.lists(st.sampled_from(sighters), min_size=2, max_size=2,
                                          unique=True))
            return Delta(kind, {"object": key, "sighters": (first, second)})
    if kind == "hidden_group_name":
        return Delta(kind, {"owner": draw(st.sampled_from(others)),
                            "confidential": draw(st.booleans())})
    if kind == "hidden_username":
        return Delta(kind, {"org": draw(st.sampled_from(others))})
    if kind == "hidden_key":
        return Delta(kind, {"org": draw(st.sampled_from(others))})
    if kind == "hidden_admin":
        owner = draw(st.sampled_from(others))
        member = draw(st.sampled_from(others))  # never the caller: that would not be hidden
        return Delta(kind, {"owner": owner, "member": member})
    author = draw(st.sampled_from(others))
    community, named, chosen, tlp = audience_for(draw, author, orgs, groups, exclude=caller)
    return Delta("hidden_object", {
        "author": author, "orgs": named, "groups": chosen, "tlp": tlp,
        "anonymous": draw(st.booleans()),
        "kind": draw(st.sampled_from(["indicator", "domain-name"])),
    })


# --- building a world -------------------------------------------------------------------------


@dataclass
class Pair:
    """Two worlds in lockstep: ``base`` without the hidden change, ``changed`` with it."""

    base: World
    changed: World
    clock: Determinism
    index: int
    step_no: int = 0

    @property
    def start(self) -> int:
        return T0 + self.index * 100_000 * SECOND

    def _at(self, offset: float) -> int:
        return self.start + int(offset * SECOND)

    def both(self, label: str, action: Callable[[World], Any]) -> tuple[Any, Any]:
        """A step both worlds take, at the same instant with the same randomness."""
        self.step_no += 1
        at = self._at(self.step_no)
        results = []
        for world in (self.base, self.changed):
            with self.clock.step(at, f"{self.index}:{self.step_no}:{label}"):
                results.append(action(world))
        return results[0], results[1]

    def each(self, label: str, base: Callable[[World], Any] | None,
             changed: Callable[[World], Any] | None) -> None:
        """A step that differs between the worlds (the hidden change), half a second after the
        previous step so it moves no later step."""
        at = self._at(self.step_no + 0.5)
        for world, action in ((self.base, base), (self.changed, changed)):
            if action is not None:
                with self.clock.step(at, f"{self.index}:{self.step_no}.5:{label}"):
                    action(world)


def _ts(micros: int) -> str:
    return format_timestamp(micros)


def stix_object(spec_key: str, kind: str, pair: Pair, *, author_identity: str, tlp: str,
                modified: str = VERSION_TIMES["v1"], value_label: str | None = None,
                ) -> dict[str, Any]:
    marking = TLP.parse(tlp).marking_id
    label = value_label or f"{pair.index}-{spec_key}"
    if kind == "domain-name":
        import uuid

        value = f"vote-{label}.example.com"
        return {"type": "domain-name", "spec_version": "2.1",
                "id": f"domain-name--{uuid.uuid5(uuid.NAMESPACE_DNS, value)}",
                "value": value, "object_marking_refs": [marking]}
    import uuid

    return {
        "type": "indicator", "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid5(uuid.NAMESPACE_URL, 'inference:' + label)}",
        "created": CREATED, "modified": modified, "name": f"Lookalike {label}",
        "pattern": f"[domain-name:value = 'vote-{label}.example.com']",
        "pattern_type": "stix", "valid_from": CREATED, "created_by_ref": author_identity,
        "indicator_types": ["malicious-activity"], "object_marking_refs": [marking],
    }


class Builder:
    """Runs a plan against a pair of worlds and knows every label's ids."""

    def __init__(self, pair: Pair, plan: Plan) -> None:
        self.pair = pair
        self.plan = plan
        self.prefix = f"p{WORKER}-{pair.index}"
        self.object_ids: dict[str, str] = {}
        self.hidden_key_id: int | None = None
        self.hidden_name = ""
        self.statuses: dict[str, list[str]] = {"base": [], "changed": []}

    def org(self, i: int) -> str:
        return f"{self.prefix}-org{i}"

    def user(self, i: int) -> str:
        return f"{self.prefix}-org{i}-admin"

    # steps ---------------------------------------------------------------------------
    def build(self) -> None:
        pair, plan = self.pair, self.plan
        for i in range(plan.n_orgs):
            pair.both(f"org{i}", lambda w, i=i: self._add_org(w, i))
        if plan.delta.kind == "hidden_admin":
            pair.both("root", lambda w: self._add_user(w, plan.caller, "root", Role.ADMIN,
                                                         instance_admin=True))
        for gi, g in enumerate(plan.groups):
            pair.both(f"group{gi}", lambda w, gi=gi, g=g: self._add_group(w, gi, g))
        self._delta_before_objects()
        for obj in plan.objects:
            self._share_object(obj)
        self._delta_after_objects()
        for reader in plan.readers:
            pair.both(f"read{reader}", lambda w, r=reader: self._read_feed(w, r))
        for n, (org, key) in enumerate(plan.sightings):
            pair.both(f"sight{n}", lambda w, o=org, k=key: self._sight(w, o, k))
        self._delta_last()

    def _add_org(self, w: World, i: int) -> None:
        org = w.store.directory.create_org(self.org(i))
        w.ids[self.org(i)] = org.id
        self._add_user(w, i, "admin", Role.ADMIN)

    def _add_user(self, w: World, i: int, name: str, role: Role,
                  instance_admin: bool = False) -> None:
        label = f"{self.org(i)}-{name}"
        user = w.store.directory.create_user(w.ids[self.org(i)], label, role,
                                             instance_admin=instance_admin)
        _, key = w.store.directory.create_key(user.id, "oracle")
        w.keys[label], w.ids[label] = key, user.id

    def _add_group(self, w: World, gi: int, g: GroupSpec, name: str | None = None) -> int:
        group = w.store.directory.create_group(
            name or f"{self.prefix}-g{gi}", w.ids[self.org(g.owner)], g.confidential)
        for m in sorted(g.members - {g.owner}):
            w.store.directory.add_member(group.id, w.ids[self.org(m)])
        w.ids[f"group{gi}"] = group.id
        return int(group.id)

    def _principal(self, w: World, i: int) -> Any:
        return w.store.directory.principal_for_user(w.ids[self.user(i)])

    def _identity(self, w: World, i: int) -> str:
        return str(w.store.directory.get_org(w.ids[self.org(i)]).identity_id)

    def _share(self, w: World, author: int, body: dict[str, Any], community: bool,
               orgs: frozenset[int], groups: frozenset[int], anonymous: bool,
               world: str) -> None:
        recipients = Recipients(
            community=community,
            org_ids=frozenset(w.ids[self.org(o)] for o in orgs),
            group_ids=frozenset(w.ids[f"group{g}"] for g in groups),
        )
        result = w.service.share(self._principal(w, author), [body], recipients,
                                 anonymous=anonymous, transport="rest")
        if author == self.plan.caller:
            self.statuses[world].append(result.status.id)

    def _share_object(self, obj: ObjectSpec) -> None:
        delta = self.plan.delta
        author_changed = (delta.params["author"]
                          if delta.kind == "hidden_author" and delta.params["object"] == obj.key
                          else obj.author)
        stamps = ["v1", "v2"][: obj.versions]
        for stamp in stamps:
            def share(w: World, author: int, stamp: str = stamp) -> None:
                body = stix_object(obj.key, obj.kind, self.pair,
                                   author_identity=self._identity(w, author), tlp=obj.tlp,
                                   modified=VERSION_TIMES[stamp])
                self.object_ids[obj.key] = body["id"]
                world = "base" if w is self.pair.base else "changed"
                self._share(w, author, body, obj.community, obj.orgs, obj.groups,
                            obj.anonymous, world)

            if author_changed == obj.author:
                self.pair.both(f"share-{obj.key}-{stamp}", lambda w: share(w, obj.author))
            else:  # the hidden change: who authored this anonymous submission
                self.pair.step_no += 1
                at = self.pair._at(self.pair.step_no)
                for world, author in ((self.pair.base, obj.author),
                                      (self.pair.changed, author_changed)):
                    with self.pair.clock.step(at, f"{self.pair.index}:{self.pair.step_no}"):
                        share(world, author)
            if obj.kind == "domain-name":
                break  # an observable has no versions of its own

    def _read_feed(self, w: World, reader: int) -> None:
        after = _ts(self.pair.start)
        w.request("GET", f"/taxii2/api/collections/{_all_collection(w, self.user(reader))}"
                  "/objects/", self.user(reader), params={"added_after": after})

    def _sight(self, w: World, org: int, key: str) -> None:
        w.request("POST", f"/api/v1/objects/{self.object_ids[key]}/sightings",
                  self.user(org), json={"note": "seen here too"})

    # the hidden change ---------------------------------------------------------------
    def _delta_before_objects(self) -> None:
        d, pair = self.plan.delta, self.pair
        if d.kind == "hidden_member":
            gi, member = d.params["group"], d.params["member"]
            pair.each("join", None, lambda w: w.store.directory.add_member(
                w.ids[f"group{gi}"], w.ids[self.org(member)]))
        elif d.kind == "hidden_group_name":
            self.hidden_name = f"{self.prefix}-probe-group"
            spec = GroupSpec(d.params["owner"], frozenset({d.params["owner"]}),
                             d.params["confidential"])
            pair.both("hidden-group", lambda w: self._add_group(
                w, 9, spec, f"{self.prefix}-secret-group" if w is pair.base
                else self.hidden_name))
        elif d.kind == "hidden_username":
            self.hidden_name = f"{self.prefix}-probe-user"
            org = d.params["org"]
            pair.both("hidden-user", lambda w: self._add_user(
                w, org, "zuser" if w is pair.base else "probe-user", Role.READER))
            # the caller will try this name in its own organisation
            self.hidden_name = f"{self.org(org)}-probe-user"
        elif d.kind == "hidden_key":
            org = d.params["org"]

            def extra_key(w: World) -> None:
                key, _ = w.store.directory.create_key(w.ids[self.user(org)], "hidden")
                self.hidden_key_id = key.id

            pair.each("hidden-key", None, extra_key)

    def _delta_after_objects(self) -> None:
        d, pair = self.plan.delta, self.pair
        if d.kind == "hidden_object":
            spec = ObjectSpec("hidden", d.params["author"], d.params["tlp"], False,
                              d.params["orgs"], d.params["groups"], d.params["anonymous"],
                              d.params["kind"], 1)

            def share_hidden(w: World) -> None:
                body = stix_object("hidden", spec.kind, pair,
                                   author_identity=self._identity(w, spec.author), tlp=spec.tlp,
                                   modified=VERSION_TIMES["v1"])
                self.object_ids["hidden"] = body["id"]
                self._share(w, spec.author, body, False, spec.orgs, spec.groups,
                            spec.anonymous, "changed")

            pair.each("hidden-object", None, share_hidden)
            # the id is known in both worlds (the caller probes it)
            self.object_ids["hidden"] = stix_object(
                "hidden", spec.kind, pair, author_identity="", tlp=spec.tlp,
                modified=VERSION_TIMES["v1"])["id"]
        elif d.kind == "hidden_version":
            obj = next(o for o in self.plan.objects if o.key == d.params["object"])
            stamp = {"newer": "newer", "older": "older", "same": "v1"}[d.params["when"]]

            def share_version(w: World) -> None:
                body = stix_object(obj.key, obj.kind, pair,
                                   author_identity=self._identity(w, obj.author),
                                   tlp=d.params["tlp"], modified=VERSION_TIMES[stamp])
                self._share(w, obj.author, body, False, d.params["orgs"], d.params["groups"],
                            obj.anonymous, "changed")

            pair.each("hidden-version", None, share_version)
        elif d.kind == "hidden_admin":
            owner, member = d.params["owner"], d.params["member"]
            spec = GroupSpec(owner, frozenset({owner}), True)
            pair.both("admin-group", lambda w: self._add_group(w, 8, spec))

            def admin_adds(w: World) -> None:
                root = f"{self.org(self.plan.caller)}-root"
                w.request("POST", f"/api/v1/groups/{w.ids['group8']}/members", root,
                          json={"org_id": w.ids[self.org(member)]})

            pair.each("admin-adds", None, admin_adds)

    def _delta_last(self) -> None:
        d, pair = self.plan.delta, self.pair
        if d.kind == "hidden_member":
            member, gi = d.params["member"], d.params["group"]
            # the new member reads what only the membership gave it (its other reads are
            # its own business, the same in both worlds)
            only_via_group = [
                self.object_ids[o.key] for o in self.plan.objects
                if gi in o.groups and not readable(
                    member, ObjectSpec(o.key, o.author, o.tlp, o.community, o.orgs,
                                       o.groups - {gi}, o.anonymous, o.kind, o.versions),
                    self.plan.groups)
            ]

            def member_reads(w: World) -> None:
                for object_id in only_via_group:
                    w.request("GET", f"/api/v1/objects/{object_id}", self.user(member))
                    w.request("GET", f"/taxii2/api/collections/"
                              f"{_all_collection(w, self.user(member))}/objects/{object_id}/",
                              self.user(member))

            pair.each("member-reads", None, member_reads)
        elif d.kind == "hidden_sighter":
            first, second = d.params["sighters"]
            key = d.params["object"]
            pair.each("sighting", lambda w: self._sight(w, first, key),
                      lambda w: self._sight(w, second, key))


def _all_collection(w: World, user: str) -> str:
    body = w.request("GET", "/taxii2/api/collections/", user).json()
    return str(next(c["id"] for c in body["collections"] if c["alias"] == "all"))


# --- probing ---------------------------------------------------------------------------------


class Prober:
    """The caller's probes; each returns the answers it saw, following page tokens."""

    def __init__(self, builder: Builder, world: World, label: str) -> None:
        self.b = builder
        self.w = world
        self.label = label
        self.user = builder.user(builder.plan.caller)
        self.after = _ts(builder.pair.start)
        self.requests = 0
        self._collections: dict[str, str] | None = None

    def get(self, path: str, **params: Any) -> Answer:
        self.requests += 1
        return observe(self.w.request("GET", path, self.user, params=params))

    def call(self, method: str, path: str, **kwargs: Any) -> Answer:
        self.requests += 1
        return observe(self.w.request(method, path, self.user, **kwargs))

    def pages(self, path: str, token_param: str, **params: Any) -> list[Answer]:
        answers = [self.get(path, **params)]
        for _ in range(30):
            tokens = tokens_in(answers[-1].body)
            if not tokens or answers[-1].status != 200:
                break
            answers.append(self.get(path, **{**params, token_param: tokens[-1]}))
        return answers

    def keys(self) -> list[str]:
        """The objects the per-object probes ask about: the changed object (when the change is
        about one) and one other, chosen by the plan."""
        keys = sorted(self.b.object_ids)
        focus = {key for key in ("hidden", self.b.plan.delta.params.get("object")) if key in keys}
        others = [key for key in keys if key not in focus]
        if others:
            focus.add(others[self.b.plan.other_object % len(others)])
        return sorted(focus)

    def ids(self) -> list[str]:
        return sorted({self.b.object_ids[key] for key in self.keys()})

    def collections(self) -> dict[str, str]:
        if self._collections is None:
            body = self.get("/taxii2/api/collections/").body
            self._collections = {c["alias"]: c["id"] for c in body.get("collections", [])}
        return self._collections

    # read probes ---------------------------------------------------------------------
    def probe(self, name: str) -> list[Answer]:
        return getattr(self, name.replace(".", "_"))()  # type: ignore[no-any-return]

    def taxii_collections(self) -> list[Answer]:
        answers = [self.get("/taxii2/"), self.get("/taxii2/api/"),
                   self.get("/taxii2/api/collections/")]
        for cid in self.collections().values():
            answers.append(self.get(f"/taxii2/api/collections/{cid}/"))
        for gi in range(10):
            group_id = self.w.ids.get(f"group{gi}")
            if group_id is not None:  # a group's collection, whether the caller is in it or not
                from warroom.model.collections import CollectionKind, CollectionRef

                cid = CollectionRef(CollectionKind.GROUP, group_id).id
                answers.append(self.get(f"/taxii2/api/collections/{cid}/"))
                answers.append(self.get(f"/taxii2/api/collections/{cid}/objects/"))
        return answers

    def _all(self) -> str:
        return f"/taxii2/api/collections/{self.collections()['all']}"

    def taxii_objects(self) -> list[Answer]:
        return self.pages(f"{self._all()}/objects/", "next", added_after=self.after,
                          limit=str(self.b.plan.page_size),
                          **{"match[version]": self.b.plan.version})

    def taxii_manifest(self) -> list[Answer]:
        return self.pages(f"{self._all()}/manifest/", "next", added_after=self.after,
                          limit=str(self.b.plan.page_size),
                          **{"match[version]": self.b.plan.version})

    def taxii_collection_objects(self) -> list[Answer]:
        answers = []
        for cid in self.collections().values():
            answers += self.pages(f"/taxii2/api/collections/{cid}/objects/", "next",
                                  added_after=self.after, limit="2")
        return answers

    def taxii_object(self) -> list[Answer]:
        base = self._all()
        return [self.get(f"{base}/objects/{i}/", **{"match[version]": self.b.plan.version})
                for i in self.ids()]

    def taxii_versions(self) -> list[Answer]:
        base = self._all()
        return [self.get(f"{base}/objects/{i}/versions/") for i in self.ids()]

    def taxii_types(self) -> list[Answer]:
        return self.pages(f"{self._all()}/objects/", "next", added_after=self.after, limit="2",
                          **{"match[type]": "sighting,opinion,indicator,domain-name",
                             "match[version]": "all"})

    def taxii_status(self) -> list[Answer]:
        return [self.get(f"/taxii2/api/status/{s}/") for s in self.b.statuses[self.label]]

    def rest_search(self) -> list[Answer]:
        return self.pages("/api/v1/objects", "cursor", added_after=self.after,
                          version=self.b.plan.version, limit=str(self.b.plan.page_size))

    def rest_author(self) -> list[Answer]:
        answers = []
        for i in range(self.b.plan.n_orgs):
            org_id = self.w.ids[self.b.org(i)]
            answers += self.pages("/api/v1/objects", "cursor", added_after=self.after,
                                  author_org=str(org_id), limit="3")
            answers.append(self.get("/api/v1/objects/counts", added_after=self.after,
                                    author_org=str(org_id), group_by="tlp"))
        return answers

    def rest_counts(self) -> list[Answer]:
        return [self.get("/api/v1/objects/counts", added_after=self.after, group_by=g,
                         version=v)
                for g in ("type", "tlp") for v in ("last", "all")] + [
            self.get("/api/v1/objects/counts", added_after=self.after, tlp="red,amber"),
            self.get("/api/v1/objects/counts", id=",".join(self.ids())),
        ]

    def rest_object(self) -> list[Answer]:
        answers = []
        for i in self.ids():
            answers += [self.get(f"/api/v1/objects/{i}"),
                        self.get(f"/api/v1/objects/{i}/versions"),
                        self.get(f"/api/v1/objects/{i}/feedback")]
        return answers

    def rest_groups(self) -> list[Answer]:
        answers = [self.get("/api/v1/groups")]
        for gi in range(10):
            group_id = self.w.ids.get(f"group{gi}")
            if group_id is not None:
                answers.append(self.get(f"/api/v1/groups/{group_id}"))
        return answers

    def rest_me(self) -> list[Answer]:
        return [self.get("/api/v1/me")]

    def rest_audit(self) -> list[Answer]:
        answers = [self.get("/api/v1/audit", limit="4")]
        for _ in range(30):
            body = answers[-1].body
            if answers[-1].status != 200:
                break
            if isinstance(body, list):  # an older shape: a list with global row ids
                if not body or len(body) < 4:
                    break
                answers.append(self.get("/api/v1/audit", limit="4", before=str(body[-1]["id"])))
            else:
                token = body.get("next_cursor") if isinstance(body, dict) else None
                if not token:
                    break
                answers.append(self.get("/api/v1/audit", limit="4", cursor=token))
        return answers

    def export(self) -> list[Answer]:
        principal = self.w.store.directory.principal_for_user(self.w.ids[self.user])
        out = io.BytesIO()
        self.requests += 1
        write_bundle(out, self.w.service, principal,
                     ObjectQuery(added_after=self.b.pair.start))
        bundle = json.loads(out.getvalue())
        bundle.pop("id", None)  # a fresh random bundle id per export, the same in both worlds
        return [Answer(0, (), bundle)]

    # write probes (each changes the world the same way in both, or is refused in both) -----
    def write_reuse_id(self) -> list[Answer]:
        answers = []
        for key in self.keys():
            object_id = self.b.object_ids[key]
            if not object_id.startswith("indicator--"):
                continue
            body = stix_object(key, "indicator", self.b.pair, author_identity=self._me(),
                               tlp="amber", modified=VERSION_TIMES["newer"])
            body["id"] = object_id
            answers.append(self.call("POST", "/api/v1/objects",
                                     json={"objects": [body], "recipients": {"orgs": []}}))
        return answers

    def _me(self) -> str:
        return str(self.w.store.directory.get_org(
            self.w.ids[self.b.org(self.b.plan.caller)]).identity_id)

    def write_sco(self) -> list[Answer]:
        answers = []
        for key in self.keys():
            body = stix_object(key, "domain-name", self.b.pair, author_identity="",
                               tlp="amber")
            answers.append(self.call("POST", "/api/v1/objects",
                                     json={"objects": [body], "recipients": {"orgs": []}}))
        cid = self.collections().get("my-org")
        if cid:
            body = stix_object("hidden", "domain-name", self.b.pair, author_identity="",
                               tlp="amber")
            answers.append(self.call(
                "POST", f"/taxii2/api/collections/{cid}/objects/",
                content=json.dumps({"objects": [body]}),
                headers={"Content-Type": "application/taxii+json;version=2.1"}))
        return answers

    def write_sighting(self) -> list[Answer]:
        return [self.call("POST", f"/api/v1/objects/{i}/sightings", json={"note": "probe"})
                for i in self.ids()]

    def write_delete(self) -> list[Answer]:
        cid = self.collections().get("my-org")
        return [self.call("DELETE", f"/taxii2/api/collections/{cid}/objects/{i}/")
                for i in self.ids() if cid]

    def write_version(self) -> list[Answer]:
        return self.write_reuse_id()

    def write_group_name(self) -> list[Answer]:
        return [self.call("POST", "/api/v1/groups", json={"name": self.b.hidden_name})]

    def write_username(self) -> list[Answer]:
        org_id = self.w.ids[self.b.org(self.b.plan.caller)]
        return [self.call("POST", f"/api/v1/orgs/{org_id}/users",
                          json={"username": self.b.hidden_name, "role": "reader"})]

    def write_revoke_key(self) -> list[Answer]:
        key_id = self.b.hidden_key_id or 0
        return [self.call("DELETE", f"/api/v1/keys/{key_id}"),
                self.call("DELETE", f"/api/v1/keys/{key_id + 1}")]


def compare(pair: Pair, builder: Builder) -> tuple[list[Difference], int]:
    """Run every probe of the plan in both worlds; the differences, and requests made."""
    differences: list[Difference] = []
    requests = 0
    reads = [p for p in builder.plan.probes if not p.startswith("write.")]
    writes = [p for p in builder.plan.probes if p.startswith("write.")]
    # after writes, what they changed is read again
    after_writes = ["taxii.objects"] if writes else []
    for probe in [*reads, *writes, *after_writes]:
        found: list[list[Any]] = []

        def run(world: World, probe: str = probe, found: list[list[Any]] = found) -> None:
            label = "base" if world is pair.base else "changed"
            prober = Prober(builder, world, label)
            answers = prober.probe(probe)
            found.append([(a.status, a.headers, a.body) for a in answers])
            nonlocal requests
            requests += prober.requests

        pair.both(f"probe-{probe}", run)
        difference = Difference.between(probe, found[0], found[1])
        if difference is not None:
            differences.append(difference)
    return differences, requests


# --- the test --------------------------------------------------------------------------------


class Pairs:
    """Hands out the next pair of worlds, opening fresh exchanges every
    ``PAIRS_PER_EXCHANGE`` pairs (sub-worlds never share organisations or groups)."""

    def __init__(self, tmp_path_factory: pytest.TempPathFactory) -> None:
        self._tmp = tmp_path_factory
        self.clock = Determinism()
        self._worlds: tuple[World, World] | None = None
        self._count = 0
        self._opened = 0

    def next_pair(self) -> Pair:
        if self._worlds is None or self._count >= PAIRS_PER_EXCHANGE:
            self.close()
            self._opened += 1
            label = f"inference_{WORKER}_{self._opened}"
            with self.clock.step(T0, "open"):
                self._worlds = (open_world(self._tmp.mktemp("base"), label + "_a"),
                                open_world(self._tmp.mktemp("changed"), label + "_b"))
            self._count = 0
        self._count += 1
        return Pair(self._worlds[0], self._worlds[1], self.clock, self._count)

    def close(self) -> None:
        if self._worlds is not None:
            for world in self._worlds:
                close_world(world)
            self._worlds = None


@pytest.fixture(scope="module")
def pairs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pairs]:
    opened = Pairs(tmp_path_factory)
    opened.clock.install()
    try:
        yield opened
    finally:
        opened.clock.uninstall()
        opened.close()


@pytest.mark.parametrize("shard", range(SHARDS))
@settings(max_examples=-(-EXAMPLES // SHARDS), deadline=None,
          suppress_health_check=list(HealthCheck), database=None)
@given(plan=plans())
def test_hidden_changes_do_not_change_any_answer(pairs: Pairs, shard: int, plan: Plan) -> None:
    pair = pairs.next_pair()
    builder = Builder(pair, plan)
    builder.build()
    differences, requests = compare(pair, builder)
    event(f"delta: {plan.delta.kind}")
    event(f"probes: {len(plan.probes)}")
    CHECKED["world pairs"] += 1
    CHECKED[f"delta {plan.delta.kind}"] += 1
    CHECKED["probes"] += len(plan.probes)
    CHECKED["probe requests"] += requests
    if REPORT:
        if differences:
            with open(REPORT, "a", encoding="utf-8") as out:
                for d in differences:
                    out.write(json.dumps({"delta": plan.delta.kind, "probe": d.probe,
                                          "answer": d.index, "params": repr(plan.delta.params),
                                          "plan": repr(plan),
                                          "base": repr(d.base)[:4000],
                                          "changed": repr(d.changed)[:4000]}) + "\n")
        CHECKED["pairs with a difference"] += bool(differences)
        return
    assert not differences, (
        f"{len(differences)} answer(s) depend on a hidden {plan.delta.kind} "
        f"{plan.delta.params}:\n" + "\n".join(str(d) for d in differences[:3]))
