"""The tables. Alembic migrations create them; a test checks the two never drift."""

from sqlalchemy import (
    ARRAY,
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Index,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

enterprises = Table(
    "enterprises",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("credit_code", String(18), nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("legal_representative", Text, nullable=False),
    Column("address", Text, nullable=False),
    Column("business_scope", Text, nullable=False),
    Column("phone", String(11), nullable=False),
    Column("bank_name", Text, nullable=False),
    Column("account_number", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("onboarded_at", DateTime(timezone=True), nullable=False),
    Column("closed_at", DateTime(timezone=True)),
    Column("closure_reason", Text),
    CheckConstraint("status IN ('active', 'closed')", name="status"),
    CheckConstraint("(status = 'closed') = (closed_at IS NOT NULL)", name="closed_at_iff_closed"),
)

workers = Table(
    "workers",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", Text, nullable=False),
    Column("id_number", String(18), nullable=False, unique=True),
    Column("phone", String(11), nullable=False),
    Column("bank_card", String(19), nullable=False),
    Column("address", Text, nullable=False),
    Column("registered_at", DateTime(timezone=True), nullable=False),
)

institutions = Table(
    "institutions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("name", Text, nullable=False),
    Column("credit_code", String(18), nullable=False, unique=True),
    Column("address", Text, nullable=False),
    Column("phone", String(11), nullable=False),
    Column("registered_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("kind IN ('bank', 'insurer', 'guarantor')", name="kind"),
)

audit_records = Table(
    "audit_records",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("id", Uuid, nullable=False, unique=True),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("operation", Text, nullable=False),
    Column("outcome", String(8), nullable=False),
    Column("actor_account_id", Uuid),
    Column("client_id", Text),
    Column("roles", ARRAY(Text), nullable=False),
    Column("organisation_id", Uuid),
    Column("target_ids", ARRAY(Text), nullable=False),
    Column("ip", Text),
    Column("user_agent", Text),
    Column("request_id", Text),
    Column("detail", Text),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    CheckConstraint("outcome IN ('ok', 'failed', 'denied')", name="outcome"),
    Index(None, "occurred_at"),
    Index(None, "actor_account_id"),
)
"""Append-only (SEC-08): a trigger made by migration 0006 refuses UPDATE, DELETE and TRUNCATE."""
