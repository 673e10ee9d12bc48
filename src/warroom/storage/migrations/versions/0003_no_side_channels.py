"""Close side channels: per-organisation user names and per-owner group names, several rows per
(id, version) (an observable shared by several organisations, a version re-shared to another
audience), the audit facts the audit views decide on, and the directory's change counter (what
the principal and group caches check).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _unique_names(table: str) -> list[str]:
    inspector = sa.inspect(op.get_bind())
    return [str(c["name"]) for c in inspector.get_unique_constraints(table) if c.get("name")]


# SQLite's column-level UNIQUE constraints have no name: batch mode names them by this
# convention when it reflects the table, so they can be dropped by that name
NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def _drop_unique(table: str, column: str) -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        with op.batch_alter_table(table, naming_convention=NAMING) as batch:
            batch.drop_constraint(f"uq_{table}_{column}", type_="unique")
        return
    with op.batch_alter_table(table) as batch:
        for name in _unique_names(table):
            batch.drop_constraint(name, type_="unique")


def upgrade() -> None:
    _drop_unique("users", "username")
    with op.batch_alter_table("users") as batch:
        batch.create_unique_constraint("uq_users_org_username", ["org_id", "username"])
        batch.create_index("ix_users_username", ["username"])
    _drop_unique("sharing_groups", "name")
    with op.batch_alter_table("sharing_groups") as batch:
        batch.create_unique_constraint("uq_groups_owner_name", ["owner_org_id", "name"])
    with op.batch_alter_table("objects") as batch:
        batch.drop_constraint("uq_objects_id_version", type_="unique")
        batch.add_column(sa.Column("has_earlier_twin", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.create_index("ix_objects_id_version", ["stix_id", "version", "seq"])
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("audience_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("anonymous", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("scope_org_id", sa.Integer(), nullable=True))
        batch.create_index("ix_audit_ts", ["ts", "id"])
    # earlier administration entries were scoped by the acting organisation
    op.execute("UPDATE audit_log SET scope_org_id = org_id WHERE action = 'admin'")
    op.create_table(
        "directory_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("epoch", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute("INSERT INTO directory_state (id, epoch) VALUES (1, 0)")


def downgrade() -> None:  # pragma: no cover - forward only, like the earlier revisions
    raise NotImplementedError("warroom migrations are forward only")
