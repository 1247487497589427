"""Identity through the GraphQL API (SEC-02, SEC-03, SEC-09) and row scoping (CARD-3)."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from src.adapters.postgres.tables import audit_records
from src.auth.roles import Role
from tests.conftest import CHALLENGE_ANSWER, SignIn
from tests.in_process import GraphQLClient
from tests.integration.auth.conftest import PASSWORD, MakeAccount
from tests.integration.test_api_parties import ONBOARD, REGISTER, enterprise_input, worker_input

LOGIN = """mutation($input: LoginInput!) {
  login(input: $input) { accessToken refreshToken tokenType expiresIn me { login roles } } }"""


def bearer(payload: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {payload['data']['login']['accessToken']}"}


async def test_sec_09_sign_in_use_the_token_see_sessions_and_log_then_sign_out(
    app_client: GraphQLClient, make_account: MakeAccount
) -> None:
    await make_account("liming", frozenset({Role.OPERATOR}))
    signed_in = await app_client.ok(LOGIN, input={"login": "liming", "password": PASSWORD})
    assert signed_in["data"]["login"]["me"] == {"login": "liming", "roles": ["operator"]}
    assert signed_in["data"]["login"]["tokenType"] == "Bearer"
    headers = bearer(signed_in)
    mine = await app_client.ok(
        "{ me { login } mySessions { nodes { current ip } } myLoginLog { nodes { result ip } } }",
        headers=headers,
    )
    assert mine["data"]["me"] == {"login": "liming"}
    assert mine["data"]["mySessions"]["nodes"] == [{"current": True, "ip": "127.0.0.1"}]
    assert mine["data"]["myLoginLog"]["nodes"] == [{"result": "ok", "ip": "127.0.0.1"}]
    assert (await app_client.ok("mutation { logout }", headers=headers))["data"] == {"logout": True}
    after = await app_client.graphql("{ me { login } }", headers=headers)
    assert after.status == 401


async def test_sec_02_no_oracle_in_the_answers(
    app_client: GraphQLClient, make_account: MakeAccount
) -> None:
    await make_account("liming")
    unknown = await app_client.ok(LOGIN, input={"login": "nobody", "password": "Wrong-123-x!"})
    wrong = await app_client.ok(LOGIN, input={"login": "liming", "password": "Wrong-123-x!"})
    assert unknown["errors"] == wrong["errors"]
    assert wrong["errors"][0]["extensions"] == {"code": "INVALID_CREDENTIALS"}


async def test_sec_02_challenge_flow_over_graphql(
    app_client: GraphQLClient, make_account: MakeAccount
) -> None:
    await make_account("liming")
    for _ in range(2):
        await app_client.ok(LOGIN, input={"login": "liming", "password": "Wrong-123-x!"})
    needs = await app_client.ok(LOGIN, input={"login": "liming", "password": PASSWORD})
    assert needs["errors"][0]["extensions"] == {"code": "CHALLENGE_REQUIRED"}
    challenge = (await app_client.ok("mutation { loginChallenge { id image expiresAt } }"))["data"][
        "loginChallenge"
    ]
    assert challenge["image"].startswith("data:image/png;base64,")
    solved = await app_client.ok(
        LOGIN,
        input={
            "login": "liming",
            "password": PASSWORD,
            "challengeId": challenge["id"],
            "challengeAnswer": CHALLENGE_ANSWER,
        },
    )
    assert solved["data"]["login"]["me"]["login"] == "liming"


async def test_sec_09_refresh_rotates_and_a_replayed_token_kills_the_session(
    app_client: GraphQLClient, make_account: MakeAccount
) -> None:
    await make_account("liming")
    first = (await app_client.ok(LOGIN, input={"login": "liming", "password": PASSWORD}))["data"][
        "login"
    ]
    refresh = """mutation($input: RefreshSessionInput!) {
        refreshSession(input: $input) { accessToken refreshToken } }"""
    second = await app_client.ok(refresh, input={"refreshToken": first["refreshToken"]})
    new_access = second["data"]["refreshSession"]["accessToken"]
    replay = await app_client.ok(refresh, input={"refreshToken": first["refreshToken"]})
    assert replay["errors"][0]["extensions"]["code"] == "REFRESH_TOKEN_REUSED"
    stolen = await app_client.graphql("{ me { login } }", token=new_access)
    assert stolen.status == 401


async def test_card_3_enterprise_staff_see_and_change_only_their_enterprise(
    api: GraphQLClient, app_client: GraphQLClient, sign_in: SignIn
) -> None:
    mine = (await api.ok(ONBOARD, input=enterprise_input()))["data"]["onboardEnterprise"]
    other = (await api.ok(ONBOARD, input=enterprise_input("91310000132149237G")))["data"][
        "onboardEnterprise"
    ]
    from src.graphql.schema.relay import parse_global_id

    staff = await sign_in(Role.ENTERPRISE_ADMIN, organisation_id=parse_global_id(mine["id"])[1])
    listed = await app_client.ok("{ enterprises { nodes { id } } }", headers=staff)
    assert listed["data"]["enterprises"]["nodes"] == [{"id": mine["id"]}]
    peek = await app_client.ok(
        "query($id: ID!) { node(id: $id) { id } }", headers=staff, id=other["id"]
    )
    assert peek["data"] == {"node": None}
    change = """mutation($input: ChangeEnterpriseProfileInput!) {
        changeEnterpriseProfile(input: $input) { name } }"""
    profile = enterprise_input()["profile"] | {"name": "改名"}
    refused = await app_client.ok(
        change, headers=staff, input={"id": other["id"], "profile": profile}
    )
    assert refused["errors"][0]["extensions"] == {"code": "NOT_FOUND", "field": "input.id"}
    allowed = await app_client.ok(
        change, headers=staff, input={"id": mine["id"], "profile": profile}
    )
    assert allowed["data"]["changeEnterpriseProfile"]["name"] == "改名"


async def test_card_3_a_worker_sees_only_themself(
    api: GraphQLClient, app_client: GraphQLClient, sign_in: SignIn
) -> None:
    me = (await api.ok(REGISTER, input=worker_input()))["data"]["registerWorker"]
    body = "11010519910101002"
    from stdnum.cn import ric

    await api.ok(REGISTER, input=worker_input(body + ric.calc_check_digit(body + "0")))
    from src.graphql.schema.relay import parse_global_id

    headers = await sign_in(Role.WORKER, worker_id=parse_global_id(me["id"])[1])
    listed = await app_client.ok("{ workers { nodes { id } } }", headers=headers)
    assert listed["data"]["workers"]["nodes"] == [{"id": me["id"]}]


async def test_sec_03_secadmin_unlocks(
    app_client: GraphQLClient, make_account: MakeAccount, sign_in: SignIn
) -> None:
    await make_account("liming")
    unlock = 'mutation { unlockAccount(input: {login: "liming"}) }'
    assert (await app_client.ok(unlock, headers=await sign_in(Role.SECADMIN)))["data"] == {
        "unlockAccount": True
    }
    refused = await app_client.graphql(unlock, headers=await sign_in(Role.OPERATOR))
    assert refused.status == 403


async def test_sec_07_each_sign_in_writes_one_audit_record_with_its_outcome(
    app_client: GraphQLClient, make_account: MakeAccount, db: AsyncEngine
) -> None:
    """Written by the sign-in's own commit (the failure's counter and its record together):
    one record per attempt, naming the account it was about."""
    account = await make_account("liming")
    await app_client.ok(LOGIN, input={"login": "liming", "password": "Wrong-123-x!"})
    await app_client.ok(LOGIN, input={"login": "liming", "password": PASSWORD})
    async with db.connect() as connection:
        rows = (
            await connection.execute(
                select(audit_records.c.outcome, audit_records.c.detail, audit_records.c.target_ids)
                .where(audit_records.c.operation == "login")
                .order_by(audit_records.c.seq)
            )
        ).all()
    assert [(r.outcome, r.detail, tuple(r.target_ids)) for r in rows] == [
        ("failed", "INVALID_CREDENTIALS", (str(account.id),)),
        ("ok", None, (str(account.id),)),
    ]
