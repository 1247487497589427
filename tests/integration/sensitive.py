"""Sending mutations the way a client of sensitive operations does (SEC-04, ORD-03): with an
``Idempotency-Key`` header, with ``extensions``, and through preview then confirmation."""

import uuid
from typing import Any

import httpx

CHANGE_CARD = """mutation Change($input: ChangeWorkerBankCardInput!) {
  changeWorkerBankCard(input: $input) { id bankCard } }"""
NEW_CARD = "6228480012345678903"


async def send(
    api: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    key: str | None = None,
    extensions: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    body: dict[str, Any] = {"query": query, "variables": variables or {}}
    if extensions is not None:
        body["extensions"] = extensions
    return await api.post(
        "/graphql",
        json=body,
        headers={**({"Idempotency-Key": key} if key is not None else {}), **(headers or {})},
    )


async def preview(api: httpx.AsyncClient, query: str, **variables: Any) -> dict[str, Any]:
    response = await send(api, query, variables, extensions={"preview": True})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def confirmed(api: httpx.AsyncClient, query: str, **variables: Any) -> dict[str, Any]:
    """Preview, then send again with the preview's token under a fresh idempotency key; a
    preview that fails is the answer."""
    previewed = await preview(api, query, **variables)
    if "errors" in previewed:
        return previewed
    token = previewed["extensions"]["confirmation"]["token"]
    response = await send(
        api, query, variables, key=str(uuid.uuid4()), extensions={"confirmationToken": token}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def confirmation(
    api: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any],
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The ``extensions`` that confirm this request: the token its preview hands out."""
    response = await send(api, query, variables, extensions={"preview": True}, headers=headers)
    assert response.status_code == 200, response.text
    return {"confirmationToken": response.json()["extensions"]["confirmation"]["token"]}
