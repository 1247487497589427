"""Every change to partner clients, trusted documents or their grants is announced on the
``partner_registry`` channel (NOTIFY, sent when the change commits), so that server processes
can keep them in memory and drop them the moment they change (ADR 0013, issue 7).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("partner_clients", "trusted_documents", "partner_client_documents")


def upgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION notify_partner_registry() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('partner_registry', TG_TABLE_NAME);
            RETURN NULL;
        END $$
        """
    )
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
            f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION notify_partner_registry()"
        )


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"DROP TRIGGER {table}_changed ON {table}")
    op.execute("DROP FUNCTION notify_partner_registry()")
