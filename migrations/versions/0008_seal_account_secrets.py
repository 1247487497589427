"""Accounts' phones and TOTP secrets sealed at rest (SEC-06), like the parties' personal data
in 0003: AES-256-GCM ``bytea`` bound to column and row, under ``FLEXFIN_PII_KEYS``. Existing
values are encrypted here; the downgrade decrypts them back.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from src.adapters.crypto import FieldCipher
from src.settings import Settings

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = {"phone": sa.String(11), "totp_secret": sa.Text(), "totp_pending_secret": sa.Text()}


def _cipher() -> FieldCipher:
    settings = Settings.from_env()
    return FieldCipher(settings.pii_keys, settings.pii_hash_key)


def _convert(new_type: sa.types.TypeEngine[Any], change: Callable[[str, Any, Any], Any]) -> None:
    """Replace each column by one of ``new_type`` holding ``change(field, row id, value)``."""
    for column in COLUMNS:
        op.add_column("accounts", sa.Column(f"{column}_new", new_type, nullable=True))
    old = sa.table("accounts", sa.column("id", sa.Uuid()), *map(sa.column, COLUMNS))
    bind = op.get_bind()
    for row in bind.execute(sa.select(old)).all():
        values = {
            f"{column}_new": change(f"accounts.{column}", row.id, value)
            for column in COLUMNS
            if (value := getattr(row, column)) is not None
        }
        if values:
            new = sa.table("accounts", sa.column("id", sa.Uuid()), *map(sa.column, values))
            bind.execute(sa.update(new).where(new.c.id == row.id).values(values))
    for column in COLUMNS:
        op.drop_column("accounts", column)
        op.alter_column("accounts", f"{column}_new", new_column_name=column)


def upgrade() -> None:
    cipher = _cipher()
    _convert(sa.LargeBinary(), lambda field, id, value: cipher.encrypt(value, field=field, row=id))


def downgrade() -> None:
    cipher = _cipher()
    _convert(sa.Text(), lambda field, id, value: cipher.decrypt(value, field=field, row=id))
    op.alter_column("accounts", "phone", type_=sa.String(11))
