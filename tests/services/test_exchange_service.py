"""The exchange use-cases through ExchangeService: whole-or-nothing sharing, version ownership,
TLP guards, anonymity, the audit log, feedback and deletion."""

from __future__ import annotations

import pytest

from warroom.errors import Conflict, Forbidden, InvalidStix, NotFound, PolicyViolation
from warroom.model.orgs import Role
from warroom.model.sharing import Recipients
from warroom.model.tlp import TLP
from warroom.services.audit import AuditService
from warroom.services.exchange import ExchangeService, anonymous_identity_id
from warroom.settings import Settings
from warroom.storage.objects import ObjectQuery
from warroom.storage.store import Store
from warroom.testing.scenario import Scenario, indicator

PRIVATE = Recipients()


@pytest.fixture
def service(store: Store, settings: Settings) -> ExchangeService:
    return ExchangeService(store, settings)


def _ids(service: ExchangeService, member: object, **query: object) -> set[str]:
    page = service.page(member.principal, ObjectQuery(limit=1000, **query), transport="test")  # type: ignore[attr-defined, arg-type]
    return {row.stix_id for row in page.rows}


def test_bundle_with_one_invalid_object_stores_nothing(
    service: ExchangeService, scenario: Scenario
) -> None:
    a = scenario.add_org("A")
    bad = indicator(2)
    del bad["pattern"]
    with pytest.raises(InvalidStix, match="nothing was stored"):
        service.share(a.principal, [indicator(1), bad, indicator(3)], PRIVATE, transport="test")
    assert _ids(service, a) == set()


def test_only_the_creator_may_add_versions(service: ExchangeService, scenario: Scenario) -> None:
    a, b = scenario.add_org("A"), scenario.add_org("B")
    obj = indicator(1)
    service.share(a.principal, [obj], Recipients(community=True), transport="test")
    spoof = {**obj, "modified": "2026-10-05T00:00:00.000Z", "name": "hijacked"}
    with pytest.raises(PolicyViolation, match="only its creator"):
        service.share(
            b.principal, [indicator(2), spoof], Recipients(community=True), transport="test"
        )
    assert _ids(service, b, versions=("all",)) == {obj["id"]}
    service.share(
        a.principal,
        [{**obj, "modified": "2026-10-05T00:00:00.000Z"}],
        Recipients(community=True),
        transport="test",
    )
    page = service.page(
        b.principal, ObjectQuery(ids=(obj["id"],), versions=("all",)), transport="test"
    )
    assert [r.version_text for r in page.rows] == [
        "2026-10-01T12:00:00.000Z",
        "2026-10-05T00:00:00.000Z",
    ]


def test_same_version_with_other_content_is_a_conflict(
    service: ExchangeService, scenario: Scenario
) -> None:
    a = scenario.add_org("A")
    obj = indicator(1)
    service.share(a.principal, [obj], PRIVATE, transport="test")
    service.share(a.principal, [obj], PRIVATE, transport="test")  # idempotent re-send
    with pytest.raises(Conflict):
        service.share(a.principal, [{**obj, "name": "changed"}], PRIVATE, transport="test")


def test_tlp_guards_refuse_wide_audiences(service: ExchangeService, scenario: Scenario) -> None:
    a = scenario.add_org("A")
    group = service.store.directory.create_group("G", a.org.id)
    scenario.refresh()
    a = scenario.members["A"]
    with pytest.raises(PolicyViolation, match="TLP:RED"):
        service.share(
            a.principal,
            [indicator(1, tlp=TLP.RED)],
            Recipients(group_ids=frozenset({group.id})),
            transport="test",
        )
    with pytest.raises(PolicyViolation, match="community"):
        service.share(
            a.principal, [indicator(1, tlp=TLP.AMBER)], Recipients(community=True), transport="test"
        )
    assert _ids(service, a) == set()


def test_readers_may_not_share(service: ExchangeService, scenario: Scenario) -> None:
    reader = scenario.add_org("R", role=Role.READER)
    with pytest.raises(Forbidden):
        service.share(reader.principal, [indicator(1)], PRIVATE, transport="test")


def test_created_by_another_member_is_refused(service: ExchangeService, scenario: Scenario) -> None:
    a, b = scenario.add_org("A"), scenario.add_org("B")
    with pytest.raises(PolicyViolation, match="own name"):
        service.share(
            a.principal, [indicator(1, created_by=b.org.identity_id)], PRIVATE, transport="test"
        )


def test_anonymous_submission_hides_the_author_except_from_admins(
    service: ExchangeService, scenario: Scenario
) -> None:
    a, b = scenario.add_org("A"), scenario.add_org("B")
    admin = scenario.add_org("Host", role=Role.ADMIN, instance_admin=True)
    obj = indicator(1, created_by=a.org.identity_id)
    service.share(a.principal, [obj], Recipients(community=True), anonymous=True, transport="test")
    anonymous = anonymous_identity_id("warroom-test")
    for member, expected in ((b, anonymous), (a, a.org.identity_id), (admin, a.org.identity_id)):
        page = service.page(member.principal, ObjectQuery(), transport="test")
        assert f'"created_by_ref":"{expected}"' in page.rows[0].body
    assert (
        a.org.identity_id
        not in service.page(b.principal, ObjectQuery(), transport="test").rows[0].body
    )


def test_amber_and_red_reads_and_writes_are_audited(
    service: ExchangeService, scenario: Scenario
) -> None:
    a, b = scenario.add_org("A", role=Role.ADMIN), scenario.add_org("B", role=Role.ADMIN)
    to_b = Recipients(org_ids=frozenset({b.org.id}))
    red, green = indicator(1, tlp=TLP.RED), indicator(2, tlp=TLP.GREEN)
    service.share(a.principal, [red, green], to_b, transport="test")
    service.page(b.principal, ObjectQuery(), transport="taxii")
    entries = list(service.store.records.iter_audit(None))
    assert {(e.action, e.org_id, e.stix_id, e.transport) for e in entries} == {
        ("write", a.org.id, red["id"], "test"),
        ("read", b.org.id, red["id"], "taxii"),
    }
    # the author's admins see who read their object (B was named); the reader's admins see
    # their own reads
    audit = AuditService(service.store)
    seen_by_a = audit.page(a.principal).entries
    assert [(e.action, e.org_id) for e in seen_by_a] == [("read", b.org.id), ("write", a.org.id)]
    assert seen_by_a[0].user_id is None  # another organisation's user is never named
    assert [e.action for e in audit.page(b.principal).entries] == ["read"]


def test_feedback_flows_to_the_author_and_stays_within_the_audience(
    service: ExchangeService, scenario: Scenario
) -> None:
    a, b, c = scenario.add_org("A"), scenario.add_org("B"), scenario.add_org("C")
    obj = indicator(1, tlp=TLP.AMBER)
    service.share(a.principal, [obj], Recipients(org_ids=frozenset({b.org.id})), transport="test")
    service.feedback(b.principal, obj["id"], "sighting", note="seen in our mail")
    service.feedback(b.principal, obj["id"], "opinion", "false-positive")
    assert service.feedback_summary(a.principal, obj["id"]).counts == {
        "sighting": 1,
        "false-positive": 1,
    }
    with pytest.raises(NotFound):
        service.feedback(c.principal, obj["id"], "sighting")
    with pytest.raises(NotFound):
        service.feedback_summary(c.principal, obj["id"])
    assert _ids(service, c, types=("sighting", "opinion")) == set()
    assert len(_ids(service, a, types=("sighting", "opinion"))) == 2


def test_only_the_author_may_delete_and_others_get_404(
    service: ExchangeService, scenario: Scenario
) -> None:
    a, b, c = scenario.add_org("A"), scenario.add_org("B"), scenario.add_org("C")
    obj = indicator(1)
    service.share(a.principal, [obj], Recipients(org_ids=frozenset({b.org.id})), transport="test")
    with pytest.raises(NotFound):
        service.delete(c.principal, obj["id"], ObjectQuery(versions=("all",)), transport="test")
    with pytest.raises(Forbidden):
        service.delete(b.principal, obj["id"], ObjectQuery(versions=("all",)), transport="test")
    assert (
        service.delete(a.principal, obj["id"], ObjectQuery(versions=("all",)), transport="test")
        == 1
    )
    assert _ids(service, b) == set()


def test_unknown_markings_are_refused(service: ExchangeService, scenario: Scenario) -> None:
    a = scenario.add_org("A")
    obj = indicator(1)
    obj["object_marking_refs"] = ["marking-definition--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061"]
    with pytest.raises(InvalidStix, match="unknown marking"):
        service.share(a.principal, [obj], PRIVATE, transport="test")
    statement = {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": obj["object_marking_refs"][0],
        "created": "2026-01-01T00:00:00.000Z",
        "definition_type": "statement",
        "definition": {"statement": "Copyright 2026 A"},
    }
    service.share(a.principal, [statement, obj], PRIVATE, transport="test")
    assert _ids(service, a) == {obj["id"], statement["id"]}


def test_counts_and_facets_only_count_what_may_be_read(
    service: ExchangeService, scenario: Scenario
) -> None:
    a, b = scenario.add_org("A"), scenario.add_org("B")
    service.share(a.principal, [indicator(i) for i in range(3)], PRIVATE, transport="test")
    service.share(
        a.principal, [indicator(9, tlp=TLP.GREEN)], Recipients(community=True), transport="test"
    )
    assert service.count(b.principal, ObjectQuery()) == {"total": 1}
    assert service.count(b.principal, ObjectQuery(), "tlp") == {"green": 1}
    assert service.count(a.principal, ObjectQuery(), "tlp") == {"amber+strict": 3, "green": 1}
