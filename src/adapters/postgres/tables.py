"""The tables. Alembic migrations create them; a test checks the two never drift."""

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, CIDR

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

# --- identity and access (SEC-01…SEC-10) ---

accounts = Table(
    "accounts",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("login", String(64), nullable=False, unique=True),
    Column("display_name", Text, nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("transaction_password_hash", Text),
    Column("roles", ARRAY(String(32)), nullable=False),
    Column("organisation_id", Uuid),
    Column("worker_id", Uuid),
    Column("totp_last_step", BigInteger),
    Column("status", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("phone", LargeBinary, info=SEALED),
    Column("totp_secret", LargeBinary, info=SEALED),
    Column("totp_pending_secret", LargeBinary, info=SEALED),
    CheckConstraint("status IN ('active', 'disabled')", name="status"),
)

login_guards = Table(
    "login_guards",
    metadata,
    Column("key", String(160), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("window_started_at", DateTime(timezone=True)),
    Column("locked_until", DateTime(timezone=True)),
    Column("lockouts", Integer, nullable=False),
)

login_challenges = Table(
    "login_challenges",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("answer_hash", LargeBinary, nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True)),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("account_id", Uuid, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
    Column("ip", String(45), nullable=False),
    Column("user_agent", Text, nullable=False),
    Column("amr", ARRAY(String(16)), nullable=False),
    Column("stepped_up_at", DateTime(timezone=True)),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    Column("revoked_reason", String(32)),
)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("token_hash", LargeBinary, primary_key=True),
    Column("session_id", Uuid, ForeignKey("sessions.id"), nullable=False, index=True),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True)),
)

login_events = Table(
    "login_events",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("account_id", Uuid, ForeignKey("accounts.id"), index=True),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("ip", String(45), nullable=False),
    Column("user_agent", Text, nullable=False),
    Column("result", String(32), nullable=False),
)

one_time_codes = Table(
    "one_time_codes",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("account_id", Uuid, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("purpose", String(32), nullable=False),
    Column("code_hash", LargeBinary, nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("used_at", DateTime(timezone=True)),
)

outbox_messages = Table(
    "outbox_messages",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("channel", String(8), nullable=False),
    Column("recipient", Text, nullable=False),
    Column("template", String(64), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True)),
)

role_grants = Table(
    "role_grants",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("account_id", Uuid, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("role", String(32), nullable=False),
    Column("requested_by", Uuid, ForeignKey("accounts.id"), nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("decided_by", Uuid, ForeignKey("accounts.id")),
    Column("decided_at", DateTime(timezone=True)),
    Column("status", String(16), nullable=False),
    CheckConstraint("status IN ('pending', 'approved', 'rejected')", name="status"),
    CheckConstraint("decided_by IS NULL OR decided_by <> requested_by", name="maker_checker"),
)

cost_budgets = Table(
    "cost_budgets",
    metadata,
    Column("principal_key", Text, primary_key=True),
    Column("available", Double, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    prefixes=["UNLOGGED"],  # throttle state: no WAL, emptied after a crash (migration 0010)
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
"""Append-only (SEC-08): a trigger made by migration 0005 refuses UPDATE, DELETE and TRUNCATE."""

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
