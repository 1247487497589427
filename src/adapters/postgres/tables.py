"""The tables. Alembic migrations create them; a test checks the two never drift."""

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    Integer,
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

# No duplicate submission and second confirmation (SEC-04, ORD-03; ADR 0016).
idempotency_records = Table(
    "idempotency_records",
    metadata,
    Column("principal_key", Text, primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("claim_id", Uuid, nullable=False),
    Column("status", String(16), nullable=False),
    Column("response_status", Integer),
    Column("response_body", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False, index=True),
    CheckConstraint("status IN ('in_progress', 'completed')", name="status"),
    CheckConstraint(
        "(status = 'completed') = (response_status IS NOT NULL AND response_body IS NOT NULL)",
        name="response_iff_completed",
    ),
)

confirmation_uses = Table(
    "confirmation_uses",
    metadata,
    Column("token_id", Uuid, primary_key=True),
    Column("expires_at", DateTime(timezone=True), nullable=False, index=True),
)
