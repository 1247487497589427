"""Query-cost budgets per principal: a leaky bucket for the API limits (ADR 0014).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cost_budgets",
        sa.Column("principal_key", sa.Text(), nullable=False),
        sa.Column("available", sa.Double(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("principal_key", name="pk_cost_budgets"),
    )


def downgrade() -> None:
    op.drop_table("cost_budgets")
