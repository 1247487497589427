"""Query-cost budgets in an UNLOGGED table: a read request's cost charge writes no WAL and waits
for no disk flush (issue 7: no synchronous write on the read path). A budget is throttle
state that refills by itself: after a crash PostgreSQL empties the table, and every caller
starts again with a full budget (ADR 0014).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER TABLE cost_budgets SET UNLOGGED")


def downgrade() -> None:
    op.execute("ALTER TABLE cost_budgets SET LOGGED")
