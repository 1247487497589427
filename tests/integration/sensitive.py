"""Sending mutations the way a client of sensitive operations does (SEC-04, ORD-03): with an
``Idempotency-Key`` header, with ``extensions``, and through preview then confirmation."""

import uuid
from typing import Any

from tests.in_process import GraphQLClient

CHANGE_CARD = """mutation Change($input: ChangeWorkerBankCardInput!) {
  changeWorkerBankCard(input: $input) { id bankCard } }"""
NEW_CARD = "6228480012345678903"


async def preview(api: GraphQLClient, query: str, **variables: Any) -> dict[str, Any]:
    response = await api.graphql(query, variables, extensions={"preview": True})
    assert response.status == 200, response.body
    return response.body


async def confirmed(api: GraphQLClient, query: str, **variables: Any) -> dict[str, Any]:
    """Preview, then send again with the preview's token under a fresh idempotency key; a
    preview that fails is the answer."""
    previewed = await preview(api, query, **variables)
    if "errors" in previewed:
        return previewed
    token = previewed["extensions"]["confirmation"]["token"]
    response = await api.graphql(
        query,
        variables,
        idempotency_key=str(uuid.uuid4()),
        extensions={"confirmationToken": token},
    )
    assert response.status == 200, response.body
    return response.body


async def confirmation(
    api: GraphQLClient,
    query: str,
    variables: dict[str, Any],
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The ``extensions`` that confirm this request: the token its preview hands out."""
    response = await api.graphql(query, variables, extensions={"preview": True}, headers=headers)
    assert response.status == 200, response.body
    return {"confirmationToken": response.body["extensions"]["confirmation"]["token"]}
