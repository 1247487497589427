"""Personal data sealed at rest (SEC-06): ID numbers, phones, bank cards and account numbers
become AES-256-GCM ``bytea``; workers get a blind index of the ID number, unique.

Existing rows are encrypted here, under the active key of ``FLEXFIN_PII_KEYS`` (and hashed
under ``FLEXFIN_PII_HASH_KEY``) read from the environment, as ``flexfin migrate`` and ``serve``
see it; the downgrade decrypts them back. Afterwards the old plaintext still sits in dead row
versions until ``VACUUM FULL enterprises, workers, institutions`` (docs/security.md).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from src.adapters.crypto import FieldCipher
from src.settings import Settings

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEALED = {
    "enterprises": {"phone": 11, "account_number": 32},
    "workers": {"id_number": 18, "phone": 11, "bank_card": 19},
    "institutions": {"phone": 11},
}
"""The sealed columns as of this revision, with their former ``varchar`` lengths."""
BATCH = 1000


def _cipher() -> FieldCipher:
    settings = Settings.from_env()
    return FieldCipher(settings.pii_keys, settings.pii_hash_key)


def _rewrite(
    name: str, extra: Sequence[str], change: Callable[[str, Any, str, bytes], dict[str, bytes]]
) -> None:
    """Set every row's sealed columns (and ``extra`` ones) to ``change(field, id, column,
    value)``, in keyset batches."""
    columns = [*SEALED[name], *extra]
    table = sa.table(
        name, sa.column("id", sa.Uuid()), *(sa.column(c, sa.LargeBinary()) for c in columns)
    )
    rewrite = (
        sa.update(table)
        .where(table.c.id == sa.bindparam("row_id"))
        .values({c: sa.bindparam(f"new_{c}") for c in columns})
    )
    bind = op.get_bind()
    after = None
    while True:
        query = sa.select(table).order_by(table.c.id).limit(BATCH)
        if after is not None:
            query = query.where(table.c.id > after)
        rows = bind.execute(query).all()
        if not rows:
            return
        parameters = []
        for row in rows:
            new: dict[str, Any] = {"row_id": row.id}
            for column in SEALED[name]:
                changed = change(f"{name}.{column}", row.id, column, getattr(row, column))
                new.update({f"new_{c}": value for c, value in changed.items()})
            parameters.append(new)
        bind.execute(rewrite, parameters)
        after = rows[-1].id


def upgrade() -> None:
    op.drop_constraint("uq_workers_id_number", "workers", type_="unique")
    op.add_column("workers", sa.Column("id_number_hash", sa.LargeBinary(), nullable=True))
    for name, columns in SEALED.items():
        for column in columns:
            op.alter_column(
                name,
                column,
                type_=sa.LargeBinary(),
                postgresql_using=f"convert_to({column}, 'UTF8')",
            )
    cipher = _cipher()

    def seal(field: str, row_id: Any, column: str, value: bytes) -> dict[str, bytes]:
        plaintext = bytes(value).decode()
        sealed = {column: cipher.encrypt(plaintext, field=field, row=row_id)}
        if field == "workers.id_number":
            sealed["id_number_hash"] = cipher.blind_index(plaintext, purpose="id_number")
        return sealed

    for name in SEALED:
        _rewrite(name, ["id_number_hash"] if name == "workers" else [], seal)
    op.alter_column("workers", "id_number_hash", nullable=False)
    op.create_unique_constraint("uq_workers_id_number_hash", "workers", ["id_number_hash"])


def downgrade() -> None:
    op.drop_constraint("uq_workers_id_number_hash", "workers", type_="unique")
    cipher = _cipher()

    def open_(field: str, row_id: Any, column: str, value: bytes) -> dict[str, bytes]:
        return {column: cipher.decrypt(value, field=field, row=row_id).encode()}

    for name in SEALED:
        _rewrite(name, [], open_)
    for name, columns in SEALED.items():
        for column, length in columns.items():
            op.alter_column(
                name,
                column,
                type_=sa.String(length),
                postgresql_using=f"convert_from({column}, 'UTF8')",
            )
    op.drop_column("workers", "id_number_hash")
    op.create_unique_constraint("uq_workers_id_number", "workers", ["id_number"])
