"""The tables. Alembic migrations create them; a test checks the two never drift."""

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, CIDR

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

# Persisted queries and partner banks (CARD-4, SEC-10; ADR 0012, ADR 0013) ------------------

SHA256_HEX = "{name} ~ '^[0-9a-f]{{64}}$'"

persisted_documents = Table(
    "persisted_documents",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("document", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint(SHA256_HEX.format(name="sha256"), name="sha256_hex"),
)

trusted_documents = Table(
    "trusted_documents",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("sha256", String(64), nullable=False, unique=True),
    Column("document", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint(SHA256_HEX.format(name="sha256"), name="sha256_hex"),
)

partner_clients = Table(
    "partner_clients",
    metadata,
    Column("client_id", String(64), primary_key=True),
    Column("name", Text, nullable=False),
    Column("institution_id", Uuid, ForeignKey("institutions.id"), nullable=False),
    Column("secret_hash", Text, nullable=False),
    Column("ip_allowlist", ARRAY(CIDR), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("status IN ('active', 'suspended')", name="status"),
)

partner_client_documents = Table(
    "partner_client_documents",
    metadata,
    Column(
        "client_id",
        String(64),
        ForeignKey("partner_clients.client_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("document_id", String(100), ForeignKey("trusted_documents.id"), primary_key=True),
)
