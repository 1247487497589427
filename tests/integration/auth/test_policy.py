"""The policy table enforced (CARD-3, SEC-04, SEC-07, SEC-08): matrices generated from the
schema, and the rules people rely on, through the real HTTP endpoint."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from graphql import GraphQLInterfaceType, GraphQLObjectType, parse, validate

from src.auth.policy import POLICY, access_for
from src.auth.principal import ANONYMOUS, Principal
from src.auth.roles import READ_ONLY, Role
from src.graphql.schema import build_schema, graphql_core_schema
from src.graphql.transport.permissions import policy_rule
from tests.conftest import FixedClock, SignIn
from tests.in_process import GraphQLClient

SCHEMA = graphql_core_schema(build_schema())
NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
FIELDS = sorted(
    (type_.name, field)
    for type_ in SCHEMA.type_map.values()
    if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType)
    and not type_.name.startswith("__")
    for field in type_.fields
)
MUTATIONS = [field for type_name, field in FIELDS if type_name == "Mutation"]


def person(*roles: Role, stepped_up: bool = True) -> Principal:
    return Principal(
        account_id=uuid.uuid4(), roles=frozenset(roles), stepped_up_at=NOW if stepped_up else None
    )


def codes(principal: Principal, type_name: str, field: str) -> set[str]:
    """What the enforcement rule says about selecting ``type_name.field``."""
    document = (
        parse(f"mutation {{ {field} }}")
        if type_name == "Mutation"
        else parse(f"fragment F on {type_name} {{ {field} }}")
    )
    errors = validate(SCHEMA, document, [policy_rule(principal, NOW)])
    return {e.extensions["code"] for e in errors if e.extensions}


@pytest.mark.parametrize(("type_name", "field"), FIELDS)
def test_card_3_every_schema_field_has_a_policy_entry(type_name: str, field: str) -> None:
    assert access_for(type_name, field) is not None, f"{type_name}.{field} has no policy entry"


def test_every_policy_entry_names_something_in_the_schema() -> None:
    names = {f"{t}.{f}" for t, f in FIELDS} | {f"{t}.*" for t, _ in FIELDS}
    assert sorted(set(POLICY) - names) == []


@pytest.mark.parametrize("role", sorted(READ_ONLY))
@pytest.mark.parametrize("mutation", MUTATIONS)
def test_read_only_roles_can_run_no_mutation(role: Role, mutation: str) -> None:
    """Even the public ones (signing in): read-only staff sign in without a token."""
    assert codes(person(role), "Mutation", mutation) == {"FORBIDDEN"}


@pytest.mark.parametrize("role", sorted(Role))
@pytest.mark.parametrize(("type_name", "field"), FIELDS)
def test_role_field_matrix_is_enforced_as_declared(role: Role, type_name: str, field: str) -> None:
    access = access_for(type_name, field)
    assert access is not None
    writes_read_only = type_name == "Mutation" and role in READ_ONLY
    expected = set() if access.admits(person(role)) and not writes_read_only else {"FORBIDDEN"}
    assert codes(person(role), type_name, field) == expected


@pytest.mark.parametrize(("type_name", "field"), FIELDS)
def test_anonymous_callers_reach_only_public_fields(type_name: str, field: str) -> None:
    access = access_for(type_name, field)
    assert access is not None
    assert codes(ANONYMOUS, type_name, field) == (set() if access.public else {"UNAUTHENTICATED"})


@pytest.mark.parametrize(
    ("role", "type_name", "field", "allowed"),
    [
        (Role.SYSADMIN, "Worker", "idNumber", False),  # SEC-08: no business PII for sysadmin
        (Role.SYSADMIN, "Query", "enterprises", False),
        (Role.AUDITOR, "Query", "workers", False),
        (Role.TAX_AUTHORITY, "Query", "workers", True),  # GOV-01
        (Role.TAX_AUTHORITY, "Worker", "bankCard", True),
        (Role.REGULATOR, "Query", "workers", False),  # aggregates only
        (Role.WORKER, "Query", "enterprises", False),
        (Role.WORKER, "Mutation", "changeWorkerBankCard", True),
        (Role.ENTERPRISE_OPERATOR, "Mutation", "changeEnterprisePayingAccount", False),
        (Role.BANK_ADMIN, "Query", "workers", False),
        (Role.PARTNER, "Query", "workers", False),
        (Role.SECADMIN, "Mutation", "unlockAccount", True),
        (Role.OPERATOR, "Mutation", "unlockAccount", False),
    ],
)
def test_policy_decisions_people_rely_on(
    role: Role, type_name: str, field: str, allowed: bool
) -> None:
    assert (codes(person(role), type_name, field) == set()) is allowed


def test_sec_04_sensitive_mutations_need_a_fresh_second_factor() -> None:
    stale = Principal(
        account_id=uuid.uuid4(),
        roles=frozenset({Role.OPERATOR}),
        stepped_up_at=NOW - timedelta(minutes=6),
    )
    for field in ("changeWorkerBankCard", "changeEnterprisePayingAccount", "closeEnterprise"):
        assert codes(person(Role.OPERATOR, stepped_up=False), "Mutation", field) == {
            "STEP_UP_REQUIRED"
        }
        assert codes(stale, "Mutation", field) == {"STEP_UP_REQUIRED"}
        assert codes(person(Role.OPERATOR), "Mutation", field) == set()


# --- through HTTP -------------------------------------------------------------------------

WORKERS = "{ workers { nodes { id name } } }"


async def test_anonymous_callers_get_401_and_a_typed_error(app_client: GraphQLClient) -> None:
    response = await app_client.graphql(WORKERS)
    assert response.status == 401
    assert {e["extensions"]["code"] for e in response.body["errors"]} == {"UNAUTHENTICATED"}
    assert "data" not in response.body


async def test_sec_08_sysadmin_reads_no_business_data(
    app_client: GraphQLClient, sign_in: SignIn
) -> None:
    response = await app_client.graphql(WORKERS, headers=await sign_in(Role.SYSADMIN))
    assert response.status == 403
    assert response.body["errors"][0]["extensions"] == {
        "code": "FORBIDDEN",
        "field": "Query.workers",
    }


async def test_tax_authority_writes_are_refused_and_change_nothing(
    app_client: GraphQLClient, sign_in: SignIn
) -> None:
    mutation = """mutation($input: RegisterInstitutionInput!) {
        registerInstitution(input: $input) { id } }"""
    response = await app_client.graphql(
        mutation,
        headers=await sign_in(Role.TAX_AUTHORITY),
        variables={
            "input": {
                "kind": "BANK",
                "name": "某银行",
                "creditCode": "91110000600037341L",
                "address": "北京",
                "phone": "13800000000",
            }
        },
    )
    assert response.status == 403
    operator = await sign_in(Role.OPERATOR)
    listed = await app_client.graphql("{ institutions { nodes { id } } }", headers=operator)
    assert listed.body["data"]["institutions"]["nodes"] == []


async def test_sec_04_step_up_required_names_methods_and_max_age(
    app_client: GraphQLClient, sign_in: SignIn, clock: FixedClock
) -> None:
    headers = await sign_in(Role.OPERATOR, stepped_up=True)
    clock.advance(minutes=6)
    response = await app_client.graphql(
        "mutation($input: ChangeWorkerBankCardInput!) { changeWorkerBankCard(input: $input) { id } }",
        {"input": {"id": "V29ya2VyOjAx", "bankCard": "6222021234567890128"}},
        headers=headers,
    )
    assert response.status == 401
    [error] = response.body["errors"]
    assert error["extensions"] == {
        "code": "STEP_UP_REQUIRED",
        "acceptedMethods": ["totp", "sms", "transaction_password"],
        "maxAge": 300,
    }
    assert response.headers["www-authenticate"] == (  # RFC 9470
        'Bearer error="insufficient_user_authentication", max_age=300'
    )


async def test_a_tampered_or_expired_token_is_401(
    app_client: GraphQLClient, sign_in: SignIn, clock: FixedClock
) -> None:
    headers = await sign_in(Role.OPERATOR)
    token = headers["Authorization"]
    tampered = {"Authorization": token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")}
    assert (await app_client.graphql(WORKERS, headers=tampered)).status == 401
    clock.advance(minutes=16)
    expired = await app_client.graphql(WORKERS, headers=headers)
    assert expired.status == 401
    assert expired.headers["www-authenticate"].startswith("Bearer")


async def test_sec_09_read_only_roles_sign_out_over_post_logout(
    app_client: GraphQLClient, sign_in: SignIn
) -> None:
    headers = await sign_in(Role.TAX_AUTHORITY)
    assert (await app_client.graphql(WORKERS, headers=headers)).status == 200
    assert (await app_client.post("/logout", headers=headers)).status_code == 204
    assert (await app_client.graphql(WORKERS, headers=headers)).status == 401
    assert (await app_client.post("/logout", headers=headers)).status_code == 401
