"""Property tests of warroom.policy against the independent oracle (tests/access/oracle.py).

Pure functions, so this runs thousands of generated scenarios in seconds; the transport-level
test (test_transports_oracle.py) checks that every read path applies these decisions."""

from __future__ import annotations

import os
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.access.oracle import TLPS, WorldGroup, WorldObject, may_see, members_shown, share_allowed
from warroom import policy
from warroom.errors import WarroomError
from warroom.model.orgs import Principal, Role, SharingGroup
from warroom.model.sharing import Recipients
from warroom.model.tlp import TLP

ORGS = ["a", "b", "c", "d", "e"]
ORG_ID = {name: i + 1 for i, name in enumerate(ORGS)}
EXAMPLES = int(os.environ.get("WARROOM_POLICY_EXAMPLES", "1000"))
CHECKED: Counter[str] = Counter()  # reported by tests/conftest.py


@st.composite
def worlds(draw: st.DrawFn) -> tuple[dict[str, WorldGroup], list[WorldObject]]:
    groups: dict[str, WorldGroup] = {}
    for i in range(draw(st.integers(0, 3))):
        owner = draw(st.sampled_from(ORGS))
        members = set(draw(st.sets(st.sampled_from(ORGS)))) | {owner}
        groups[f"g{i}"] = WorldGroup(f"g{i}", owner, members, draw(st.booleans()))
    objects = []
    for i in range(draw(st.integers(1, 6))):
        objects.append(
            WorldObject(
                id=f"o{i}",
                author=draw(st.sampled_from(ORGS)),
                tlp=draw(st.sampled_from(TLPS)),
                community=draw(st.booleans()),
                orgs=set(draw(st.sets(st.sampled_from(ORGS), max_size=3))),
                groups=set(draw(st.sets(st.sampled_from(sorted(groups)), max_size=2)))
                if groups
                else set(),
            )
        )
    return groups, objects


def _principal(org: str, groups: dict[str, WorldGroup], admin: bool = False) -> Principal:
    return Principal(
        user_id=ORG_ID[org],
        username=org,
        org_id=ORG_ID[org],
        role=Role.ANALYST,
        group_ids=frozenset(int(k[1:]) + 1 for k, g in groups.items() if org in g.members),
        instance_admin=admin,
    )


def _sharing_groups(groups: dict[str, WorldGroup]) -> dict[int, SharingGroup]:
    return {
        int(k[1:]) + 1: SharingGroup(
            int(k[1:]) + 1,
            k,
            ORG_ID[g.owner],
            g.confidential,
            frozenset(ORG_ID[m] for m in g.members),
        )
        for k, g in groups.items()
    }


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(worlds(), st.booleans())
def test_policy_matches_oracle(
    world: tuple[dict[str, WorldGroup], list[WorldObject]], admin: bool
) -> None:
    groups, objects = world
    sharing_groups = _sharing_groups(groups)
    audiences: list[policy.StoredAudience] = []
    stored: list[tuple[WorldObject, int]] = []
    for index, obj in enumerate(objects):
        recipients = Recipients(
            community=obj.community,
            org_ids=frozenset(ORG_ID[o] for o in obj.orgs),
            group_ids=frozenset(int(g[1:]) + 1 for g in obj.groups),
        )
        tlp = TLP.parse(obj.tlp)
        try:
            policy.check_share(
                _principal(obj.author, groups), recipients, tlp, ORG_ID.values(), sharing_groups
            )
            accepted = True
        except WarroomError:
            accepted = False
        assert accepted == share_allowed(obj, groups), (obj, groups)
        if accepted:
            audiences.append(policy.StoredAudience(index + 1, recipients, tlp))
            stored.append((obj, index + 1))
    for org in ORGS:
        principal = _principal(org, groups, admin)
        rf = policy.read_filter(principal, audiences)
        for obj, audience_id in stored:
            decided = rf.author_org_id == ORG_ID[obj.author] or audience_id in rf.audience_ids
            assert decided == may_see(org, obj, groups), (org, obj, groups)
            audience = next(a for a in audiences if a.id == audience_id)
            assert policy.may_read(principal, ORG_ID[obj.author], audience) == decided
        for key, group in groups.items():
            sg = sharing_groups[int(key[1:]) + 1]
            shown = {ORGS[i - 1] for i in policy.group_members_shown(principal, sg)}
            if admin:
                assert shown == group.members
            else:
                assert shown == members_shown(org, group)
    assert policy.read_filter(None, audiences).empty
    CHECKED["policy scenarios"] += 1
