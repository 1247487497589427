"""Apps in process for API tests (conftest's ``serve`` builds Flexfin's from any settings),
reached through one GraphQL client: an httpx client with a typed GraphQL call."""

import contextlib
import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import httpx
from starlette.applications import Starlette


@dataclass(frozen=True, slots=True)
class Answer:
    """A response from /graphql: its status, parsed JSON body, headers and raw bytes."""

    status: int
    body: dict[str, Any]
    headers: httpx.Headers
    content: bytes

    @property
    def codes(self) -> list[str]:
        """The ``extensions.code`` of each error, in order."""
        return [error["extensions"]["code"] for error in self.body.get("errors", [])]

    @property
    def code(self) -> str:
        """The first error's code."""
        return self.codes[0]


class GraphQLClient(httpx.AsyncClient):
    """An HTTP client of the app; ``graphql`` posts one GraphQL request."""

    async def graphql(
        self,
        query: str | None = None,
        variables: Mapping[str, Any] | None = None,
        *,
        extensions: Mapping[str, Any] | None = None,
        document_id: str | None = None,
        token: str | None = None,
        idempotency_key: str | None = None,
        headers: Mapping[str, str] | None = None,
        method: Literal["POST", "GET"] = "POST",
    ) -> Answer:
        """Send the members given (``query``, ``variables``, ``extensions``, ``documentId``)
        as a JSON body, or with ``GET`` as URL parameters (the objects as JSON); ``token`` goes
        as a bearer token, ``idempotency_key`` as ``Idempotency-Key``, both on top of
        ``headers`` and the client's own headers."""
        given = {
            "query": query,
            "variables": variables,
            "extensions": extensions,
            "documentId": document_id,
        }
        members = {name: value for name, value in given.items() if value is not None}
        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        if idempotency_key is not None:
            sent["Idempotency-Key"] = idempotency_key
        if method == "GET":
            params = {k: v if isinstance(v, str) else json.dumps(v) for k, v in members.items()}
            response = await self.get("/graphql", params=params, headers=sent)
        else:
            response = await self.post("/graphql", json=members, headers=sent)
        return Answer(response.status_code, response.json(), response.headers, response.content)

    async def ok(
        self, query: str, *, headers: Mapping[str, str] | None = None, **variables: Any
    ) -> dict[str, Any]:
        """The body of a request that must answer 200 (business errors come in the body)."""
        answer = await self.graphql(query, variables, headers=headers)
        assert answer.status == 200, answer.body
        return answer.body


@contextlib.asynccontextmanager
async def in_process(
    app: Starlette, *addresses: str, base_url: str = "http://testserver"
) -> AsyncIterator[list[GraphQLClient]]:
    """Clients of ``app`` (started and stopped around them), signed in as nobody, one calling
    from each of ``addresses`` (the ASGI scope's ``client``)."""
    async with app.router.lifespan_context(app), contextlib.AsyncExitStack() as clients:
        yield [
            await clients.enter_async_context(
                GraphQLClient(
                    transport=httpx.ASGITransport(app=app, client=(address, 123)),
                    base_url=base_url,
                )
            )
            for address in addresses
        ]
