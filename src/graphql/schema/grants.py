"""GraphQL for role grants with maker-checker (SEC-07, SEC-08)."""

from datetime import datetime
from typing import Self

import strawberry

from ...auth import commands, grants
from ...auth.grants import ROLE_GRANTS, GrantsUnitOfWork
from ...auth.grants import RoleGrant as Grant
from ...auth.roles import Role
from ...domain.shared.errors import checked
from .context import Info
from .relay import Connection, Node, global_id, page_request, parse_global_id

RoleName = strawberry.enum(Role, name="Role")


@strawberry.type(description="A request to give an account a role, and its decision.")
class RoleGrant(Node):
    account_id: strawberry.ID
    role: RoleName  # type: ignore[valid-type]
    requested_by: strawberry.ID
    requested_at: datetime
    status: str
    decided_by: strawberry.ID | None
    decided_at: datetime | None

    @classmethod
    def of(cls, grant: Grant) -> Self:
        return cls(
            id=global_id("RoleGrant", grant.id),
            account_id=strawberry.ID(str(grant.account_id)),
            role=grant.role,
            requested_by=strawberry.ID(str(grant.requested_by)),
            requested_at=grant.requested_at,
            status=grant.status.value,
            decided_by=strawberry.ID(str(grant.decided_by)) if grant.decided_by else None,
            decided_at=grant.decided_at,
        )


@strawberry.input
class RequestRoleGrantInput(commands.RequestRoleGrant):
    pass


@strawberry.input
class DecideRoleGrantInput(commands.DecideRoleGrant):
    id: strawberry.ID


def _grants(info: Info) -> GrantsUnitOfWork:
    return info.context.wiring[ROLE_GRANTS]()


@strawberry.type
class GrantsQuery:
    @strawberry.field(description="Role grants waiting for a second security administrator.")
    async def pending_role_grants(
        self, info: Info, first: int = 20, after: str | None = None
    ) -> Connection[RoleGrant]:
        request = page_request(first, after)
        page = await grants.pending_role_grants(request, _grants(info))
        return Connection[RoleGrant].of(page, request, RoleGrant.of, lambda g: g.id)


@strawberry.type
class GrantsMutation:
    @strawberry.mutation(description="Ask for a role to be granted (needs a second secadmin).")
    async def request_role_grant(self, info: Info, input: RequestRoleGrantInput) -> RoleGrant:
        context = info.context
        return RoleGrant.of(
            await grants.request_role_grant(input, _grants(info), context.clock, context.principal)
        )

    @strawberry.mutation(description="Approve or reject another administrator's grant request.")
    async def decide_role_grant(self, info: Info, input: DecideRoleGrantInput) -> RoleGrant:
        _, id = checked("input.id", parse_global_id, input.id, "RoleGrant")
        context = info.context
        grant = await grants.decide_role_grant(
            id, input, _grants(info), context.clock, context.principal
        )
        return RoleGrant.of(grant)
