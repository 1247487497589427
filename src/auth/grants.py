"""Role grants with maker-checker (SEC-07, SEC-08): one security administrator requests a
role for an account, a different one approves or rejects it; nobody approves their own.
Handlers of the one shape (``service.py``, ADR 0018)."""

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from ..domain.shared.clock import Clock
from ..domain.shared.errors import DomainError, InvalidStateTransition, NotFound
from ..domain.shared.ids import new_id
from ..domain.shared.pagination import Page, PageRequest
from ..domain.shared.wiring import Port
from . import commands
from .accounts import normalised_login
from .ports import IdentityUnitOfWork
from .principal import Principal
from .roles import Role
from .service import account_id_of


class OwnGrantDecision(DomainError):
    code = "MAKER_CHECKER_VIOLATION"
    default_message = "a role grant must be decided by another security administrator"


class GrantStatus(enum.Enum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass(slots=True)
class RoleGrant:
    id: UUID
    account_id: UUID
    role: Role
    requested_by: UUID
    requested_at: datetime
    status: GrantStatus = GrantStatus.PENDING
    decided_by: UUID | None = None
    decided_at: datetime | None = None

    def decide(self, approve: bool, by: UUID, now: datetime) -> None:
        if by == self.requested_by:
            raise OwnGrantDecision()
        if self.status is not GrantStatus.PENDING:
            raise InvalidStateTransition("this grant was already decided")
        self.status = GrantStatus.APPROVED if approve else GrantStatus.REJECTED
        self.decided_by, self.decided_at = by, now


class RoleGrantStore(Protocol):
    async def add(self, grant: RoleGrant) -> None: ...
    async def get(self, id: UUID) -> RoleGrant | None:
        """Locked for update."""
        ...

    async def save(self, grant: RoleGrant) -> None: ...
    async def pending(self, request: PageRequest) -> Page[RoleGrant]: ...


class GrantsUnitOfWork(IdentityUnitOfWork, Protocol):
    @property
    def role_grants(self) -> RoleGrantStore: ...


async def request_role_grant(
    command: commands.RequestRoleGrant, uow: GrantsUnitOfWork, clock: Clock, principal: Principal
) -> RoleGrant:
    async with uow:
        account = await uow.accounts.by_login(normalised_login(command.login))
        if account is None:
            raise NotFound("no such account", field="login")
        grant = RoleGrant(new_id(), account.id, command.role, account_id_of(principal), clock.now())
        await uow.role_grants.add(grant)
        await uow.commit()
    return grant


async def decide_role_grant(
    id: UUID,
    command: commands.DecideRoleGrant,
    uow: GrantsUnitOfWork,
    clock: Clock,
    principal: Principal,
) -> RoleGrant:
    """Approving adds the role to the account in the same transaction."""
    async with uow:
        grant = await uow.role_grants.get(id)
        if grant is None:
            raise NotFound("no such role grant", field="id")
        grant.decide(command.approve, account_id_of(principal), clock.now())
        if command.approve:
            account = await uow.accounts.get(grant.account_id, for_update=True)
            if account is None:
                raise NotFound("the account is gone", field="id")
            account.roles = account.roles | {grant.role}
            await uow.accounts.save(account)
        await uow.role_grants.save(grant)
        await uow.commit()
    return grant


async def pending_role_grants(request: PageRequest, uow: GrantsUnitOfWork) -> Page[RoleGrant]:
    async with uow:
        return await uow.role_grants.pending(request)


ROLE_GRANTS: Port[Callable[[], GrantsUnitOfWork]] = Port("role grants unit of work")
