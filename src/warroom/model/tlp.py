"""TLP 2.0 as an ordered handling label with its OASIS STIX marking definitions.

Why: recipients decide who may see an object; TLP decides how they may handle it and guards
re-sharing. FIRST TLP 2.0 labels map to the OASIS marking definitions built with the extension
``extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d`` (cti-stix-common-objects,
``extension-definition-specifications/tlp-2.0``). TLP 1.0 ids (STIX 2.1 §7.2.1.4) are accepted on
input and mapped to their 2.0 equivalent.
"""

from __future__ import annotations

import enum
from typing import Any

TLP2_EXTENSION_ID = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP2_CREATED = "2022-10-01T00:00:00.000Z"


class TLP(enum.IntEnum):
    """TLP 2.0 labels ordered from widest to narrowest disclosure."""

    CLEAR = 0
    GREEN = 1
    AMBER = 2
    AMBER_STRICT = 3
    RED = 4

    @property
    def label(self) -> str:
        """The FIRST label, e.g. ``TLP:AMBER+STRICT``."""
        return "TLP:" + self.slug.upper()

    @property
    def slug(self) -> str:
        """The lower-case value used in the TLP 2.0 extension and on the command line."""
        return self.name.lower().replace("_", "+")

    @property
    def marking_id(self) -> str:
        """The OASIS TLP 2.0 marking-definition id."""
        return TLP2_MARKING_IDS[self]

    @property
    def audited(self) -> bool:
        """Whether every read and write of an object at this level lands in the audit log."""
        return self >= TLP.AMBER

    @classmethod
    def parse(cls, text: str) -> TLP:
        """Parse ``amber+strict``, ``TLP:AMBER+STRICT``, ``amber_strict`` or ``white`` (TLP 1.0)."""
        value = text.strip().lower().removeprefix("tlp:").replace("_", "+").replace("-", "+")
        if value == "white":
            return cls.CLEAR
        for member in cls:
            if member.slug == value:
                return member
        raise ValueError(f"unknown TLP {text!r}: use one of clear, green, amber, amber+strict, red")


TLP2_MARKING_IDS: dict[TLP, str] = {
    TLP.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    TLP.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    TLP.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    TLP.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    TLP.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}

TLP1_MARKING_IDS: dict[str, TLP] = {
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": TLP.CLEAR,
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": TLP.GREEN,
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": TLP.AMBER,
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": TLP.RED,
}

MARKING_TO_TLP: dict[str, TLP] = {
    **{marking: tlp for tlp, marking in TLP2_MARKING_IDS.items()},
    **TLP1_MARKING_IDS,
}


def tlp_of_markings(marking_refs: list[str] | tuple[str, ...]) -> TLP | None:
    """The narrowest TLP among ``object_marking_refs``, or None when none is a TLP marking."""
    found = [MARKING_TO_TLP[ref] for ref in marking_refs if ref in MARKING_TO_TLP]
    return max(found) if found else None


def marking_definition(tlp: TLP) -> dict[str, Any]:
    """The OASIS TLP 2.0 marking-definition object for ``tlp``."""
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": tlp.marking_id,
        "created": TLP2_CREATED,
        "name": tlp.label,
        "extensions": {
            TLP2_EXTENSION_ID: {"extension_type": "property-extension", "tlp_2_0": tlp.slug}
        },
    }
