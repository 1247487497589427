"""Auditing operations (SEC-07): the ports the trail is written and read through, and the
``AuditScope`` that turns one operation's outcome into its audit record."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol
from uuid import UUID

from ..auth.grants import GrantsUnitOfWork
from ..auth.principal import Principal
from ..domain.shared.clock import Clock
from ..domain.shared.errors import DomainError
from ..domain.shared.ids import new_id
from ..domain.shared.pagination import Page, PageRequest
from ..domain.unit_of_work import UnitOfWork
from .audit import AuditRecord, ChainedRecord, Outcome

DENIALS = frozenset({"FORBIDDEN", "UNAUTHENTICATED", "STEP_UP_REQUIRED"})
"""The error codes that mean the caller was not allowed: recorded as ``denied``."""


@dataclass(frozen=True, slots=True)
class AuditFilter:
    operation: str | None = None
    actor_account_id: UUID | None = None
    occurred_from: datetime | None = None
    """Inclusive."""
    occurred_before: datetime | None = None
    """Exclusive."""


class AuditTrail(Protocol):
    async def append(self, record: AuditRecord) -> ChainedRecord:
        """Chain ``record`` after the newest one, in the caller's transaction: it is kept only
        if that transaction commits. Append last, just before committing: appends are
        serialised until commit."""
        ...

    async def page(self, where: AuditFilter, request: PageRequest) -> Page[ChainedRecord]:
        """Records in ``seq`` order; ``request.after`` is a record's ``id``."""
        ...


class AuditedUnitOfWork(UnitOfWork, GrantsUnitOfWork, Protocol):
    """A unit of work that can also write the audit trail in its transaction."""

    @property
    def audit(self) -> AuditTrail: ...


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a request came from."""

    ip: str | None = None
    user_agent: str | None = None
    request_id: str | None = None


@dataclass(slots=True)
class AuditScope:
    """One operation being audited: who asks, from where, for what. Units of work made for it
    report the ids they touched and, when they commit, append its ``ok`` record."""

    operation: str
    principal: Principal
    origin: Origin
    clock: Clock
    touched: set[UUID] = field(default_factory=set)
    recorded: bool = False
    previewed: bool = False
    """A dry run (ADR 0016): its record says ``PREVIEW``, as nothing was kept."""
    ending: str | None = None
    """The error code the operation will end with after it commits (a failed sign-in keeps
    its counters): its committed record says so instead of ``ok``."""

    def record(
        self, outcome: Outcome, target_ids: Iterable[UUID], detail: str | None = None
    ) -> AuditRecord:
        principal = self.principal
        return AuditRecord(
            id=new_id(),
            occurred_at=self.clock.now(),
            operation=self.operation,
            outcome=outcome,
            actor_account_id=principal.account_id,
            client_id=principal.client_id,
            roles=tuple(sorted(role.value for role in principal.roles)),
            organisation_id=principal.organisation_id,
            target_ids=tuple(sorted(str(id) for id in target_ids)),
            ip=self.origin.ip,
            user_agent=self.origin.user_agent,
            request_id=self.origin.request_id,
            detail=detail,
        )

    def saw(self, ids: Iterable[UUID]) -> None:
        """A unit of work of this operation added, saved or locked ``ids``."""
        self.touched.update(ids)

    def committed(self, ids: Iterable[UUID]) -> AuditRecord | None:
        """The record of the operation's first unit of work to commit, having touched ``ids``
        (``ok``, or how it will end); None for any later one."""
        if self.recorded:
            return None
        self.recorded = True
        if self.ending is not None:
            return self.refused(self.ending, ids)
        return self.record(Outcome.OK, ids)

    def succeeded(self) -> AuditRecord | None:
        """The ``ok`` record of an operation that committed nothing (None if one did)."""
        if self.recorded:
            return None
        return self.record(Outcome.OK, self.touched, "PREVIEW" if self.previewed else None)

    def failed(self, error: Exception) -> AuditRecord:
        """The record of an operation that raised ``error``; its transactions rolled back."""
        return self.refused(
            error.code if isinstance(error, DomainError) else "INTERNAL_SERVER_ERROR"
        )

    def refused(self, code: str, ids: Iterable[UUID] = ()) -> AuditRecord:
        """The record of an operation that ended with error ``code``: ``denied`` for the codes
        of ``DENIALS``, else ``failed``."""
        outcome = Outcome.DENIED if code in DENIALS else Outcome.FAILED
        return self.record(outcome, {*self.touched, *ids}, code)
