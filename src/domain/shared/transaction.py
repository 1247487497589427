"""What every unit of work is: one transaction, kept only if ``commit()`` is called."""

from types import TracebackType
from typing import Protocol, Self


class Transaction(Protocol):
    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...
