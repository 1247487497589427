"""The per-request context every resolver receives."""

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeAlias

import strawberry
from starlette.requests import Request

from ...auth.grants import RoleGrants
from ...auth.principal import Principal
from ...auth.service import Identity
from ...auth.step_up import SecondFactors
from ...controls.auditing import AuditedUnitOfWork, AuditScope
from ...domain.shared.clock import Clock


@dataclass(slots=True)
class Context:
    request: Request
    request_id: str
    principal: Principal
    units_of_work: Callable[[AuditScope | None], AuditedUnitOfWork]
    """Makes units of work; one made for an audit scope appends the scope's record when it
    commits."""
    clock: Clock
    identity: Identity
    second_factors: SecondFactors
    role_grants: RoleGrants
    audit_scope: AuditScope | None = None
    """The audited root field being resolved (every mutation; queries marked ``AUDITED``).
    Set on a copy of the context that only that field's resolver sees."""

    def unit_of_work(self) -> AuditedUnitOfWork:
        """A fresh unit of work: one per mutation, one per root query field (never shared
        between resolvers that run concurrently). Inside an audited field, its ``commit()``
        writes the field's audit record in the same transaction."""
        return self.units_of_work(self.audit_scope)

    @property
    def audited_identity(self) -> Identity:
        """The identity use cases, committing with the field's audit record (SEC-07)."""
        return dataclasses.replace(self.identity, unit_of_work=self.unit_of_work)

    @property
    def audited_second_factors(self) -> SecondFactors:
        return dataclasses.replace(self.second_factors, unit_of_work=self.unit_of_work)


Info: TypeAlias = strawberry.Info[Context, None]
