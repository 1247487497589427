"""The per-request context every resolver receives."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeAlias

import strawberry
from starlette.requests import Request

from ..auth.grants import RoleGrants
from ..auth.principal import Principal
from ..auth.service import Identity
from ..auth.step_up import SecondFactors
from ..domain.shared.clock import Clock
from ..domain.unit_of_work import UnitOfWork


@dataclass(slots=True)
class Context:
    request: Request
    request_id: str
    principal: Principal
    unit_of_work: Callable[[], UnitOfWork]
    """A fresh unit of work: one per mutation, one per root query field (never shared between
    resolvers that run concurrently)."""
    clock: Clock
    identity: Identity
    second_factors: SecondFactors
    role_grants: RoleGrants


Info: TypeAlias = strawberry.Info[Context, None]
