"""Recipients: the audience an object is shared with. This is the access control.

Why: TLP says how to handle an object, recipients say who gets it. An audience is the author
organisation (always) plus any of: the whole community, named organisations, sharing groups
(several, OR). Objects with the same recipients share one stored audience row, so the read
filter is a short list of audience ids rather than a join per object.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from warroom.model.tlp import TLP


@dataclass(frozen=True)
class Recipients:
    """Who an object is shared with, besides its author organisation."""

    community: bool = False
    org_ids: frozenset[int] = field(default_factory=frozenset)
    group_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_private(self) -> bool:
        """Only the author organisation may read."""
        return not self.community and not self.org_ids and not self.group_ids

    def key(self) -> str:
        """A stable digest identifying this audience in storage."""
        text = "c={};o={};g={}".format(
            int(self.community),
            ",".join(str(i) for i in sorted(self.org_ids)),
            ",".join(str(i) for i in sorted(self.group_ids)),
        )
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def describe(self) -> str:
        parts = []
        if self.community:
            parts.append("community")
        parts += [f"org:{i}" for i in sorted(self.org_ids)]
        parts += [f"group:{i}" for i in sorted(self.group_ids)]
        return ", ".join(parts) or "author only"


COMMUNITY = Recipients(community=True)
PRIVATE = Recipients()


@dataclass(frozen=True)
class Audience:
    """A stored recipients set with its database id."""

    id: int
    recipients: Recipients


def default_tlp_for(recipients: Recipients) -> TLP:
    """The TLP implied when an object shared to ``recipients`` carries no TLP marking."""
    if recipients.community:
        return TLP.GREEN
    if recipients.is_private:
        return TLP.AMBER_STRICT
    return TLP.AMBER
