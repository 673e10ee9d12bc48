"""Domain watch: protected assets per organisation and the domain allowlist.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "protected_assets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("domain", sa.String(length=300), nullable=False),
        sa.Column("owner_name", sa.String(length=300), nullable=False),
        sa.Column("tokens", sa.Text(), nullable=False),
        sa.Column("owned", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("org_id", "domain", name="uq_protected_asset"),
    )
    op.create_table(
        "domain_allowlist",
        sa.Column("domain", sa.String(length=300), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("domain"),
    )


def downgrade() -> None:
    op.drop_table("domain_allowlist")
    op.drop_table("protected_assets")
