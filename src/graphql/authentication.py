"""Who is calling, from the request's ``Authorization: Bearer`` access token."""

from collections.abc import Callable

from starlette.requests import Request

from ..auth.principal import ANONYMOUS, Principal
from ..auth.tokens import AccessTokens, Unauthenticated
from ..domain.shared.clock import Clock


def bearer_authenticator(tokens: AccessTokens, clock: Clock) -> Callable[[Request], Principal]:
    def authenticate(request: Request) -> Principal:
        header = request.headers.get("authorization")
        if header is None:
            return ANONYMOUS
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("use Authorization: Bearer <access token>")
        return tokens.verify(token.strip(), clock.now())

    return authenticate
