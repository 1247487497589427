"""Admission by query cost (docs/security.md "API limits and query cost", ADR 0014): a
request's requested cost is taken from its principal's budget before anything runs, and
every GraphQL response reports it in ``extensions.cost``.

- A query over the single-query maximum is refused (``MAX_COST_EXCEEDED``); a document that
  cannot run (syntax, validation, limits) or is refused costs the minimum, 1 point.
- When the budget lacks the points, the request is refused with ``THROTTLED``, HTTP 429 and
  ``Retry-After``; nothing is taken.
- Signed-in callers are keyed by ``Principal.key``; anonymous ones by their IP address.
"""

from dataclasses import dataclass, field
from typing import Any

from graphql import DocumentNode, GraphQLError, GraphQLSchema
from starlette.requests import Request

from ....auth.principal import Principal
from ....controls.budget import BudgetPolicy, CostBudgets
from ....domain.shared.clock import Clock
from ....domain.shared.errors import DomainError
from .cost import MINIMUM_COST, requested_cost


class MaxCostExceeded(DomainError):
    code = "MAX_COST_EXCEEDED"


class Throttled(DomainError):
    code = "THROTTLED"


def budget_key(principal: Principal, request: Request) -> str:
    if principal.is_authenticated:
        return principal.key
    return f"ip:{request.client.host if request.client else 'unknown'}"


@dataclass(frozen=True, slots=True)
class Admission:
    requested: int
    charged: int
    available: float
    policy: BudgetPolicy
    refusal: GraphQLError | None = None
    status: int | None = None
    """An HTTP status of its own (429), else the endpoint's usual one."""
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def extensions(self) -> dict[str, Any]:
        return {
            "cost": {
                "requestedQueryCost": self.requested,
                "actualQueryCost": self.charged,
                "throttleStatus": {
                    "maximumAvailable": self.policy.maximum,
                    "currentlyAvailable": int(self.available),
                    "restoreRate": self.policy.restore_rate,
                },
            }
        }


def _refusal(error: DomainError) -> GraphQLError:
    return GraphQLError(error.message, original_error=error)


class QueryCosts:
    def __init__(
        self, schema: GraphQLSchema, budgets: CostBudgets, clock: Clock, max_query_cost: int
    ) -> None:
        self._schema = schema
        self._budgets = budgets
        self._clock = clock
        self._max_query_cost = max_query_cost

    async def admit(
        self,
        key: str,
        document: DocumentNode | None,
        operation_name: str | None,
        variables: dict[str, Any] | None,
    ) -> Admission:
        """Charge ``key``'s budget for the operation (``document`` None: it cannot run)."""
        requested = (
            MINIMUM_COST
            if document is None
            else requested_cost(self._schema, document, operation_name, variables)
        )
        refusal = None
        if requested > self._max_query_cost:
            refusal = _refusal(
                MaxCostExceeded(
                    f"the query costs {requested} points; one query may cost at most "
                    f"{self._max_query_cost}"
                )
            )
        cost = MINIMUM_COST if refusal else requested
        policy = self._budgets.policy
        charge = await self._budgets.charge(key, cost, self._clock.now())
        if charge.granted:
            return Admission(requested, cost, charge.available, policy, refusal)
        wait = charge.seconds_until(cost, policy)
        throttled = Throttled(
            f"the query costs {cost} points and {int(charge.available)} are available; "
            f"the budget refills {policy.restore_rate} points a second: retry in {wait} s"
        )
        return Admission(
            requested,
            0,
            charge.available,
            policy,
            _refusal(throttled),
            429,
            {"Retry-After": str(wait)},
        )
