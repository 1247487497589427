"""The unit of work: one transaction per use case. Nothing is kept unless ``commit()`` is
called; leaving the block without it rolls back."""

from types import TracebackType
from typing import Protocol, Self

from .parties.ports import EnterpriseRepository, InstitutionRepository, WorkerRepository


class UnitOfWork(Protocol):
    @property
    def enterprises(self) -> EnterpriseRepository: ...

    @property
    def workers(self) -> WorkerRepository: ...

    @property
    def institutions(self) -> InstitutionRepository: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...
