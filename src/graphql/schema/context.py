"""The per-request context every resolver receives."""

from dataclasses import dataclass, field
from typing import Any, TypeAlias

import strawberry
from starlette.requests import Request

from ...auth.principal import Principal
from ...domain.shared.clock import Clock
from ...domain.shared.wiring import Wiring


@dataclass(frozen=True, slots=True)
class Context:
    request: Request
    request_id: str
    principal: Principal
    clock: Clock
    wiring: Wiring
    """The composition root's adapters and services, by port: ``context.wiring[PARTIES]()``
    makes a parties unit of work. Units of work made while an audited field runs append
    its audit record when they commit, and a preview's keep nothing: both are attached
    from outside (``Database.openers``), so resolvers need not care."""
    loaders: dict[object, Any] = field(default_factory=dict)
    """The request's DataLoaders (``relay.loader``): made on first use, one per request."""


Info: TypeAlias = strawberry.Info[Context, None]
