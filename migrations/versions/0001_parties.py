"""Parties: enterprises, workers, financial institutions (PARTY-01, PARTY-03, PARTY-05).

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "enterprises",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("credit_code", sa.String(18), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("legal_representative", sa.Text(), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("business_scope", sa.Text(), nullable=False),
        sa.Column("phone", sa.String(11), nullable=False),
        sa.Column("bank_name", sa.Text(), nullable=False),
        sa.Column("account_number", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("onboarded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closure_reason", sa.Text(), nullable=True),
        sa.CheckConstraint("status IN ('active', 'closed')", name="ck_enterprises_status"),
        sa.CheckConstraint(
            "(status = 'closed') = (closed_at IS NOT NULL)",
            name="ck_enterprises_closed_at_iff_closed",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_enterprises"),
        sa.UniqueConstraint("credit_code", name="uq_enterprises_credit_code"),
    )
    op.create_table(
        "workers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("id_number", sa.String(18), nullable=False),
        sa.Column("phone", sa.String(11), nullable=False),
        sa.Column("bank_card", sa.String(19), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_workers"),
        sa.UniqueConstraint("id_number", name="uq_workers_id_number"),
    )
    op.create_table(
        "institutions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("credit_code", sa.String(18), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("phone", sa.String(11), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('bank', 'insurer', 'guarantor')", name="ck_institutions_kind"),
        sa.PrimaryKeyConstraint("id", name="pk_institutions"),
        sa.UniqueConstraint("credit_code", name="uq_institutions_credit_code"),
    )


def downgrade() -> None:
    op.drop_table("institutions")
    op.drop_table("workers")
    op.drop_table("enterprises")
