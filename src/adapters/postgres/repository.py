"""One generic table-backed repository; each aggregate supplies its row mapping and filters,
and, for the read side, how each field a reader may ask for is read (``shown``)."""

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar
from uuid import UUID

from asyncpg.exceptions import UniqueViolationError
from sqlalchemy import ColumnElement, Row, Select, Table, exists, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from ...domain.shared.errors import AlreadyExists
from ...domain.shared.pagination import Page, PageRequest
from ...domain.shared.views import View
from .database import Database

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


@dataclass(frozen=True, slots=True)
class Shown:
    """How the read side reads one field: the columns it needs, and what it makes of them."""

    columns: tuple[str, ...]
    read: Callable[[Any, Row[Any]], object]
    """Given the repository (for opening sealed columns) and a row of those columns."""


def plain(column: str, convert: Callable[[Any], object] = lambda value: value) -> Shown:
    return Shown((column,), lambda _, row: convert(getattr(row, column)))


class TableRepository(Generic[E, F]):
    """Keyset-paged access to one table whose primary key ``id`` is a time-ordered UUID."""

    table: ClassVar[Table]
    unique_violations: ClassVar[Mapping[str, type[AlreadyExists]]] = {}
    shown: ClassVar[Mapping[str, Shown]] = {}
    """The read side's fields: ``view_page`` and ``views`` select only the columns of the
    fields asked for, and open sealed columns only for fields that show them."""

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

    def _view_columns(self, fields: Collection[str]) -> list[Any]:
        shown = [self.shown[field] for field in fields if field in self.shown]
        names = {"id", *(column for field in shown for column in field.columns)}
        return [self.table.c[name] for name in sorted(names)]

    def _view(self, row: Row[Any], fields: Collection[str]) -> View:
        read = {field: self.shown[field].read(self, row) for field in fields if field in self.shown}
        return {"id": row.id, **read}

    async def view_page(
        self, where: F, request: PageRequest, fields: Collection[str]
    ) -> Page[View]:
        """A page of views: ``fields`` (keys of ``shown``) and the ``id``, in id order."""
        query = select(*self._view_columns(fields)).where(
            *self._shared_conditions(where), *self.conditions(where)
        )
        return await keyset_page(
            self._connection, query, self.table.c.id, request, lambda r: self._view(r, fields)
        )

    async def views(self, ids: Collection[UUID], fields: Collection[str]) -> list[View]:
        """The views of those of ``ids`` that exist, in id order."""
        if not ids:
            return []
        query = select(*self._view_columns(fields)).where(self.table.c.id.in_(ids))
        rows = await self._connection.execute(query.order_by(self.table.c.id))
        return [self._view(row, fields) for row in rows]

    def _translated(self, error: IntegrityError) -> Exception:
        cause = getattr(error.orig, "__cause__", None)
        if isinstance(cause, UniqueViolationError):
            duplicate = self.unique_violations.get(cause.constraint_name or "")
            if duplicate is not None:
                return duplicate()
        return error


class TableViews(Generic[F]):
    """The ``Views`` port over one repository class, each call on the request's connection."""

    def __init__(
        self, database: Database, repository: Callable[[AsyncConnection], TableRepository[Any, F]]
    ) -> None:
        self._database = database
        self._repository = repository

    async def page(self, where: F, request: PageRequest, fields: Collection[str]) -> Page[View]:
        async with self._database.read() as connection:
            return await self._repository(connection).view_page(where, request, fields)

    async def by_ids(self, ids: Collection[UUID], fields: Collection[str]) -> list[View]:
        async with self._database.read() as connection:
            return await self._repository(connection).views(ids, fields)
