"""Reading the audit log: who read or wrote what, as each reader may see it.

Why: the audit log records everything (the instance admin's view), but an organisation's
admins may see only what their organisation could know anyway: no anonymous author, no member
of a confidential group it does not own, no other organisation's administration
(policy.audit_view; docs/security.md). This service applies that view and pages through it
with positions made only of what the reader sees."""

from __future__ import annotations

from dataclasses import dataclass

from warroom import policy
from warroom.model.orgs import Principal
from warroom.storage.records import AuditEntry
from warroom.storage.store import Store


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    next_position: tuple[int, int] | None
    """(time of the last entry shown, entries shown at that time): where the next page starts."""


class AuditService:
    def __init__(self, store: Store) -> None:
        self.store = store

    def page(
        self,
        principal: Principal,
        *,
        limit: int = 100,
        position: tuple[int, int] | None = None,
        stix_id: str | None = None,
    ) -> AuditPage:
        """Entries newest first, as ``principal`` may see them."""
        scope = policy.audit_scope(principal)
        groups = self.store.directory.groups()
        at, skip = position if position is not None else (None, 0)
        shown: list[AuditEntry] = []
        skipped = 0
        for entry in self.store.records.iter_audit(scope, at_or_before=at, stix_id=stix_id):
            view = policy.audit_view(principal, self._facts(entry), groups)
            if view is None:
                continue
            if entry.ts == at and skipped < skip:
                skipped += 1
                continue
            shown.append(
                AuditEntry(
                    entry.ts, view.user_id, view.org_id, entry.action, entry.transport,
                    entry.stix_id, entry.version_text, entry.tlp, view.author_org_id,
                    entry.detail,
                )
            )
            if len(shown) > limit:
                break
        page = shown[:limit]
        if len(shown) <= limit or not page:
            return AuditPage(page, None)
        last = page[-1].ts
        at_last = sum(1 for e in page if e.ts == last) + (skip if last == at else 0)
        return AuditPage(page, (last, at_last))

    def _facts(self, entry: AuditEntry) -> policy.AuditFacts:
        audience = (
            self.store.objects.audience(entry.audience_id)
            if entry.audience_id is not None
            else None
        )
        return policy.AuditFacts(
            user_id=entry.user_id,
            org_id=entry.org_id,
            action=entry.action,
            author_org_id=entry.author_org_id,
            anonymous=entry.anonymous,
            audience=audience,
            scope_org_id=entry.scope_org_id,
        )
