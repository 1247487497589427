"""One generic table-backed repository; each aggregate supplies its row mapping and filters."""

from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, Generic, TypeVar
from uuid import UUID

from asyncpg.exceptions import UniqueViolationError
from sqlalchemy import ColumnElement, Row, Select, Table, exists, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from ...domain.shared.errors import AlreadyExists
from ...domain.shared.pagination import Page, PageRequest

E = TypeVar("E")
F = TypeVar("F")
T = TypeVar("T")


async def keyset_page(
    connection: AsyncConnection,
    query: Select[Any],
    key: ColumnElement[UUID],
    request: PageRequest,
    convert: Callable[[Row[Any]], T],
    *,
    newest_first: bool = False,
) -> Page[T]:
    """``request.first`` rows of ``query`` after the cursor, ordered by the time-ordered
    ``key`` (a UUIDv7 column), fetching one more row to know whether a next page exists."""
    if request.after is not None:
        query = query.where(key < request.after if newest_first else key > request.after)
    ordered = query.order_by(key.desc() if newest_first else key).limit(request.first + 1)
    rows = (await connection.execute(ordered)).all()
    return Page([convert(row) for row in rows[: request.first]], len(rows) > request.first)


class TableRepository(Generic[E, F]):
    """Keyset-paged access to one table whose primary key ``id`` is a time-ordered UUID."""

    table: ClassVar[Table]
    unique_violations: ClassVar[Mapping[str, type[AlreadyExists]]] = {}

    def __init__(self, connection: AsyncConnection, seen: set[UUID]) -> None:
        self._connection = connection
        self._seen = seen
        """The unit of work's record of the ids it added, saved or locked for update: the
        target ids of its audit record."""

    def to_row(self, entity: E) -> dict[str, Any]:
        raise NotImplementedError

    def from_row(self, row: Row[Any]) -> E:
        raise NotImplementedError

    def conditions(self, where: F) -> Sequence[ColumnElement[bool]]:
        raise NotImplementedError

    async def get(self, id: UUID, *, for_update: bool = False) -> E | None:
        query = select(self.table).where(self.table.c.id == id)
        if for_update:
            self._seen.add(id)
            query = query.with_for_update()
        row = (await self._connection.execute(query)).first()
        return None if row is None else self.from_row(row)

    async def get_many(self, ids: Sequence[UUID]) -> list[E]:
        """The rows that exist, in id (creation) order."""
        if not ids:
            return []
        query = select(self.table).where(self.table.c.id.in_(ids)).order_by(self.table.c.id)
        return [self.from_row(row) for row in await self._connection.execute(query)]

    async def _exists(self, condition: ColumnElement[bool]) -> bool:
        return bool(await self._connection.scalar(select(exists().where(condition))))

    async def add(self, entity: E) -> None:
        row = self.to_row(entity)
        self._seen.add(row["id"])
        try:
            await self._connection.execute(insert(self.table).values(row))
        except IntegrityError as error:
            raise self._translated(error) from error

    async def save(self, entity: E) -> None:
        row = self.to_row(entity)
        id = row.pop("id")
        self._seen.add(id)
        await self._connection.execute(update(self.table).where(self.table.c.id == id).values(row))

    def _shared_conditions(self, where: F) -> list[ColumnElement[bool]]:
        """``name_contains`` (literal, case-insensitive) and ``only`` (a row scope), for the
        filters that have them."""
        conditions = []
        if name := getattr(where, "name_contains", None):
            conditions.append(self.table.c.name.icontains(name, autoescape=True))
        if (only := getattr(where, "only", None)) is not None:
            conditions.append(self.table.c.id.in_(only))
        return conditions

    async def page(self, where: F, request: PageRequest) -> Page[E]:
        query = select(self.table).where(*self._shared_conditions(where), *self.conditions(where))
        return await keyset_page(self._connection, query, self.table.c.id, request, self.from_row)

    def _translated(self, error: IntegrityError) -> Exception:
        cause = getattr(error.orig, "__cause__", None)
        if isinstance(cause, UniqueViolationError):
            duplicate = self.unique_violations.get(cause.constraint_name or "")
            if duplicate is not None:
                return duplicate()
        return error
