"""The tables. Alembic migrations create them; a test checks the two never drift."""

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
)

SEALED = {"sealed": True}
"""Marks a column of personal data sealed by ``src/adapters/crypto.py`` (SEC-06): the
repositories encrypt and decrypt it, ``flexfin rotate-pii-keys`` re-encrypts it."""

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
    Column("phone", LargeBinary, nullable=False, info=SEALED),
    Column("bank_name", Text, nullable=False),
    Column("account_number", LargeBinary, nullable=False, info=SEALED),
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
    Column("id_number", LargeBinary, nullable=False, info=SEALED),
    Column("id_number_hash", LargeBinary, nullable=False, unique=True),
    Column("phone", LargeBinary, nullable=False, info=SEALED),
    Column("bank_card", LargeBinary, nullable=False, info=SEALED),
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
    Column("phone", LargeBinary, nullable=False, info=SEALED),
    Column("registered_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("kind IN ('bank', 'insurer', 'guarantor')", name="kind"),
)
