"""Request and response bodies of the REST API (pydantic), so the OpenAPI document is complete."""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import Path
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from warroom.model.orgs import Role

MAX_ID = 2_147_483_647
DbId = Annotated[int, Field(ge=1, le=MAX_ID)]
IdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="A numeric id.")]
TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
"""Free text: any characters but NUL and the other control characters (tab and new lines are
fine); a database cannot store NUL in text."""


def _finite_json(value: Any) -> Any:
    """Refuse NaN and infinities anywhere in a JSON value: JSON has no such numbers (the
    standard library reads them, the store would keep ``null``)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            raise ValueError("NaN and Infinity are not JSON numbers")
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return value


StixObjects = Annotated[list[dict[str, Any]], AfterValidator(_finite_json)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Health(BaseModel):
    status: str
    version: str


class OrgOut(BaseModel):
    id: int
    name: str
    identity_id: str
    sector: str


class OrgIn(Strict):
    name: str = Field(min_length=1, max_length=200, examples=["Chirp Social"])
    sector: str = Field(default="", max_length=100, pattern=TEXT_PATTERN,
                        examples=["social platform"])


class GroupRef(BaseModel):
    id: int
    name: str


class MeOut(BaseModel):
    user_id: int
    username: str
    role: Role
    instance_admin: bool
    org: OrgOut
    groups: list[GroupRef]


class UserOut(BaseModel):
    id: int
    org_id: int
    username: str
    role: Role
    instance_admin: bool
    disabled: bool


class UserIn(Strict):
    username: str = Field(min_length=1, max_length=200, examples=["alice"])
    role: Role = Role.ANALYST
    instance_admin: bool = False


class UserPatch(Strict):
    role: Role | None = None
    disabled: bool | None = None


class KeyIn(Strict):
    name: str = Field(default="", max_length=200, pattern=TEXT_PATTERN, examples=["laptop"])


class KeyOut(BaseModel):
    id: int
    user_id: int
    name: str
    prefix: str
    revoked: bool


class KeyCreated(KeyOut):
    secret: str = Field(description="The API key. Shown once: it is stored only as a hash.")


class GroupIn(Strict):
    name: str = Field(min_length=1, max_length=200, examples=["Election Security Working Group"])
    confidential: bool = False
    description: str = Field(default="", max_length=2000, pattern=TEXT_PATTERN)


class MemberIn(Strict):
    org_id: DbId


class GroupOut(BaseModel):
    id: int
    name: str
    owner_org_id: int | None = Field(
        description="The owner organisation; hidden (null) from the other members of a "
        "confidential group."
    )
    confidential: bool
    description: str
    members: list[OrgOut] = Field(
        description="Members you may see (confidential groups hide others)."
    )


class RecipientsIn(Strict):
    community: bool = False
    orgs: list[DbId] = Field(default_factory=list, max_length=1000)
    groups: list[DbId] = Field(default_factory=list, max_length=1000)


class ShareIn(Strict):
    objects: StixObjects = Field(min_length=1, description="STIX 2.1 objects.")
    tlp: str | None = Field(
        default=None, examples=["amber"], description="Default TLP for unmarked objects."
    )
    recipients: RecipientsIn = Field(default_factory=RecipientsIn)
    anonymous: bool = False


class ShareOut(BaseModel):
    status_id: str
    total: int
    stored: int
    already_stored: int


class ObjectOut(BaseModel):
    id: str
    type: str
    version: str
    date_added: str
    tlp: str
    author_org_id: int | None = Field(description="Hidden (null) for anonymous submissions.")
    object: dict[str, Any]


class ObjectPage(BaseModel):
    objects: list[ObjectOut]
    next_cursor: str | None


class ObjectDetail(ObjectOut):
    feedback: dict[str, int]


class VersionsOut(BaseModel):
    id: str
    versions: list[str]


class CountsOut(BaseModel):
    total: int
    counts: dict[str, int]


class SightingIn(Strict):
    count: int = Field(default=1, ge=1, le=999_999_999)
    note: str = Field(default="", max_length=5000, pattern=TEXT_PATTERN)


class OpinionIn(Strict):
    opinion: str = Field(
        examples=["false-positive"],
        pattern="^(agree|strongly-agree|neutral|disagree|false-positive)$",
    )
    note: str = Field(default="", max_length=5000, pattern=TEXT_PATTERN)


class FeedbackOut(BaseModel):
    id: str
    counts: dict[str, int]


class AuditOut(BaseModel):
    ts: str
    user_id: int | None
    org_id: int | None
    action: str
    transport: str
    stix_id: str | None
    version: str | None
    tlp: str | None
    author_org_id: int | None
    detail: str


class AuditPageOut(BaseModel):
    entries: list[AuditOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for older entries.")
