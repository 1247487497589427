"""The PostgreSQL unit of work: one connection, one transaction, the ids it touched, and hooks.

It knows nothing of auditing or previews: the ``Database``'s openers attach those from the
outside through ``before_commit`` (run in the transaction, just before it commits),
``on_close`` (run when the block ends, however it ends) and ``keep`` (a preview sets it to
False: ``commit()`` then runs the hooks but keeps nothing). Each module has its own subclass
naming its repositories with ``repository(...)``; a repository is built the first time a use
case touches it, so a unit of work costs only what its use case reads or writes.
"""

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import Any, Generic, Self, TypeVar, overload
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncTransaction

from ..crypto import FieldCipher
from .database import Database

R = TypeVar("R")


class PostgresUnitOfWork:
    def __init__(self, database: Database, *, reading: bool = False) -> None:
        """A ``reading`` unit of work only reads: its statements run without a transaction
        around them (no BEGIN, no ROLLBACK), and it cannot commit."""
        self.database = database
        self.reading = reading
        self.seen: set[UUID] = set()
        """Ids the repositories added, saved or locked for update: the audit targets."""
        self.before_commit: list[Callable[[], Awaitable[None]]] = []
        self.on_close: list[Callable[[], None]] = []
        self.keep = True
        self._lease: AbstractAsyncContextManager[AsyncConnection] | None = None
        self._connection: AsyncConnection | None = None
        self._transaction: AsyncTransaction | None = None

    @property
    def connection(self) -> AsyncConnection:
        assert self._connection is not None, "the unit of work is not open"
        return self._connection

    @property
    def cipher(self) -> FieldCipher:
        return self.database.cipher

    async def __aenter__(self) -> Self:
        self._lease = self.database.read() if self.reading else self.database.connect()
        self._connection = await self._lease.__aenter__()
        try:
            if not self.reading:
                self._transaction = await self._connection.begin()
        except BaseException as error:
            await self._lease.__aexit__(type(error), error, error.__traceback__)
            raise
        for open_ in self.database.openers:
            open_(self)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._lease is not None
        try:
            if self._transaction is not None and self._transaction.is_active:
                await self._transaction.rollback()
        finally:
            await self._lease.__aexit__(exc_type, exc, tb)
            self._lease = self._connection = self._transaction = None
            for closed in self.on_close:
                closed()

    async def commit(self) -> None:
        """Run the hooks, then commit, unless the unit of work is not to ``keep`` anything."""
        assert self._transaction is not None, "commit() outside a unit of work that writes"
        for hook in self.before_commit:
            await hook()
        if self.keep:
            await self._transaction.commit()


class repository(Generic[R]):
    """A repository of a unit of work, built on first use from the open unit of work."""

    def __init__(self, build: Callable[[PostgresUnitOfWork], R]) -> None:
        self._build = build
        self._name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, uow: None, owner: Any) -> Self: ...
    @overload
    def __get__(self, uow: PostgresUnitOfWork, owner: Any) -> R: ...
    def __get__(self, uow: PostgresUnitOfWork | None, owner: Any) -> "R | Self":
        if uow is None:
            return self
        built: R | None = uow.__dict__.get(self._name)
        if built is None:
            built = uow.__dict__[self._name] = self._build(uow)
        return built
