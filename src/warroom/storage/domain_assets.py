"""Storage of the domain watch: each organisation's protected assets and the allowlist.

Why: the assets an organisation protects are part of its account on the instance (imported
once from the .gov list or a CSV, then watched by every stream), and the allowlist (every
registered .gov domain, popular domains) is shared by all of them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Engine, delete, insert, select

from warroom.model.stix import now_micros
from warroom.storage import schema as s
from warroom.storage.engine import read_engine


@dataclass(frozen=True)
class StoredAsset:
    org_id: int
    domain: str
    owner_name: str
    tokens: tuple[str, ...]
    owned: tuple[str, ...]


class DomainAssets:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.reads = read_engine(engine)  # autocommit reads on PostgreSQL

    def save(self, assets: Iterable[StoredAsset]) -> int:
        """Add or replace assets (by organisation and domain); returns how many were saved."""
        rows = {
            (a.org_id, a.domain): {
                "org_id": a.org_id,
                "domain": a.domain,
                "owner_name": a.owner_name,
                "tokens": " ".join(sorted(a.tokens)),
                "owned": " ".join(sorted(a.owned)),
                "created_at": now_micros(),
            }
            for a in assets
        }
        if not rows:
            return 0
        t = s.protected_assets
        with self.engine.begin() as conn:
            for org_id, domain in rows:
                conn.execute(delete(t).where(t.c.org_id == org_id, t.c.domain == domain))
            conn.execute(insert(t), list(rows.values()))
        return len(rows)

    def load(self, org_ids: Iterable[int] | None = None) -> list[StoredAsset]:
        """The assets of the given organisations, or of every organisation."""
        t = s.protected_assets
        query = select(t).order_by(t.c.org_id, t.c.domain)
        if org_ids is not None:
            query = query.where(t.c.org_id.in_(list(org_ids)))
        with self.reads.connect() as conn:
            return [
                StoredAsset(
                    r.org_id,
                    r.domain,
                    r.owner_name,
                    tuple(r.tokens.split()),
                    tuple(r.owned.split()),
                )
                for r in conn.execute(query)
            ]

    def allow(self, domains: Iterable[str], source: str) -> int:
        t = s.domain_allowlist
        fresh = {d.strip().lower() for d in domains if d.strip()}
        with self.engine.begin() as conn:
            known = set(conn.execute(select(t.c.domain)).scalars())
            rows = [{"domain": d, "source": source} for d in sorted(fresh - known)]
            if rows:
                conn.execute(insert(t), rows)
        return len(rows)

    def allowlist(self) -> set[str]:
        with self.reads.connect() as conn:
            return set(conn.execute(select(s.domain_allowlist.c.domain)).scalars())
