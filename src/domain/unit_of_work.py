"""The unit of work: one transaction per use case. Nothing is kept unless ``commit()`` is
called; leaving the block without it rolls back."""

from typing import Protocol

from .parties.ports import EnterpriseRepository, InstitutionRepository, WorkerRepository
from .shared.transaction import Transaction


class UnitOfWork(Transaction, Protocol):
    @property
    def enterprises(self) -> EnterpriseRepository: ...

    @property
    def workers(self) -> WorkerRepository: ...

    @property
    def institutions(self) -> InstitutionRepository: ...
