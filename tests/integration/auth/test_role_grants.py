"""Role grants need two security administrators (SEC-07, SEC-08: maker-checker)."""

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from src.adapters.postgres.tables import audit_records
from src.auth.roles import Role
from tests.conftest import AnyUnitOfWork, SignIn
from tests.in_process import GraphQLClient
from tests.integration.auth.conftest import MakeAccount

REQUEST = """mutation($input: RequestRoleGrantInput!) {
  requestRoleGrant(input: $input) { id status role } }"""
DECIDE = """mutation($input: DecideRoleGrantInput!) {
  decideRoleGrant(input: $input) { status decidedBy } }"""


async def test_sec_08_a_grant_is_decided_by_another_secadmin(
    app_client: GraphQLClient,
    sign_in: SignIn,
    make_account: MakeAccount,
    unit_of_work: Callable[[], AnyUnitOfWork],
) -> None:
    target = await make_account("liming", frozenset({Role.OPERATOR}))
    maker = await sign_in(Role.SECADMIN, stepped_up=True)
    checker = await sign_in(Role.SECADMIN, stepped_up=True)
    requested = await app_client.graphql(
        REQUEST, {"input": {"login": "liming", "role": "AUDITOR"}}, headers=maker
    )
    grant = requested.body["data"]["requestRoleGrant"]
    assert (grant["status"], grant["role"]) == ("pending", "AUDITOR")

    own = await app_client.graphql(
        DECIDE, {"input": {"id": grant["id"], "approve": True}}, headers=maker
    )
    assert own.body["errors"][0]["extensions"]["code"] == "MAKER_CHECKER_VIOLATION"

    approved = await app_client.graphql(
        DECIDE, {"input": {"id": grant["id"], "approve": True}}, headers=checker
    )
    assert approved.body["data"]["decideRoleGrant"]["status"] == "approved"
    again = await app_client.graphql(
        DECIDE, {"input": {"id": grant["id"], "approve": False}}, headers=checker
    )
    assert again.body["errors"][0]["extensions"]["code"] == "INVALID_STATE_TRANSITION"

    pending = await app_client.graphql("{ pendingRoleGrants { nodes { id } } }", headers=checker)
    assert pending.body["data"]["pendingRoleGrants"]["nodes"] == []
    async with unit_of_work() as uow:
        account = await uow.accounts.get(target.id)
    assert account is not None
    assert account.roles == {Role.OPERATOR, Role.AUDITOR}


async def test_granting_roles_is_for_stepped_up_secadmins_only(
    app_client: GraphQLClient, sign_in: SignIn, make_account: MakeAccount
) -> None:
    await make_account("liming")
    variables = {"input": {"login": "liming", "role": "SECADMIN"}}
    operator = await app_client.graphql(
        REQUEST, variables, headers=await sign_in(Role.OPERATOR, stepped_up=True)
    )
    assert operator.status == 403
    not_fresh = await app_client.graphql(REQUEST, variables, headers=await sign_in(Role.SECADMIN))
    assert not_fresh.body["errors"][0]["extensions"]["code"] == "STEP_UP_REQUIRED"


async def test_sec_07_an_approval_and_its_audit_record_commit_together(
    app_client: GraphQLClient, sign_in: SignIn, make_account: MakeAccount, db: AsyncEngine
) -> None:
    """The permission change's record is written in the grant's own transaction: one record
    per decision, naming the grant and the account it changed."""
    target = await make_account("liming")
    maker = await sign_in(Role.SECADMIN, stepped_up=True)
    checker = await sign_in(Role.SECADMIN, stepped_up=True)
    requested = await app_client.graphql(
        REQUEST, {"input": {"login": "liming", "role": "REVIEWER"}}, headers=maker
    )
    grant = requested.body["data"]["requestRoleGrant"]
    await app_client.graphql(
        DECIDE, {"input": {"id": grant["id"], "approve": True}}, headers=checker
    )
    async with db.connect() as connection:
        rows = (
            await connection.execute(
                select(audit_records.c.outcome, audit_records.c.target_ids).where(
                    audit_records.c.operation == "decideRoleGrant"
                )
            )
        ).all()
    [(outcome, targets)] = rows
    assert outcome == "ok"
    assert str(target.id) in targets
