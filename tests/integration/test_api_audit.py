"""Auditing through the API (SEC-07, SEC-08): every mutation in the schema writes a record,
in its own transaction when it fails; the records say who, with which roles, from where,
under which request id, to what and how it ended; only the auditor reads the trail, and
reading it is audited too."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    get_operation_ast,
    is_composite_type,
    parse,
    validate,
)
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import Request

from src.adapters.crypto import FieldCipher
from src.adapters.postgres.audit import PostgresAuditLog, verify_audit_trail
from src.adapters.postgres.database import Database
from src.auth.principal import Principal
from src.auth.roles import Role
from src.auth.tokens import AccessTokens, SigningKey
from src.controls.audit import AUDIT_LOG, AuditFilter, ChainedRecord, Outcome
from src.domain.shared.ids import new_id
from src.domain.shared.pagination import PageRequest
from src.domain.shared.wiring import Wiring
from src.graphql.schema import build_schema, graphql_core_schema
from src.graphql.schema.audit import AuditedResolver, audit_refusal
from src.graphql.schema.context import Context
from src.graphql.schema.relay import parse_global_id
from src.settings import DEVELOPMENT_KEY, Settings
from tests.conftest import AnyUnitOfWork, FixedClock, unit_of_work_on
from tests.in_process import GraphQLClient
from tests.integration.sensitive import confirmed
from tests.integration.test_api_parties import ONBOARD, REGISTER, enterprise_input, worker_input

UnitOfWorkFactory = Callable[[], AnyUnitOfWork]
SCHEMA = graphql_core_schema(build_schema())
TOKENS = AccessTokens((SigningKey(*DEVELOPMENT_KEY),), timedelta(minutes=15))
SCALAR_SAMPLES: dict[str, Any] = {
    "String": "x",
    "ID": "x",
    "Int": 1,
    "Float": 1.0,
    "Boolean": True,
    "UUID": str(UUID(int=1)),
    "DateTime": "2026-11-23T09:30:00+00:00",
    "Date": "2026-11-23",
}
RECORDS = """
query($first: Int, $after: String, $where: AuditRecordFilterInput) {
  auditRecords(first: $first, after: $after, where: $where) {
    nodes { id seq operation outcome detail actorAccountId roles targetIds requestId hash prevHash }
    pageInfo { hasNextPage endCursor }
  }
}"""

CIPHER = FieldCipher(Settings().pii_keys, Settings().pii_hash_key)


def bearer(clock: FixedClock, *roles: Role, account_id: UUID | None = None) -> dict[str, str]:
    principal = Principal(account_id=account_id or new_id(), roles=frozenset(roles))
    return {"Authorization": f"Bearer {TOKENS.issue(principal, clock.now())}"}


async def trail(db: AsyncEngine) -> list[ChainedRecord]:
    async with unit_of_work_on(db, CIPHER) as uow:
        return (await uow.audit.page(AuditFilter(), PageRequest(first=100))).items


def sample(type_: GraphQLInputType) -> Any:
    """A value of ``type_``: enough to call any mutation, valid or not."""
    if isinstance(type_, GraphQLNonNull):
        return sample(type_.of_type)
    if isinstance(type_, GraphQLList):
        return [sample(type_.of_type)]
    if isinstance(type_, GraphQLInputObjectType):
        return {name: sample(field.type) for name, field in type_.fields.items()}
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    return SCALAR_SAMPLES[type_.name]


def test_sec_07_every_mutation_resolves_through_the_auditing_path() -> None:
    assert SCHEMA.mutation_type is not None
    unaudited = [
        name
        for name, field in SCHEMA.mutation_type.fields.items()
        if not isinstance(field.resolve, AuditedResolver)
    ]
    assert unaudited == []
    assert SCHEMA.query_type is not None
    assert isinstance(SCHEMA.query_type.fields["auditRecords"].resolve, AuditedResolver)


async def test_sec_07_every_mutation_in_the_schema_writes_an_audit_record(
    api: GraphQLClient, db: AsyncEngine
) -> None:
    """Each mutation is called with sample input built from its arguments' types; whether
    it then succeeds or fails, exactly one record of it appears."""
    assert SCHEMA.mutation_type is not None
    fields = SCHEMA.mutation_type.fields.items()
    for name, field in sorted(fields, key=lambda item: item[0] == "logout"):  # logout: last
        arguments = field.args.items()
        declared = ", ".join(f"${arg}: {spec.type}" for arg, spec in arguments)
        passed = ", ".join(f"{arg}: ${arg}" for arg, spec in arguments)
        selection = " { __typename }" if is_composite_type(field.type.of_type) else ""
        head, call_args = (
            (f"mutation({declared})", f"({passed})") if arguments else ("mutation", "")
        )
        query = f"{head} {{ {name}{call_args}{selection} }}"
        samples = {arg: sample(spec.type) for arg, spec in arguments}
        body = (await api.graphql(query, samples)).body  # refused by the policy, or not
        recorded = [e.record.operation for e in await trail(db)]
        assert recorded.count(name) == 1, f"{name} wrote no audit record: {body}"
    assert (await verify_audit_trail(db)).broken_at is None


async def test_sec_07_a_mutation_is_recorded_with_who_where_what_and_how_it_ended(
    api: GraphQLClient, db: AsyncEngine, clock: FixedClock
) -> None:
    admin = new_id()
    headers = {
        **bearer(clock, Role.OPERATOR, account_id=admin),
        "User-Agent": "flexfin-tests/1.0",
        "X-Request-ID": "trace-42",
    }
    made = (await api.ok(ONBOARD, headers=headers, input=enterprise_input()))["data"]
    [entry] = await trail(db)
    record = entry.record
    assert (record.operation, record.outcome, record.detail) == ("onboardEnterprise", "ok", None)
    assert (record.actor_account_id, record.roles) == (admin, ("operator",))
    assert (record.ip, record.user_agent, record.request_id) == (
        "127.0.0.1",
        "flexfin-tests/1.0",
        "trace-42",
    )
    assert record.occurred_at == clock.now()
    assert record.target_ids == (str(parse_global_id(made["onboardEnterprise"]["id"])[1]),)


CLOSE = "mutation($input: CloseEnterpriseInput!) { closeEnterprise(input: $input) { status } }"
CONTACT = """mutation($input: ChangeWorkerContactInput!) {
  changeWorkerContact(input: $input) { phone } }"""


async def test_sec_07_failures_are_recorded_with_their_code_and_target_after_rollback(
    api: GraphQLClient, db: AsyncEngine
) -> None:
    made = (await api.ok(ONBOARD, input=enterprise_input()))["data"]["onboardEnterprise"]
    closing = {"id": made["id"], "reason": "业务终止"}
    await confirmed(api, CLOSE, input=closing)
    again = await confirmed(api, CLOSE, input=closing)  # its preview fails: that is the answer
    assert again["errors"][0]["extensions"]["code"] == "ENTERPRISE_CLOSED"
    invalid = await api.ok(REGISTER, input=worker_input(phone="12"))
    assert invalid["errors"][0]["extensions"]["code"] == "INVALID_PHONE"
    onboarded, previewed, closed, failed_preview, rejected = (e.record for e in await trail(db))
    assert (previewed.operation, previewed.outcome, previewed.detail) == (
        "closeEnterprise",
        "ok",
        "PREVIEW",
    )
    enterprise = onboarded.target_ids
    assert (closed.operation, closed.outcome, closed.target_ids) == (
        "closeEnterprise",
        "ok",
        enterprise,
    )
    assert (failed_preview.operation, failed_preview.outcome, failed_preview.detail) == (
        "closeEnterprise",
        "failed",
        "ENTERPRISE_CLOSED",
    )
    assert failed_preview.target_ids == enterprise
    assert (rejected.operation, rejected.outcome, rejected.detail, rejected.target_ids) == (
        "registerWorker",
        "failed",
        "INVALID_PHONE",
        (),
    )


async def test_sec_07_each_mutation_of_a_request_gets_its_own_record(
    api: GraphQLClient, db: AsyncEngine
) -> None:
    both = """mutation($a: RegisterWorkerInput!, $b: OnboardEnterpriseInput!) {
      first: registerWorker(input: $a) { id }
      second: onboardEnterprise(input: $b) { id } }"""
    body = await api.ok(both, a=worker_input(), b=enterprise_input())
    assert "errors" not in body
    assert [(e.record.operation, e.record.outcome) for e in await trail(db)] == [
        ("registerWorker", "ok"),
        ("onboardEnterprise", "ok"),
    ]


async def test_sec_07_a_mutation_whose_record_cannot_be_written_changes_nothing(
    api: GraphQLClient, db: AsyncEngine
) -> None:
    """The record is written in the mutation's transaction: if it cannot be, nothing is."""
    async with db.begin() as connection:
        await connection.execute(
            text(
                "ALTER TABLE audit_records ADD CONSTRAINT refuse_registrations "
                "CHECK (operation <> 'registerWorker')"
            )
        )
    try:
        body = await api.ok(REGISTER, input=worker_input())
    finally:
        async with db.begin() as connection:
            await connection.execute(
                text("ALTER TABLE audit_records DROP CONSTRAINT refuse_registrations")
            )
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    workers = await api.ok("{ workers { nodes { id } } }")
    assert workers["data"]["workers"]["nodes"] == []


@pytest.mark.parametrize(
    "roles",
    [(), (Role.SYSADMIN,), (Role.SECADMIN,), (Role.OPERATOR,), (Role.REGULATOR,)],
)
async def test_sec_08_only_the_auditor_reads_the_trail_and_refusals_are_recorded(
    api: GraphQLClient, db: AsyncEngine, clock: FixedClock, roles: tuple[Role, ...]
) -> None:
    headers = bearer(clock, *roles) if roles else {}
    api.headers.pop("Authorization", None)
    answer = await api.graphql(RECORDS, {}, headers=headers)
    assert answer.status == (403 if roles else 401), answer.body
    body = answer.body
    assert "data" not in body
    code = "FORBIDDEN" if roles else "UNAUTHENTICATED"
    assert body["errors"][0]["extensions"] == {"code": code, "field": "Query.auditRecords"}
    [entry] = await trail(db)
    assert (entry.record.operation, entry.record.outcome, entry.record.detail) == (
        "auditRecords",
        Outcome.DENIED,
        code,
    )


async def test_sec_08_the_auditor_pages_and_filters_the_trail_and_the_reading_is_recorded(
    api: GraphQLClient, db: AsyncEngine, clock: FixedClock
) -> None:
    for n in range(3):
        await api.ok(REGISTER, input=worker_input(phone=f"1381234567{n}"))  # 2 fail: same id
    auditor = new_id()
    headers = bearer(clock, Role.AUDITOR, account_id=auditor)
    page = (await api.ok(RECORDS, headers=headers, first=2))["data"]["auditRecords"]
    assert [(n["seq"], n["operation"], n["outcome"]) for n in page["nodes"]] == [
        ("1", "registerWorker", "OK"),
        ("2", "registerWorker", "FAILED"),
    ]
    assert page["nodes"][1]["detail"] == "WORKER_ALREADY_REGISTERED"
    assert page["nodes"][1]["prevHash"] == page["nodes"][0]["hash"]
    rest = (await api.ok(RECORDS, headers=headers, after=page["pageInfo"]["endCursor"]))["data"]
    # the first reading was recorded after what it read, and now shows up
    assert [n["operation"] for n in rest["auditRecords"]["nodes"]] == [
        "registerWorker",
        "auditRecords",
    ]
    reads = await api.ok(RECORDS, headers=headers, where={"operation": "auditRecords"})
    assert [
        (n["actorAccountId"], n["roles"], n["outcome"])
        for n in reads["data"]["auditRecords"]["nodes"]
    ] == [(str(auditor), ["auditor"], "OK")] * 2
    window = {"from": "2026-11-23T09:30:00+00:00", "to": "2026-11-23T09:30:00.000001+00:00"}
    clock.advance(seconds=1)
    in_window = (await api.ok(RECORDS, headers=headers, where=window))["data"]["auditRecords"]
    assert [n["seq"] for n in in_window["nodes"]] == ["1", "2", "3", "4", "5", "6"]
    since = (await api.ok(RECORDS, headers=headers, where={"from": "2026-11-23T09:30:01Z"}))["data"]
    assert [n["seq"] for n in since["auditRecords"]["nodes"]] == ["7"]
    naive = await api.ok(RECORDS, headers=headers, where={"from": "2026-11-23T09:30:00"})
    assert naive["errors"][0]["extensions"] == {"code": "INVALID_INPUT", "field": "where.from"}
    assert (await verify_audit_trail(db)).broken_at is None


def a_context(db: AsyncEngine, clock: FixedClock, principal: Principal) -> Context:
    request = Request(
        {
            "type": "http",
            "method": "POST",
            "path": "/graphql",
            "query_string": b"",
            "headers": [(b"user-agent", b"refused-client")],
            "client": ("10.9.8.7", 5000),
        }
    )
    database = Database(db, CIPHER)
    return Context(
        request, "req-7", principal, clock, Wiring({AUDIT_LOG: PostgresAuditLog(database)})
    )


async def refuse(context: Context, query: str, *errors: GraphQLError) -> None:
    document = parse(query)
    assert validate(SCHEMA, document) == []
    operation = get_operation_ast(document)
    assert operation is not None
    await audit_refusal(context, SCHEMA, document, operation, errors)


async def test_sec_07_a_mutation_document_refused_before_it_runs_is_recorded_denied(
    db: AsyncEngine, clock: FixedClock
) -> None:
    """A policy that refuses whole documents before execution reaches no resolver; the
    refusal is recorded for every mutation field the document selected, fragments included."""
    principal = Principal(account_id=new_id(), roles=frozenset({Role.ENTERPRISE_OPERATOR}))
    await refuse(
        a_context(db, clock, principal),
        """mutation($w: RegisterWorkerInput!) {
             closeEnterprise(input: { id: "x", reason: "r" }) { id }
             ... more
           }
           fragment more on Mutation { ... on Mutation { registerWorker(input: $w) { id } } }""",
        GraphQLError(
            "x", extensions={"code": "STEP_UP_REQUIRED", "field": "Mutation.closeEnterprise"}
        ),
        GraphQLError("y", extensions={"code": "FORBIDDEN", "field": "Worker.idNumber"}),
    )
    records = [e.record for e in await trail(db)]
    assert [(r.operation, r.outcome, r.detail) for r in records] == [
        ("closeEnterprise", "denied", "STEP_UP_REQUIRED"),
        ("registerWorker", "denied", "STEP_UP_REQUIRED"),
    ]
    assert {(r.actor_account_id, r.ip, r.user_agent, r.request_id) for r in records} == {
        (principal.account_id, "10.9.8.7", "refused-client", "req-7")
    }


async def test_sec_08_a_refused_query_records_only_its_audited_fields(
    db: AsyncEngine, clock: FixedClock
) -> None:
    await refuse(
        a_context(db, clock, Principal()),
        "{ workers { nodes { id } } auditRecords { nodes { id } } }",
        GraphQLError("x", extensions={"code": "UNAUTHENTICATED", "field": "Query.workers"}),
        GraphQLError("y", extensions={"code": "UNAUTHENTICATED", "field": "Query.auditRecords"}),
    )
    await refuse(a_context(db, clock, Principal()), "{ workers { nodes { id } } }")
    assert [(e.record.operation, e.record.outcome, e.record.detail) for e in await trail(db)] == [
        ("auditRecords", "denied", "UNAUTHENTICATED")
    ]
