"""Repositories of tables with sealed personal-data columns (SEC-06): ``to_row`` seals the
plaintext of the domain's value objects, ``from_row`` opens it again."""

import functools
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy import Column, Row, Table
from sqlalchemy.ext.asyncio import AsyncConnection

from ..crypto import FieldCipher
from .repository import TableRepository

E = TypeVar("E")
F = TypeVar("F")


def sealed_columns(table: Table) -> list[Column[Any]]:
    return [column for column in table.columns if column.info.get("sealed")]


def field_name(column: Column[Any]) -> str:
    """What a sealed value is bound to, besides its row: ``workers.bank_card``."""
    return f"{column.table.name}.{column.name}"


@functools.cache
def _sealed_field(table: Table, column: str) -> str:
    if not table.c[column].info.get("sealed"):
        raise ValueError(f"{table.name}.{column} is not marked SEALED in tables.py")
    return field_name(table.c[column])


class SealingRepository(TableRepository[E, F]):
    def __init__(self, connection: AsyncConnection, seen: set[UUID], cipher: FieldCipher) -> None:
        super().__init__(connection, seen)
        self._cipher = cipher

    def _field(self, column: str) -> str:
        return _sealed_field(self.table, column)

    def sealed(self, column: str, row_id: UUID, plaintext: str) -> bytes:
        return self._cipher.encrypt(plaintext, field=self._field(column), row=row_id)

    def opened(self, row: Row[Any], column: str) -> str:
        sealed: bytes = getattr(row, column)
        return self._cipher.decrypt(sealed, field=self._field(column), row=row.id)

    def sealed_optional(self, column: str, row_id: UUID, plaintext: str | None) -> bytes | None:
        return None if plaintext is None else self.sealed(column, row_id, plaintext)

    def opened_optional(self, row: Row[Any], column: str) -> str | None:
        return None if getattr(row, column) is None else self.opened(row, column)
