"""Clear-text personal data (SEC-06, SEC-04, SEC-07): masked everywhere, unmasked only through
workerPersonalData, which needs a fresh second factor and is recorded in the audit trail."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from src.adapters.postgres.tables import audit_records
from src.auth.roles import Role
from tests.conftest import SignIn
from tests.in_process import GraphQLClient
from tests.integration.test_api_parties import REGISTER, worker_input

REVEAL = "query($id: ID!) { workerPersonalData(id: $id) { idNumber phone bankCard } }"


async def test_sec_06_unmasking_needs_step_up_and_is_audited(
    api: GraphQLClient, app_client: GraphQLClient, sign_in: SignIn, db: AsyncEngine
) -> None:
    worker = worker_input()
    made = await api.graphql(REGISTER, {"input": worker})
    worker_id = made.body["data"]["registerWorker"]["id"]
    variables = {"id": worker_id}

    not_fresh = await app_client.graphql(REVEAL, variables, headers=await sign_in(Role.OPERATOR))
    assert not_fresh.body["errors"][0]["extensions"]["code"] == "STEP_UP_REQUIRED"
    tax = await app_client.graphql(REVEAL, variables, headers=await sign_in(Role.TAX_AUTHORITY))
    assert tax.status == 403

    revealed = await api.graphql(REVEAL, variables)
    assert revealed.body["data"]["workerPersonalData"] == {
        "idNumber": worker["idNumber"],
        "phone": worker["phone"],
        "bankCard": worker["bankCard"],
    }
    async with db.connect() as connection:
        rows = (
            await connection.execute(
                select(
                    audit_records.c.operation, audit_records.c.outcome, audit_records.c.target_ids
                )
                .where(audit_records.c.operation == "workerPersonalData")
                .order_by(audit_records.c.seq)
            )
        ).all()
    outcomes = [(row.outcome, len(row.target_ids)) for row in rows]
    assert outcomes == [("denied", 0), ("denied", 0), ("ok", 1)]
