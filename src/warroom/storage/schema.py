"""The SQL schema (SQLAlchemy Core), shared by SQLite and PostgreSQL and by the migrations.

Why: STIX JSON is stored canonically in ``objects.body``; the columns next to it are what reads
filter and sort on. ``seq`` orders rows by ``date_added`` (both grow together), so TAXII pages
are index range scans.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

# BIGINT on PostgreSQL, INTEGER (the rowid alias) on SQLite.
BigId = BigInteger().with_variant(Integer(), "sqlite")

orgs = Table(
    "orgs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("identity_id", String(100), nullable=False, unique=True),
    Column("sector", String(100), nullable=False, default=""),
    Column("created_at", BigInteger, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("org_id", Integer, ForeignKey("orgs.id"), nullable=False, index=True),
    # unique per organisation: a global name would tell whether another organisation has it
    Column("username", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("instance_admin", Boolean, nullable=False, default=False),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", BigInteger, nullable=False),
    UniqueConstraint("org_id", "username", name="uq_users_org_username"),
    Index("ix_users_username", "username"),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False, default=""),
    Column("prefix", String(16), nullable=False, unique=True),
    Column("key_hash", String(64), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("revoked", Boolean, nullable=False, default=False),
)

groups = Table(
    "sharing_groups",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),  # unique per owner organisation
    Column("owner_org_id", Integer, ForeignKey("orgs.id"), nullable=False),
    Column("confidential", Boolean, nullable=False, default=False),
    Column("description", Text, nullable=False, default=""),
    Column("created_at", BigInteger, nullable=False),
    UniqueConstraint("owner_org_id", "name", name="uq_groups_owner_name"),
)

group_members = Table(
    "group_members",
    metadata,
    Column("group_id", Integer, ForeignKey("sharing_groups.id"), primary_key=True),
    Column("org_id", Integer, ForeignKey("orgs.id"), primary_key=True),
)

# One row: a counter every change of who-is-who bumps (revoked key, user role or state, group
# membership, new group or organisation), in the change's transaction. What the directory caches
# (a key's principal, the groups, the organisations) is reused only while the counter is
# unchanged, so no answer is stale once a change is committed — in every server process.
directory_state = Table(
    "directory_state",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("epoch", BigInteger, nullable=False),
)

audiences = Table(
    "audiences",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(64), nullable=False, unique=True),
    Column("tlp", SmallInteger, nullable=False),
    Column("community", Boolean, nullable=False),
    Column("org_ids", Text, nullable=False),  # comma-separated, sorted
    Column("group_ids", Text, nullable=False),
)

objects = Table(
    "objects",
    metadata,
    Column("seq", BigId, primary_key=True, autoincrement=True),
    Column("stix_id", String(300), nullable=False),
    Column("type", String(250), nullable=False),
    Column("spec_version", String(10), nullable=False),
    Column("version", BigInteger, nullable=False),  # modified/created (or date_added), in µs
    Column("version_text", String(40), nullable=False),
    Column("date_added", BigInteger, nullable=False),  # µs, strictly increasing with seq
    Column("author_org_id", Integer, ForeignKey("orgs.id"), nullable=False),
    Column("audience_id", Integer, ForeignKey("audiences.id"), nullable=False),
    Column("tlp", SmallInteger, nullable=False),
    Column("anonymous", Boolean, nullable=False, default=False),
    # over every row of the id, whoever may read it: a shortcut only (a globally latest row is
    # latest for every reader); readers' own first/last are decided per reader
    Column("is_latest", Boolean, nullable=False),
    Column("is_first", Boolean, nullable=False),
    # another row with the same (stix_id, version) was stored before this one (the same version
    # re-shared to another audience, or an observable shared by several organisations)
    Column("has_earlier_twin", Boolean, nullable=False, default=False),
    Column("body", Text, nullable=False),  # canonical JSON as served to recipients
    Column("body_original", Text, nullable=True),  # the author's JSON, anonymous objects only
    Index("ix_objects_id_version", "stix_id", "version", "seq"),
    Index("ix_objects_type_seq", "type", "seq"),
    Index("ix_objects_date_added", "date_added"),
    Index("ix_objects_audience_seq", "audience_id", "seq"),
)

statuses = Table(
    "statuses",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("org_id", Integer, ForeignKey("orgs.id"), nullable=False),
    Column("request_timestamp", BigInteger, nullable=False),
    Column("status", String(20), nullable=False),
    Column("total_count", Integer, nullable=False),
    Column("success_count", Integer, nullable=False),
    Column("failure_count", Integer, nullable=False),
    Column("pending_count", Integer, nullable=False),
    Column("detail", Text, nullable=False),  # JSON: successes, failures, pendings
)

feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("target_id", String(300), nullable=False, index=True),
    Column("object_seq", BigInteger, nullable=False),  # the sighting/opinion STIX object
    Column("org_id", Integer, ForeignKey("orgs.id"), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("kind", String(20), nullable=False),  # sighting | opinion
    Column("value", String(40), nullable=False),
    Column("created_at", BigInteger, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("ts", BigInteger, nullable=False),
    Column("user_id", Integer, nullable=True),
    Column("org_id", Integer, nullable=True),
    Column("action", String(20), nullable=False),  # read | write | delete | admin
    Column("transport", String(20), nullable=False),  # taxii | rest | cli | export
    Column("stix_id", String(300), nullable=True),
    Column("version_text", String(40), nullable=True),
    Column("tlp", SmallInteger, nullable=True),
    Column("author_org_id", Integer, nullable=True),
    Column("detail", Text, nullable=False, default=""),
    # what the audit views need to decide who may see an entry (policy.audit_view)
    Column("audience_id", Integer, nullable=True),  # the audience of the row read or written
    Column("anonymous", Boolean, nullable=False, default=False),  # an anonymous submission
    Column("scope_org_id", Integer, nullable=True),  # admin entries: whose admins may read them
    Index("ix_audit_org", "org_id", "id"),
    Index("ix_audit_author", "author_org_id", "id"),
    Index("ix_audit_ts", "ts", "id"),
)

# Domain watch: what each organisation protects, and names that are nobody's lookalike.
protected_assets = Table(
    "protected_assets",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("org_id", Integer, ForeignKey("orgs.id"), nullable=False),
    Column("domain", String(300), nullable=False),  # registrable domain, ASCII
    Column("owner_name", String(300), nullable=False),  # who the asset names (an office, a person)
    Column("tokens", Text, nullable=False, default=""),  # space-separated brand tokens
    Column("owned", Text, nullable=False, default=""),  # space-separated owned domains
    Column("created_at", BigInteger, nullable=False),
    UniqueConstraint("org_id", "domain", name="uq_protected_asset"),
)

domain_allowlist = Table(
    "domain_allowlist",
    metadata,
    Column("domain", String(300), primary_key=True),
    Column("source", String(100), nullable=False),
)
