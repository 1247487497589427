"""The parties API over HTTP, in process, on real PostgreSQL: typed errors with the offending
field, nothing half-written, Relay paging, global ids, masking."""

from typing import Any

import pytest
from stdnum.cn import ric

from tests.conftest import FixedClock
from tests.in_process import GraphQLClient
from tests.integration.sensitive import confirmed

ONBOARD = """
mutation Onboard($input: OnboardEnterpriseInput!) {
  onboardEnterprise(input: $input) { id name creditCode phone status payingAccount { bankName } }
}"""
REGISTER = """
mutation Register($input: RegisterWorkerInput!) {
  registerWorker(input: $input) { id name idNumber phone bankCard }
}"""


def enterprise_input(credit_code: str = "91110000600037341L", **profile: str) -> dict[str, Any]:
    return {
        "creditCode": credit_code,
        "profile": {
            "name": "北京星河即时配送有限公司",
            "legalRepresentative": "赵建国",
            "address": "北京市朝阳区建国路1号",
            "businessScope": "即时配送服务",
            "phone": "13900000001",
            **profile,
        },
        "payingAccount": {"bankName": "中国工商银行", "accountNumber": "0200001234567890"},
    }


def worker_input(id_number: str | None = None, **changes: str) -> dict[str, Any]:
    body = "11010519900307001"
    return {
        "name": "王芳",
        "idNumber": id_number or body + ric.calc_check_digit(body + "0"),
        "phone": "13812345678",
        "bankCard": "6222021234567890128",
        "address": "北京市朝阳区建国路2号",
        **changes,
    }


FUTURE_BORN = "11010520261124001" + ric.calc_check_digit("110105202611240010")
"""Born the day after the test clock's today (2026-11-23)."""


async def count(api: GraphQLClient, connection: str) -> int:
    body = await api.ok(f"{{ {connection}(first: 100) {{ nodes {{ id }} }} }}")
    return len(body["data"][connection]["nodes"])


async def test_party_01_onboard_then_fetch_by_global_id(api: GraphQLClient) -> None:
    made = (await api.ok(ONBOARD, input=enterprise_input()))["data"]["onboardEnterprise"]
    assert made["phone"] == "139****0001"
    assert made["status"] == "ACTIVE"
    fetched = await api.ok(
        "query($id: ID!) { node(id: $id) { __typename ... on Enterprise { creditCode } } }",
        id=made["id"],
    )
    assert fetched["data"]["node"] == {
        "__typename": "Enterprise",
        "creditCode": "91110000600037341L",
    }


@pytest.mark.parametrize(
    ("id_number", "code"),
    [
        ("110105199003070018", "INVALID_ID_NUMBER"),  # wrong check digit
        ("110105199002300012", "INVALID_ID_NUMBER"),  # 30 February
        ("110105900307001", "INVALID_ID_NUMBER"),  # legacy 15-digit form
        (FUTURE_BORN, "INVALID_ID_NUMBER"),  # born after the clock's today, not "underage"
    ],
)
async def test_party_03_invalid_id_numbers_get_a_typed_error_and_write_nothing(
    api: GraphQLClient, id_number: str, code: str
) -> None:
    body = await api.ok(REGISTER, input=worker_input(id_number))
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"] == {"code": code, "field": "input.idNumber"}
    assert error["path"] == ["registerWorker"]
    assert await count(api, "workers") == 0


async def test_party_03_the_workers_filter_refuses_an_id_number_born_in_the_future(
    api: GraphQLClient,
) -> None:
    body = await api.ok(
        "query($n: String) { workers(where: {idNumber: $n}) { nodes { id } } }", n=FUTURE_BORN
    )
    [error] = body["errors"]
    assert error["extensions"] == {"code": "INVALID_ID_NUMBER", "field": "where.idNumber"}
    assert "in the future" in error["message"]


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"creditCode": "91110000600037341X"}, "INVALID_CREDIT_CODE", "input.creditCode"),
        ({"phone": "12345"}, "INVALID_PHONE", "input.profile.phone"),
        ({"legalRepresentative": " "}, "INVALID_INPUT", "input.profile.legalRepresentative"),
    ],
)
async def test_party_01_invalid_enterprise_input_names_the_field(
    api: GraphQLClient, change: dict[str, str], code: str, field: str
) -> None:
    credit_code = change.pop("creditCode", "91110000600037341L")
    body = await api.ok(ONBOARD, input=enterprise_input(credit_code, **change))
    assert body["errors"][0]["extensions"] == {"code": code, "field": field}
    assert await count(api, "enterprises") == 0


async def test_an_invalid_bank_card_gets_its_typed_error(api: GraphQLClient) -> None:
    body = await api.ok(REGISTER, input=worker_input(bankCard="6222021234567890127"))
    assert body["errors"][0]["extensions"] == {
        "code": "INVALID_BANK_CARD",
        "field": "input.bankCard",
    }


async def test_personal_data_leaves_the_api_masked(api: GraphQLClient) -> None:
    worker = (await api.ok(REGISTER, input=worker_input()))["data"]["registerWorker"]
    assert worker["idNumber"].startswith("110105********")
    assert (worker["phone"], worker["bankCard"]) == ("138****5678", "**** 0128")


async def test_a_second_registration_of_one_id_number_is_refused(api: GraphQLClient) -> None:
    await api.ok(REGISTER, input=worker_input())
    body = await api.ok(REGISTER, input=worker_input(name="李四"))
    assert body["errors"][0]["extensions"]["code"] == "WORKER_ALREADY_REGISTERED"
    assert await count(api, "workers") == 1


async def test_account_change_and_closure(api: GraphQLClient, clock: FixedClock) -> None:
    made = (await api.ok(ONBOARD, input=enterprise_input()))["data"]["onboardEnterprise"]
    changed = await confirmed(
        api,
        """mutation($input: ChangeEnterprisePayingAccountInput!) {
             changeEnterprisePayingAccount(input: $input) { payingAccount { bankName } } }""",
        input={
            "id": made["id"],
            "payingAccount": {"bankName": "招商银行", "accountNumber": "1100791900001"},
        },
    )
    assert (
        changed["data"]["changeEnterprisePayingAccount"]["payingAccount"]["bankName"] == "招商银行"
    )
    close = """mutation($input: CloseEnterpriseInput!) {
                 closeEnterprise(input: $input) { status closedAt closureReason } }"""
    closed = await confirmed(api, close, input={"id": made["id"], "reason": "业务终止"})
    assert closed["data"]["closeEnterprise"] == {
        "status": "CLOSED",
        "closedAt": clock.now().isoformat(),
        "closureReason": "业务终止",
    }
    again = await confirmed(api, close, input={"id": made["id"], "reason": "again"})
    assert again["errors"][0]["extensions"] == {"code": "ENTERPRISE_CLOSED"}


async def test_ids_of_the_wrong_kind_or_unknown_objects(api: GraphQLClient) -> None:
    worker = (await api.ok(REGISTER, input=worker_input()))["data"]["registerWorker"]
    wrong_kind = await confirmed(
        api,
        """mutation($input: CloseEnterpriseInput!) { closeEnterprise(input: $input) { id } }""",
        input={"id": worker["id"], "reason": "x"},
    )
    assert wrong_kind["errors"][0]["extensions"] == {"code": "INVALID_ID", "field": "input.id"}
    garbage = await api.ok('{ node(id: "not-an-id") { id } }')
    assert garbage["errors"][0]["extensions"] == {"code": "INVALID_ID", "field": "id"}
    gone = await api.ok(
        "query($id: ID!) { node(id: $id) { id } }",
        id="RW50ZXJwcmlzZTowMTkyMDAwMC0wMDAwLTcwMDAtODAwMC0wMDAwMDAwMDAwMDA",
    )
    assert gone["data"] == {"node": None}


async def test_connections_page_with_cursors_and_cap_first_at_100(api: GraphQLClient) -> None:
    for day in range(1, 6):
        body = f"110105199003{day:02d}001"
        await api.ok(REGISTER, input=worker_input(body + ric.calc_check_digit(body + "0")))
    page = """query($after: String) { workers(first: 2, after: $after) {
                edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }"""
    ids, after = [], None
    while True:
        result = (await api.ok(page, after=after))["data"]["workers"]
        ids += [edge["node"]["id"] for edge in result["edges"]]
        if not result["pageInfo"]["hasNextPage"]:
            break
        after = result["pageInfo"]["endCursor"]
    assert len(ids) == len(set(ids)) == 5
    too_many = await api.ok("{ workers(first: 101) { nodes { id } } }")
    assert too_many["errors"][0]["extensions"] == {"code": "INVALID_INPUT", "field": "first"}
    bad_cursor = await api.ok('{ workers(after: "bogus") { nodes { id } } }')
    assert bad_cursor["errors"][0]["extensions"] == {"code": "INVALID_CURSOR", "field": "after"}


async def test_unexpected_errors_are_masked_with_the_request_id(
    api: GraphQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from src.domain.parties import service

    async def broken(*args: object) -> None:
        raise RuntimeError("secret detail: connection string postgres://admin:pw@db")

    monkeypatch.setattr(service, "register_worker", broken)
    response = await api.graphql(
        REGISTER, {"input": worker_input()}, headers={"X-Request-ID": "trace-me-123"}
    )
    assert response.status == 200
    assert response.headers["x-request-id"] == "trace-me-123"
    [error] = response.body["errors"]
    assert error["message"] == "Internal server error"
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": "trace-me-123"}
    assert b"secret" not in response.content


async def test_http_protocol_edges(api: GraphQLClient) -> None:
    mutation_by_get = await api.get(
        "/graphql",
        params={"query": "mutation { __typename }"},
        headers={"accept": "application/json"},
    )
    assert mutation_by_get.status_code == 405
    assert mutation_by_get.headers["allow"] == "POST"
    too_big = await api.post(
        "/graphql",
        content=b"{" + b" " * 2_000_000 + b"}",
        headers={"content-type": "application/json"},
    )
    assert too_big.status_code == 413
    assert too_big.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    parse_error = await api.graphql(
        "{ workers(", headers={"accept": "application/graphql-response+json"}
    )
    assert parse_error.status == 400
    assert "data" not in parse_error.body
    assert parse_error.body["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    assert (await api.get("/healthz")).json() == {"status": "ok"}
    assert (await api.get("/readyz")).json()["status"] == "ok"


@pytest.mark.parametrize(
    ("variables", "query"),
    [
        ({"first": "x"}, "query($first: Int!) { workers(first: $first) { nodes { id } } }"),
        ({}, "query($first: Int!) { workers(first: $first) { nodes { id } } }"),
    ],
)
async def test_variables_that_do_not_coerce_are_bad_user_input(
    api: GraphQLClient, variables: dict[str, Any], query: str
) -> None:
    response = await api.graphql(query, variables)
    assert response.status == 200
    body = response.body
    assert "data" not in body
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT"}
