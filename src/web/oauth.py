"""``POST /oauth/token``: OAuth 2.0 client credentials (RFC 6749 §4.4) for partner banks
(CARD-4, SEC-10), on authlib's authorization server (ADR 0013).

authlib's server is synchronous and has no Starlette integration, so this module supplies one:
the request runs in a worker thread (argon2 verification stays off the event loop), and the
thread calls back into the loop to read the client from PostgreSQL. The access token is ours
(``AccessTokens``), so the GraphQL endpoint's bearer authentication reads it like any other.
"""

import base64
import binascii
import logging
from typing import Any
from urllib.parse import parse_qsl

import anyio
import anyio.from_thread
import anyio.to_thread
from authlib.oauth2.rfc6749 import AuthorizationServer, ClientMixin, OAuth2Request
from authlib.oauth2.rfc6749.errors import InvalidClientError, InvalidRequestError, OAuth2Error
from authlib.oauth2.rfc6749.grants import ClientCredentialsGrant
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..auth.partners import PartnerClient, PartnerClientStatus, PartnerRegistry, secret_matches
from ..auth.tokens import AccessTokens
from ..domain.shared.clock import Clock

log = logging.getLogger(__name__)

CLIENT_CREDENTIALS = "client_credentials"
FORM = "application/x-www-form-urlencoded"
AUTH_METHODS = ("client_secret_basic", "client_secret_post")
CONCURRENT_CHECKS = 4
"""Token requests checked at once (each argon2 check takes 64 MiB); the others wait."""


async def _form(request: Request) -> dict[str, str]:
    """The token request's parameters (RFC 6749 §3.2: form-encoded, none repeated)."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != FORM:
        raise InvalidRequestError(f"send the parameters as {FORM}")
    try:
        pairs = parse_qsl((await request.body()).decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        raise InvalidRequestError("the body is not UTF-8") from None
    form = dict(pairs)
    if len(form) != len(pairs):
        raise InvalidRequestError("a parameter is repeated")
    return form


class _Client(ClientMixin):
    """authlib's view of a partner client. An unknown client is one too (``partner`` None):
    checking its secret costs the same argon2 work and always fails."""

    def __init__(self, client_id: str, partner: PartnerClient | None) -> None:
        self.client_id = client_id
        self.partner = partner

    def get_client_id(self) -> str:
        return self.client_id

    def check_client_secret(self, client_secret: str) -> bool:
        hash_ = None if self.partner is None else self.partner.secret_hash
        return secret_matches(hash_, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return endpoint == "token" and method in AUTH_METHODS

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == CLIENT_CREDENTIALS

    def get_allowed_scope(self, scope: str) -> str:
        return ""


def _check_basic_credentials(request: Request) -> None:
    """authlib reads HTTP Basic credentials as UTF-8 and raises on other bytes: refuse those
    the way every failed client authentication is refused."""
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return
    try:
        base64.b64decode(credentials).decode("utf-8")
    except binascii.Error:
        return  # authlib finds no credentials in it: invalid_client
    except UnicodeDecodeError:
        raise InvalidClientError(
            status_code=401, description="client authentication failed"
        ) from None


class _Request(OAuth2Request):
    """A Starlette request, its form already read, for authlib."""

    def __init__(self, request: Request, form: dict[str, str]) -> None:
        super().__init__(request.method, str(request.url), headers=request.headers)
        self.payload = BasicOAuth2Payload(form)
        self._form = form
        self.address = request.client.host if request.client else None

    @property
    def form(self) -> dict[str, str]:
        return self._form

    @property
    def args(self) -> dict[str, str]:
        return {}


class _PartnerCredentialsGrant(ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS

    def validate_token_request(self) -> None:
        """After authlib authenticated the client: it must be active and calling from an
        address on its allow-list (SEC-10). The answer does not say which check failed."""
        super().validate_token_request()
        partner = self.request.client.partner
        if not (
            partner.status is PartnerClientStatus.ACTIVE and partner.admits(self.request.address)
        ):
            log.warning(
                "partner token refused: suspended client or address not allowed",
                extra={"client_id": partner.client_id, "address": self.request.address},
            )
            raise InvalidClientError(status_code=401)


class PartnerAuthorizationServer(AuthorizationServer):
    def __init__(self, registry: PartnerRegistry, tokens: AccessTokens, clock: Clock) -> None:
        super().__init__(scopes_supported=[])
        self._registry = registry
        self._tokens = tokens
        self._clock = clock
        self._limiter: anyio.CapacityLimiter | None = None
        self.register_grant(_PartnerCredentialsGrant)
        self.register_token_generator("default", self._issue)

    def query_client(self, client_id: str) -> _Client:
        """Runs in the worker thread; the registry is async, on the event loop."""
        return _Client(client_id, anyio.from_thread.run(self._registry.client, client_id))

    def _issue(self, *, client: _Client, **_: Any) -> dict[str, Any]:
        assert client.partner is not None
        now = self._clock.now()
        return {
            "access_token": self._tokens.issue(client.partner.principal(now), now),
            "token_type": "Bearer",
            "expires_in": int(self._tokens.ttl.total_seconds()),
        }

    def save_token(self, token: dict[str, Any], request: _Request) -> None:
        """Tokens are signed and stateless: nothing to store. The issue is logged (SEC-10)."""
        log.info("partner token issued", extra={"client_id": request.client.client_id})

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        """No signal receivers."""

    def create_oauth2_request(self, request: _Request) -> _Request:
        return request

    def handle_error_response(self, request: _Request, error: OAuth2Error) -> Response:
        """Every failed client authentication reads the same, whatever failed."""
        if isinstance(error, InvalidClientError):
            error.description = "client authentication failed"
        return super().handle_error_response(request, error)  # type: ignore[no-any-return]

    def handle_response(
        self, status: int, body: dict[str, Any], headers: list[tuple[str, str]]
    ) -> Response:
        return JSONResponse(body, status, headers=dict(headers))

    async def token(self, request: Request) -> Response:
        """The ``/oauth/token`` endpoint."""
        try:
            _check_basic_credentials(request)
            oauth_request = _Request(request, await _form(request))
        except OAuth2Error as error:  # a malformed body, or plain HTTP to another host
            return self.handle_response(*error())
        if self._limiter is None:  # made on the event loop, at the first request
            self._limiter = anyio.CapacityLimiter(CONCURRENT_CHECKS)
        response: Response = await anyio.to_thread.run_sync(
            self.create_token_response, oauth_request, limiter=self._limiter
        )
        return response
