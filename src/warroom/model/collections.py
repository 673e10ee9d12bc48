"""TAXII collections as views of the exchange: everything I may see, the community, my
organisation, and one per sharing group.

Why: TAXII clients think in collections; warroom thinks in audiences. A collection is a named
slice of what the caller may read (and, for writing, the audience new objects are shared with).
Collection ids are deterministic so clients can keep them in configuration.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass

COLLECTION_NAMESPACE = uuid.UUID("3f1d2a7c-5c1e-4b9a-8a61-2f0e9d7b4c55")


class CollectionKind(enum.StrEnum):
    ALL = "all"  # everything the caller may read; read-only
    COMMUNITY = "community"  # shared with every member organisation
    ORG = "org"  # the caller's organisation: its own objects and those addressed to it
    GROUP = "group"  # one sharing group


@dataclass(frozen=True)
class CollectionRef:
    """Which slice a collection id names: its kind and, for ORG and GROUP, the org/group id."""

    kind: CollectionKind
    ref: int = 0

    @property
    def id(self) -> str:
        return str(uuid.uuid5(COLLECTION_NAMESPACE, f"{self.kind.value}:{self.ref}"))
