"""The database as the adapters see it: the engine, the personal-data cipher, and at most one
connection per request.

``request()`` opens a request's scope. Inside it, every ``connect()`` and ``begin()`` (the
session check, the cost budget, each unit of work, the audit trail) is lent the request's one
connection, checked out from the pool the first time it is needed and returned when the
request ends; a request that needs no database never checks one out. Resolvers of one request
that run at once take turns on it. Outside a request (the command line, tests) each
``connect()`` checks out a connection of its own.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ..crypto import FieldCipher

if TYPE_CHECKING:
    from .unit_of_work import PostgresUnitOfWork

R = TypeVar("R")
T = TypeVar("T")

Opener = Callable[["PostgresUnitOfWork"], None]
"""Called on every unit of work as it opens, to attach a cross-cutting concern (the audit
trail, previews) through its hooks."""


class _RequestConnection:
    """One request's connection: checked out on first use, lent to one user at a time."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._connection: AsyncConnection | None = None
        self._turn = asyncio.Lock()

    @contextlib.asynccontextmanager
    async def lend(self) -> AsyncIterator[AsyncConnection]:
        if _HOLDING.get() is self:
            # Used again from inside a use of it (in the same task, or a task it started): to
            # wait for the turn would be to wait for itself. A connection of its own instead.
            async with self._engine.connect() as own:
                yield own
            return
        async with self._turn:
            holding = _HOLDING.set(self)
            try:
                if self._connection is None:
                    self._connection = await self._engine.connect()
                yield self._connection
            finally:
                _HOLDING.reset(holding)
                if self._connection is not None and self._connection.in_transaction():
                    await self._connection.rollback()

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()
            self._connection = None


_HOLDING: ContextVar[_RequestConnection | None] = ContextVar("holding_connection", default=None)
_REQUEST: ContextVar[_RequestConnection | None] = ContextVar("request_connection", default=None)


@dataclass(frozen=True, slots=True)
class Database:
    engine: AsyncEngine
    cipher: FieldCipher
    openers: Sequence[Opener] = field(default=())

    @contextlib.asynccontextmanager
    async def request(self) -> AsyncIterator[None]:
        """The scope of one request: at most one connection, returned at the end."""
        lent = _RequestConnection(self.engine)
        token = _REQUEST.set(lent)
        try:
            yield
        finally:
            _REQUEST.reset(token)
            await lent.close()

    def scoped(self, handler: Callable[[R], Awaitable[T]]) -> Callable[[R], Awaitable[T]]:
        """``handler`` with each call in a request's scope."""

        async def handle(request: R) -> T:
            async with self.request():
                return await handler(request)

        return handle

    @contextlib.asynccontextmanager
    async def connect(self) -> AsyncIterator[AsyncConnection]:
        """The request's connection (or, outside a request, a new one); whatever transaction
        the user leaves open is rolled back."""
        lent = _REQUEST.get()
        if lent is None:
            async with self.engine.connect() as connection:
                yield connection
        else:
            async with lent.lend() as connection:
                yield connection

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """The request's connection for statements that need no transaction around them: each
        runs on its own (autocommit), without the round trips of BEGIN and ROLLBACK. For
        single reads, and single-statement writes (the cost charge)."""
        async with self.connect() as connection:
            default = connection.default_isolation_level
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            try:
                yield connection
            finally:
                await connection.rollback()  # ends SQLAlchemy's autobegun marker: no round trip
                await connection.execution_options(isolation_level=default)

    @contextlib.asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncConnection]:
        """A connection in a transaction, committed if the block succeeds."""
        async with self.connect() as connection, connection.begin():
            yield connection
