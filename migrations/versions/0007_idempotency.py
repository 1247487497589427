"""Idempotency records and used confirmation tokens (SEC-04, ORD-03; ADR 0016).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "idempotency_records",
        sa.Column("principal_key", sa.Text(), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("claim_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('in_progress', 'completed')", name="ck_idempotency_records_status"
        ),
        sa.CheckConstraint(
            "(status = 'completed') = (response_status IS NOT NULL AND response_body IS NOT NULL)",
            name="ck_idempotency_records_response_iff_completed",
        ),
        sa.PrimaryKeyConstraint("principal_key", "key", name="pk_idempotency_records"),
    )
    op.create_index("ix_idempotency_records_expires_at", "idempotency_records", ["expires_at"])
    op.create_table(
        "confirmation_uses",
        sa.Column("token_id", sa.Uuid(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token_id", name="pk_confirmation_uses"),
    )
    op.create_index("ix_confirmation_uses_expires_at", "confirmation_uses", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_confirmation_uses_expires_at", table_name="confirmation_uses")
    op.drop_table("confirmation_uses")
    op.drop_index("ix_idempotency_records_expires_at", table_name="idempotency_records")
    op.drop_table("idempotency_records")
