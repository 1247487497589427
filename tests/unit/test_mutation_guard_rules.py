"""Which answers an idempotency record keeps for replay (ORD-03): executed ones, with their
business errors; not those that never executed or crashed before producing anything."""

from typing import Any

import pytest

from src.graphql.transport.mutation_guard import worth_keeping

CRASH = {"message": "Internal server error", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}
REFUSAL = {"message": "closed", "extensions": {"code": "ENTERPRISE_CLOSED"}}


@pytest.mark.parametrize(
    ("body", "kept"),
    [
        ({"data": {"closeEnterprise": {"id": "x"}}}, True),
        ({"data": None, "errors": [REFUSAL]}, True),
        ({"errors": [{"message": "Variable", "extensions": {"code": "BAD_USER_INPUT"}}]}, False),
        ({"data": None, "errors": [CRASH]}, False),
        ({"data": {"a": None, "b": None}, "errors": [CRASH, REFUSAL]}, False),
        ({"data": {"a": {"id": "x"}, "b": None}, "errors": [CRASH]}, True),
    ],
)
def test_ord_03_answers_worth_keeping(body: dict[str, Any], kept: bool) -> None:
    assert worth_keeping(body) is kept
