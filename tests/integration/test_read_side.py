"""The read side costs what it should (issue 7): a page of any size takes a fixed number of
SQL statements, selects only the columns of the fields asked for, and opens (decrypts) only
the personal data the query shows; ``node``/``nodes`` cost one query per type, whatever the
number of ids or root fields."""

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from stdnum.cn import uscc

from src.adapters.crypto import FieldCipher
from src.domain.parties import service
from src.graphql.schema.relay import global_id
from tests.conftest import AnyUnitOfWork, FixedClock
from tests.in_process import GraphQLClient
from tests.unit.domain.test_parties_service import onboarding

pytestmark = pytest.mark.db


@dataclass
class Seen:
    statements: list[str] = field(default_factory=list)
    decrypted: list[str] = field(default_factory=list)

    def selects(self) -> list[str]:
        return [sql for sql in self.statements if sql.lstrip().upper().startswith("SELECT")]


@contextlib.contextmanager
def watching(monkeypatch: pytest.MonkeyPatch) -> Iterator[Seen]:
    """Every SQL statement the app sends, and every sealed field it opens."""
    seen = Seen()

    def statement(conn: Any, cursor: Any, sql: str, *args: Any) -> None:
        seen.statements.append(sql)

    original = FieldCipher.decrypt

    def decrypt(self: FieldCipher, sealed: bytes, *, field: str, row: Any) -> str:
        seen.decrypted.append(field)
        return original(self, sealed, field=field, row=row)

    monkeypatch.setattr(FieldCipher, "decrypt", decrypt)
    event.listen(Engine, "before_cursor_execute", statement)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", statement)


async def onboard(
    unit_of_work: Callable[[], AnyUnitOfWork], clock: FixedClock, serials: range
) -> list[str]:
    """Onboard one enterprise per serial; their global ids."""
    ids: list[str] = []
    for serial in serials:
        body = f"91110000{serial:09d}"
        command = onboarding(credit_code=body + uscc.calc_check_digit(body))
        enterprise = await service.onboard_enterprise(command, unit_of_work(), clock)
        ids.append(global_id("Enterprise", enterprise.id))
    return ids


async def ask(api: GraphQLClient, query: str, **variables: Any) -> dict[str, Any]:
    body = await api.ok(query, **variables)
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


async def seen_for(
    api: GraphQLClient, monkeypatch: pytest.MonkeyPatch, query: str, **variables: Any
) -> Seen:
    await ask(api, query, **variables)  # warm-up: the caller's budget row exists
    with watching(monkeypatch) as seen:
        await ask(api, query, **variables)
    return seen


NAMES = "{ enterprises(first: 100) { nodes { name } } }"


async def test_a_page_costs_three_statements_whatever_its_size(
    api: GraphQLClient,
    unit_of_work: Callable[[], AnyUnitOfWork],
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The session check, the cost charge and the page: no per-row query, no transaction."""
    await onboard(unit_of_work, clock, range(3))
    few = await seen_for(api, monkeypatch, NAMES)
    await onboard(unit_of_work, clock, range(100, 140))
    many = await seen_for(api, monkeypatch, NAMES)
    assert len(few.statements) == len(many.statements) == 3
    session, charge, page = (" ".join(sql.split()) for sql in many.statements)
    assert session.startswith("SELECT")
    assert "FROM sessions" in session
    assert charge.startswith("INSERT INTO cost_budgets")
    assert page.startswith("SELECT")
    assert "FROM enterprises" in page


async def test_a_page_selects_only_the_columns_asked_for_and_opens_no_personal_data(
    api: GraphQLClient,
    unit_of_work: Callable[[], AnyUnitOfWork],
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await onboard(unit_of_work, clock, range(5))
    seen = await seen_for(api, monkeypatch, NAMES)
    page = " ".join(seen.statements[-1].split())
    selected = page[: page.index(" FROM ")]
    assert "enterprises.name" in selected
    assert "enterprises.id" in selected
    for column in ("phone", "account_number", "legal_representative", "credit_code"):
        assert f"enterprises.{column}" not in selected
    assert seen.decrypted == []


async def test_a_page_opens_only_the_personal_data_it_shows(
    api: GraphQLClient,
    unit_of_work: Callable[[], AnyUnitOfWork],
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await onboard(unit_of_work, clock, range(5))
    query = "{ enterprises(first: 100) { edges { node { name phone } } } }"
    seen = await seen_for(api, monkeypatch, query)
    assert seen.decrypted == ["enterprises.phone"] * 5
    data = await ask(api, query)
    assert all("****" in edge["node"]["phone"] for edge in data["enterprises"]["edges"])


async def test_node_lookups_are_batched_into_one_query_per_type(
    api: GraphQLClient,
    unit_of_work: Callable[[], AnyUnitOfWork],
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ids = await onboard(unit_of_work, clock, range(4))
    query = """query($a: ID!, $b: ID!, $all: [ID!]!) {
      a: node(id: $a) { ... on Enterprise { name } }
      b: node(id: $b) { ... on Enterprise { name } }
      all: nodes(ids: $all) { ... on Enterprise { name } }
    }"""
    seen = await seen_for(api, monkeypatch, query, a=ids[0], b=ids[1], all=ids)
    pages = [sql for sql in seen.selects() if "FROM enterprises" in sql]
    assert len(pages) == 1
    data = await ask(api, query, a=ids[0], b=ids[1], all=ids)
    assert data["a"] == data["all"][0]
    assert data["b"] == data["all"][1]
