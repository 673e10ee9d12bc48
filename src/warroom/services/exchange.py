"""The exchange use-cases: share (ingest) objects, read them, delete them, give feedback.

Why: TAXII, REST and the CLI are three doors into the same rooms. Each door calls these methods
with a :class:`~warroom.model.orgs.Principal`; every read goes through ``warroom.policy`` here,
and every write of an audited TLP lands in the audit log, in the write's own transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection

from warroom import policy
from warroom.errors import InvalidInput, InvalidStix, NotFound, WarroomError
from warroom.model.collections import CollectionRef
from warroom.model.orgs import IDENTITY_NAMESPACE, Principal
from warroom.model.sharing import Recipients, default_tlp_for
from warroom.model.stix import (
    StixFacts,
    canonical_json,
    new_id,
    now_micros,
    stix_now,
    validate,
)
from warroom.model.tlp import MARKING_TO_TLP, TLP, tlp_of_markings
from warroom.settings import Settings
from warroom.storage.object_writes import Readable
from warroom.storage.objects import ObjectQuery, ObjectRow, Page, PreparedObject, WriteOutcome
from warroom.storage.records import AuditEntry, FeedbackSummary, Status
from warroom.storage.store import Store

MAX_ERRORS_REPORTED = 20
OPINIONS = {
    "agree": "agree",
    "strongly-agree": "strongly-agree",
    "neutral": "neutral",
    "disagree": "disagree",
    "false-positive": "strongly-disagree",
}


def anonymous_identity_id(instance_name: str) -> str:
    """The identity every anonymous submission of this instance is attributed to."""
    return f"identity--{uuid.uuid5(IDENTITY_NAMESPACE, 'anonymous@' + instance_name)}"


@dataclass(frozen=True)
class ShareResult:
    status: Status
    outcomes: list[WriteOutcome]


class ExchangeService:
    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.anonymous_identity = anonymous_identity_id(settings.instance_name)

    # reading ------------------------------------------------------------------------
    def read_filter(
        self, principal: Principal, collection: CollectionRef | None = None
    ) -> policy.ReadFilter:
        candidates = self.store.objects.audience_candidates(principal.org_id, principal.group_ids)
        return policy.read_filter(principal, candidates, collection)

    def page(
        self,
        principal: Principal,
        query: ObjectQuery,
        *,
        collection: CollectionRef | None = None,
        transport: str,
        audit: bool = True,
    ) -> Page:
        """One page of what ``principal`` may read; audited unless only metadata is served."""
        page = self.store.objects.select(self.read_filter(principal, collection), query)
        if audit:
            self._audit_reads(principal, page.rows, transport)
        return page

    def count(
        self,
        principal: Principal,
        query: ObjectQuery,
        group_by: str | None = None,
        collection: CollectionRef | None = None,
    ) -> dict[str, int]:
        return self.store.objects.count(self.read_filter(principal, collection), query, group_by)

    def _audit_reads(self, principal: Principal, rows: Sequence[ObjectRow], transport: str) -> None:
        if not self.settings.audit_reads:
            return
        ts = now_micros()
        entries = [
            AuditEntry(
                ts,
                principal.user_id,
                principal.org_id,
                "read",
                transport,
                r.stix_id,
                r.version_text,
                r.tlp,
                r.author_org_id,
                audience_id=r.audience_id,
                anonymous=r.anonymous,
            )
            for r in rows
            if r.tlp.audited
        ]
        self.store.records.audit(entries)

    def delete(
        self,
        principal: Principal,
        stix_id: str,
        query: ObjectQuery,
        *,
        collection: CollectionRef | None = None,
        transport: str,
    ) -> int:
        rf = self.read_filter(principal, collection)
        visible = self.store.objects.select(
            rf, ObjectQuery(ids=(stix_id,), versions=("all",), limit=1)
        )
        own = self.store.objects.select(
            policy.authored_by(principal), ObjectQuery(ids=(stix_id,), versions=("all",), limit=1)
        )
        policy.check_delete(principal, own=bool(own.rows), visible=bool(visible.rows))
        deleted = self.store.objects.delete(policy.authored_by(principal), stix_id, query)
        ts = now_micros()
        self.store.records.audit(
            [
                AuditEntry(
                    ts,
                    principal.user_id,
                    principal.org_id,
                    "delete",
                    transport,
                    r.stix_id,
                    r.version_text,
                    r.tlp,
                    r.author_org_id,
                    audience_id=r.audience_id,
                    anonymous=r.anonymous,
                )
                for r in deleted
            ]
        )
        return len(deleted)

    def status(self, principal: Principal, status_id: str) -> Status:
        found = self.store.records.get_status(status_id, principal.org_id)
        if found is None:
            raise NotFound("status not found")
        return found

    # sharing ------------------------------------------------------------------------
    def share(
        self,
        principal: Principal,
        objects: Sequence[Any],
        recipients: Recipients,
        *,
        tlp: TLP | None = None,
        anonymous: bool = False,
        transport: str,
        as_feedback: bool = False,
    ) -> ShareResult:
        """Validate, authorise and store ``objects`` as one unit: all of them or none.
        ``as_feedback``: the recipients are those policy.feedback_recipients chose."""
        if not isinstance(objects, list | tuple):
            raise InvalidInput("'objects' must be a list of STIX objects")
        if not objects:
            raise InvalidInput("no objects to share")
        facts = self._validate_all(objects)
        directory = self.store.directory
        groups = directory.groups(None if as_feedback else principal.group_ids)
        org_ids = {org.id for org in directory.list_orgs()}
        identities = directory.org_ids_by_identity()
        own_identity = next((i for i, oid in identities.items() if oid == principal.org_id), None)
        self._check_markings(principal, facts)
        prepared: list[PreparedObject] = []
        skipped: list[StixFacts] = []
        checked: set[TLP] = set()
        for f in facts:
            if f.type == "marking-definition" and f.id in MARKING_TO_TLP:
                skipped.append(f)  # the standard TLP definitions are built in
                continue
            policy.check_created_by(principal, f.id, f.created_by_ref, identities)
            object_tlp = _object_tlp(f, tlp, recipients)
            if object_tlp not in checked:
                policy.check_share(principal, recipients, object_tlp, org_ids, groups,
                                   member_of_groups=not as_feedback)
                checked.add(object_tlp)
            body, original = f.canonical, None
            if anonymous:
                served = _anonymised(_loads(f.canonical), own_identity, self.anonymous_identity)
                body, original = canonical_json(served), f.canonical
            prepared.append(PreparedObject(f, object_tlp, recipients, body, original))
        ts = now_micros()
        result: list[ShareResult] = []

        def record(conn: Connection | None, written: list[WriteOutcome]) -> None:
            """The write's audit entries and its status, in the write's own transaction."""
            entries = [
                AuditEntry(
                    ts,
                    principal.user_id,
                    principal.org_id,
                    "write",
                    transport,
                    out.stix_id,
                    out.version_text,
                    out.tlp,
                    principal.org_id,
                    audience_id=out.audience_id,
                    anonymous=anonymous,
                )
                for out in written
                if out.stored and out.tlp.audited
            ]
            self.store.records.audit(entries, conn)
            status = _status(principal, ts, len(facts), written, skipped)
            self.store.records.save_status(status, conn)
            result.append(ShareResult(status, written))

        if prepared:
            self.store.objects.write(
                principal.org_id,
                prepared,
                anonymous,
                lambda object_id, observable, own, others: policy.check_new_version(
                    principal, object_id, observable=observable, own_versions=own,
                    others_visible=others,
                ),
                self._readable(principal),
                on_written=record,
            )
        else:
            record(None, [])
        return result[0]

    def _readable(self, principal: Principal) -> Readable:
        """Whether ``principal`` reads a stored row, by its author and audience."""
        rf = self.read_filter(principal)
        return lambda author, audience: (
            author == rf.author_org_id or audience in rf.audience_ids
        )

    def _validate_all(self, objects: Sequence[Any]) -> list[StixFacts]:
        facts: list[StixFacts] = []
        errors: list[str] = []
        for index, obj in enumerate(objects):
            try:
                facts.append(validate(obj, index))
            except InvalidStix as exc:
                errors.append(exc.message)
                if len(errors) >= MAX_ERRORS_REPORTED:
                    break
        if errors:
            raise InvalidStix(
                f"{len(errors)} invalid object(s); nothing was stored: {errors[0]}",
                details={"failures": errors},
            )
        return facts

    def _check_markings(self, principal: Principal, facts: Sequence[StixFacts]) -> None:
        """Every referenced marking must be built in, in the batch, or readable already."""
        in_batch = {f.id for f in facts if f.type == "marking-definition"}
        wanted = {
            ref
            for f in facts
            for ref in (*f.marking_refs, *f.granular_marking_refs)
            if ref not in MARKING_TO_TLP and ref not in in_batch
        }
        if not wanted:
            return
        page = self.store.objects.select(
            self.read_filter(principal),
            ObjectQuery(ids=tuple(sorted(wanted)), versions=("all",), limit=len(wanted) * 50),
        )
        missing = wanted - {row.stix_id for row in page.rows}
        if missing:
            raise InvalidStix(
                f"unknown marking definition(s): {', '.join(sorted(missing)[:5])}; "
                "send the marking-definition first or in the same bundle"
            )

    # feedback -----------------------------------------------------------------------
    def _visible_target(self, principal: Principal, target_id: str) -> ObjectRow:
        page = self.store.objects.select(
            self.read_filter(principal), ObjectQuery(ids=(target_id,), versions=("last",), limit=1)
        )
        if not page.rows:
            raise NotFound("object not found")
        return page.rows[0]

    def feedback(
        self,
        principal: Principal,
        target_id: str,
        kind: str,
        value: str = "",
        note: str = "",
        count: int = 1,
    ) -> ShareResult:
        """Record a sighting ("seen it too") or an opinion on any object the caller may read.

        The feedback is itself a STIX object (sighting / opinion) shared with the target's
        audience plus its author, at the target's TLP (policy.feedback_recipients), anonymously
        when that audience includes a confidential group."""
        target = self._visible_target(principal, target_id)
        policy.check_feedback(principal, True)
        stored = self.store.objects.audience(target.audience_id)
        if stored is None:
            raise NotFound("object not found")
        recipients = policy.feedback_recipients(
            principal, stored.recipients, target.tlp, target.author_org_id
        )
        anonymous = policy.feedback_is_anonymous(
            recipients, self.store.directory.groups(recipients.group_ids)
        )
        identity = self.store.directory.get_org(principal.org_id).identity_id
        now = stix_now()
        if kind == "sighting":
            if count < 1 or count > 999_999_999:
                raise InvalidInput("count must be between 1 and 999999999")
            obj: dict[str, Any] = {
                "type": "sighting",
                "spec_version": "2.1",
                "id": new_id("sighting"),
                "created": now,
                "modified": now,
                "sighting_of_ref": target_id,
                "count": count,
                "created_by_ref": identity,
                "where_sighted_refs": [identity],
            }
            if note:
                obj["description"] = note
            stored_value = "sighting"
        elif kind == "opinion":
            if value not in OPINIONS:
                raise InvalidInput(f"opinion must be one of {', '.join(OPINIONS)}")
            obj = {
                "type": "opinion",
                "spec_version": "2.1",
                "id": new_id("opinion"),
                "created": now,
                "modified": now,
                "object_refs": [target_id],
                "opinion": OPINIONS[value],
                "created_by_ref": identity,
                "explanation": note or ("false positive" if value == "false-positive" else value),
            }
            stored_value = value
        else:
            raise InvalidInput("feedback kind must be 'sighting' or 'opinion'")
        obj["object_marking_refs"] = [target.tlp.marking_id]
        result = self.share(
            principal, [obj], recipients, tlp=target.tlp, anonymous=anonymous, transport="rest",
            as_feedback=True,
        )
        seq_page = self.store.objects.select(
            policy.authored_by(principal),
            ObjectQuery(ids=(obj["id"],), limit=1),
        )
        self.store.records.add_feedback(
            target_id, seq_page.rows[0].seq, principal.org_id, principal.user_id, kind, stored_value
        )
        return result

    def feedback_summary(self, principal: Principal, target_id: str) -> FeedbackSummary:
        self._visible_target(principal, target_id)
        return self.store.records.feedback_summary(self.read_filter(principal), target_id)


def _status(
    principal: Principal, ts: int, total: int, written: list[WriteOutcome], skipped: list[StixFacts]
) -> Status:
    """The TAXII status resource of a completed share (§4.3.1)."""
    successes: list[dict[str, str]] = []
    for out in written:
        item = {"id": out.stix_id, "message": "stored" if out.stored else "already stored"}
        if out.version_text:
            item["version"] = out.version_text
        successes.append(item)
    for f in skipped:
        successes.append({"id": f.id, "version": f.version or "", "message": "built-in marking"})
    return Status(
        id=str(uuid.uuid4()),
        org_id=principal.org_id,
        request_timestamp=ts,
        status="complete",
        total_count=total,
        success_count=len(successes),
        failure_count=0,
        pending_count=0,
        detail={"successes": successes, "failures": [], "pendings": []},
    )


def _object_tlp(facts: StixFacts, default: TLP | None, recipients: Recipients) -> TLP:
    """The TLP an object is handled at: the narrowest of its object and granular TLP markings
    (a part marked RED makes the whole object RED), else ``default``, else the recipients'."""
    marked = tlp_of_markings((*facts.marking_refs, *facts.granular_marking_refs))
    if marked is not None:  # (TLP.CLEAR is 0: never test TLPs for truth)
        return marked
    return default if default is not None else default_tlp_for(recipients)


def _anonymised(obj: dict[str, Any], own_identity: str | None, anonymous: str) -> dict[str, Any]:
    """``obj`` as recipients of an anonymous submission see it: the author's identity, wherever
    it names the author (``created_by_ref``, ``where_sighted_refs``), is the instance's
    anonymous identity."""
    if "created_by_ref" in obj:
        obj["created_by_ref"] = anonymous
    if own_identity is not None and isinstance(obj.get("where_sighted_refs"), list):
        obj["where_sighted_refs"] = [
            anonymous if ref == own_identity else ref for ref in obj["where_sighted_refs"]
        ]
    return obj


def _loads(data: bytes) -> dict[str, Any]:
    loaded: dict[str, Any] = orjson.loads(data)
    return loaded


__all__ = ["ExchangeService", "ShareResult", "WarroomError", "anonymous_identity_id"]
