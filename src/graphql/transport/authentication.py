"""Who is calling, from the request's ``Authorization: Bearer`` access token."""

from collections.abc import Awaitable, Callable
from uuid import UUID

from starlette.requests import Request

from ...auth.principal import ANONYMOUS, Principal
from ...auth.tokens import AccessTokens, Unauthenticated
from ...domain.shared.clock import Clock


def bearer_authenticator(
    tokens: AccessTokens, clock: Clock, session_active: Callable[[UUID], Awaitable[bool]]
) -> Callable[[Request], Awaitable[Principal]]:
    """Verify the token, and for a person's token that its session was not ended (logout,
    refresh-token reuse): revocation takes effect at once, not when the token expires."""

    async def authenticate(request: Request) -> Principal:
        header = request.headers.get("authorization")
        if header is None:
            return ANONYMOUS
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("use Authorization: Bearer <access token>")
        principal = tokens.verify(token.strip(), clock.now())
        if principal.session_id is not None and not await session_active(principal.session_id):
            raise Unauthenticated("the session has ended; sign in again")
        return principal

    return authenticate
