"""Persisted queries (APQ), trusted documents, partner clients and their grants (CARD-4, SEC-10).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _created_at() -> sa.Column[object]:
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "persisted_documents",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        _created_at(),
        sa.CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name="ck_persisted_documents_sha256_hex"),
        sa.PrimaryKeyConstraint("sha256", name="pk_persisted_documents"),
    )
    op.create_table(
        "trusted_documents",
        sa.Column("id", sa.String(100), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        _created_at(),
        sa.CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name="ck_trusted_documents_sha256_hex"),
        sa.PrimaryKeyConstraint("id", name="pk_trusted_documents"),
        sa.UniqueConstraint("sha256", name="uq_trusted_documents_sha256"),
    )
    op.create_table(
        "partner_clients",
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("institution_id", sa.Uuid(), nullable=False),
        sa.Column("secret_hash", sa.Text(), nullable=False),
        sa.Column("ip_allowlist", postgresql.ARRAY(postgresql.CIDR()), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        _created_at(),
        sa.CheckConstraint("status IN ('active', 'suspended')", name="ck_partner_clients_status"),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institutions.id"],
            name="fk_partner_clients_institution_id_institutions",
        ),
        sa.PrimaryKeyConstraint("client_id", name="pk_partner_clients"),
    )
    op.create_table(
        "partner_client_documents",
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("document_id", sa.String(100), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["partner_clients.client_id"],
            name="fk_partner_client_documents_client_id_partner_clients",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["trusted_documents.id"],
            name="fk_partner_client_documents_document_id_trusted_documents",
        ),
        sa.PrimaryKeyConstraint("client_id", "document_id", name="pk_partner_client_documents"),
    )


def downgrade() -> None:
    op.drop_table("partner_client_documents")
    op.drop_table("partner_clients")
    op.drop_table("trusted_documents")
    op.drop_table("persisted_documents")
