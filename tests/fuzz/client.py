"""The fuzzer's HTTP client: the in-process app, the callers it speaks as, and one ``send`` that
every fuzz request goes through (it records the request and applies ``check``)."""

import base64
import json
from typing import Any

import httpx
import pyotp
from graphql import GraphQLError, OperationDefinitionNode, parse

from src.auth.roles import READ_ONLY, Role
from src.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET
from src.partner_admin import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from tests.conftest import FixedClock
from tests.fuzz.checks import TALLY, check

STEPPED_UP = ("operator", "worker", "enterprise_admin", "secadmin")
"""Accounts that are also signed in with a fresh second factor, as ``<login>+stepped-up``, so
that the step-up-gated fields run."""
PEOPLE = [role.value for role in Role if role is not Role.PARTNER]
CALLERS = ["anonymous", "partner", *PEOPLE, *(f"{login}+stepped-up" for login in STEPPED_UP)]


def encode(payload: Any) -> bytes:
    """JSON as the fuzzer sends it: ASCII with escapes, so lone surrogates go through."""
    return json.dumps(payload).encode()


def root_fields(query: object) -> list[str]:
    """The root fields of the document's operations (none when it does not parse)."""
    if not isinstance(query, str):
        return []
    try:
        document = parse(query)
    except (GraphQLError, RecursionError):
        return []
    return [
        selection.name.value
        for definition in document.definitions
        if isinstance(definition, OperationDefinitionNode)
        for selection in definition.selection_set.selections
        if hasattr(selection, "name")
    ]


class Fuzzer:
    """Sends requests as any of ``CALLERS``; demo accounts sign in once, through the API."""

    def __init__(self, client: httpx.AsyncClient, clock: FixedClock) -> None:
        self.client = client
        self.clock = clock
        self.headers: dict[str, dict[str, str]] = {"anonymous": {}}

    async def sign_in_everyone(self) -> None:
        for login in PEOPLE:
            self.headers[login] = await self.sign_in(login)
        for login in STEPPED_UP:
            self.headers[f"{login}+stepped-up"] = await self._step_up(self.headers[login])
        credentials = base64.b64encode(f"{DEMO_CLIENT_ID}:{DEMO_CLIENT_SECRET}".encode())
        token = await self.send(
            "anonymous",
            "https://testserver/oauth/token",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": f"Basic {credentials.decode()}"},
        )
        self.headers["partner"] = {"Authorization": f"Bearer {token.json()['access_token']}"}

    async def sign_in(self, login: str) -> dict[str, str]:
        """A new session of the demo account ``login``."""
        answer = await self.graphql(
            "anonymous",
            "mutation($l: String!, $p: String!) { login(input: {login: $l, password: $p}) "
            "{ accessToken } }",
            {"l": login, "p": DEMO_PASSWORD},
        )
        return {"Authorization": f"Bearer {answer.json()['data']['login']['accessToken']}"}

    async def _step_up(self, headers: dict[str, str]) -> dict[str, str]:
        code = pyotp.TOTP(DEMO_TOTP_SECRET).at(self.clock.now())
        answer = await self.graphql(
            "anonymous",
            "mutation($c: String!) { stepUp(input: {method: TOTP, code: $c}) { accessToken } }",
            {"c": code},
            headers=headers,
        )
        return {"Authorization": f"Bearer {answer.json()['data']['stepUp']['accessToken']}"}

    async def graphql(
        self,
        caller: str,
        query: object,
        variables: object = None,
        extensions: object = None,
        headers: dict[str, str] | None = None,
        **members: object,
    ) -> httpx.Response:
        """POST a GraphQL request as ``caller``. A document that signs out runs in a session
        of its own, so that the caller's own session lives on."""
        payload = {"query": query, **members}
        if variables is not None:
            payload["variables"] = variables
        if extensions is not None:
            payload["extensions"] = extensions
        fields = root_fields(query)
        login = caller.split("+")[0]
        own = (
            await self.sign_in(login)
            if "logout" in fields and login in PEOPLE and Role(login) not in READ_ONLY
            else {}
        )
        return await self.send(
            caller,
            "/graphql",
            fields,
            content=encode(payload),
            headers={"Content-Type": "application/json", **own, **(headers or {})},
        )

    async def send(
        self,
        caller: str,
        url: str,
        fields: list[str] | None = None,
        method: str = "POST",
        **request: Any,
    ) -> httpx.Response:
        """The one way a fuzz request is sent: as ``caller`` (unless the request brings its own
        ``Authorization``), recorded in the tally under ``fields`` (else the URL's path), and
        checked."""
        headers = {**self.headers.get(caller, {}), **request.pop("headers", {})}
        built = self.client.build_request(method, url, headers=headers, **request)
        try:
            response = await self.client.send(built)
        except Exception as error:  # raised by the app: a client would have got a bare 500
            raise AssertionError(f"{method} {url}: 500, the app raised {error!r}") from error
        TALLY.record(fields or [httpx.URL(url).path], caller, response)
        check(response)
        return response
