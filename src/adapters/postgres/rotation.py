"""``flexfin rotate-pii-keys``: re-encrypt under the active key every sealed value that is under
another one (SEC-06, ADR 0011).

Table by table, in batches of rows, each batch its own transaction: the rows that hold a value
under an older key are locked (``FOR UPDATE``, so a concurrent change is not overwritten),
opened and sealed again under the active key. A row already under the active key is never
selected, so a second run changes nothing and a run stopped half-way can be run again."""

from typing import Any

from sqlalchemy import Column, LargeBinary, Table, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from ..crypto import FieldCipher
from .sealed import field_name, sealed_columns
from .tables import metadata


async def rotate_pii_keys(
    engine: AsyncEngine, cipher: FieldCipher, batch_size: int = 500
) -> dict[str, int]:
    """Re-encrypt; returns how many rows of each table with sealed columns were re-encrypted."""
    if batch_size < 1:
        raise ValueError("the batch size must be at least 1")
    return {
        table.name: await _rotate_table(engine, cipher, table, columns, batch_size)
        for table in metadata.sorted_tables
        if (columns := sealed_columns(table))
    }


async def _rotate_table(
    engine: AsyncEngine,
    cipher: FieldCipher,
    table: Table,
    columns: list[Column[Any]],
    batch_size: int,
) -> int:
    prefix = cipher.active_header
    stale = or_(*(func.substr(c, 1, len(prefix), type_=LargeBinary) != prefix for c in columns))
    rewrite = (
        update(table)
        .where(table.c.id == bindparam("row_id"))
        .values({c.name: bindparam(f"new_{c.name}") for c in columns})
    )
    rotated, after = 0, None
    while True:
        query = select(table.c.id, *columns).where(stale).order_by(table.c.id).limit(batch_size)
        if after is not None:
            query = query.where(table.c.id > after)
        async with engine.begin() as connection:
            rows = (await connection.execute(query.with_for_update())).all()
            if not rows:
                # Only an empty batch ends the table: a batch comes back short when rows it
                # waited for were changed, and so re-sealed, meanwhile.
                return rotated
            await connection.execute(
                rewrite,
                [
                    {
                        "row_id": row.id,
                        **{f"new_{c.name}": _resealed(cipher, c, row) for c in columns},
                    }
                    for row in rows
                ],
            )
        rotated += len(rows)
        after = rows[-1].id


def _resealed(cipher: FieldCipher, column: Column[Any], row: Any) -> bytes | None:
    """The value under the active key (an empty optional column stays empty)."""
    sealed = getattr(row, column.name)
    if sealed is None:
        return None
    field = field_name(column)
    return cipher.encrypt(cipher.decrypt(sealed, field=field, row=row.id), field=field, row=row.id)
