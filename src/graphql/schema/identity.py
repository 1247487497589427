"""GraphQL for signing in and out, sessions and the login log (SEC-01…SEC-09)."""

from datetime import datetime
from typing import Self
from uuid import UUID

import strawberry

from ...auth import commands, service
from ...auth.accounts import Account
from ...auth.ports import IDENTITY, IDENTITY_READS, IdentityUnitOfWork
from ...auth.rules import IDENTITY_RULES, IdentityRules
from ...auth.sessions import Client, Session
from ...auth.sessions import LoginEvent as LoginEventRecord
from ...domain.shared.errors import checked
from .context import Info
from .relay import Connection, Node, global_id, page_request, parse_global_id


def client_of(info: Info) -> Client:
    request = info.context.request
    host = request.client.host if request.client else "unknown"
    return Client(host, request.headers.get("user-agent", "")[:500])


@strawberry.type(description="An image challenge to solve before the next sign-in (SEC-02).")
class LoginChallenge:
    id: strawberry.ID
    image: str = strawberry.field(description="A PNG data URI to show the user.")
    expires_at: datetime


@strawberry.type(description="The signed-in account.")
class Me:
    id: strawberry.ID
    login: str
    display_name: str
    roles: list[str]
    organisation_id: strawberry.ID | None
    second_factors: list[str] = strawberry.field(
        description="Step-up methods this account can use: totp, sms, transaction_password."
    )

    @classmethod
    def of(cls, account: Account) -> Self:
        return cls(
            id=strawberry.ID(str(account.id)),
            login=account.login,
            display_name=account.display_name,
            roles=sorted(account.roles),
            organisation_id=strawberry.ID(str(account.organisation_id))
            if account.organisation_id
            else None,
            second_factors=list(account.second_factors),
        )


@strawberry.type(description="Tokens for a session: send the access token as a Bearer token.")
class AuthPayload:
    access_token: str
    refresh_token: str
    token_type: str
    expires_in: int
    me: Me

    @classmethod
    def of(cls, signed_in: service.SignedIn) -> Self:
        return cls(
            access_token=signed_in.access_token,
            refresh_token=signed_in.refresh_token,
            token_type="Bearer",  # noqa: S106 - the OAuth token type, not a secret
            expires_in=signed_in.expires_in,
            me=Me.of(signed_in.account),
        )


@strawberry.type(description="One signed-in device of yours (SEC-09).")
class SessionInfo(Node):
    created_at: datetime
    last_seen_at: datetime
    ip: str
    user_agent: str
    current: bool
    revoked_at: datetime | None

    @classmethod
    def of(cls, session: Session, current: UUID | None) -> Self:
        return cls(
            id=global_id("Session", session.id),
            created_at=session.created_at,
            last_seen_at=session.last_seen_at,
            ip=session.ip,
            user_agent=session.user_agent,
            current=session.id == current,
            revoked_at=session.revoked_at,
        )


@strawberry.type(description="One sign-in attempt on your account (SEC-09).")
class LoginEvent(Node):
    occurred_at: datetime
    ip: str
    user_agent: str
    result: str

    @classmethod
    def of(cls, event: LoginEventRecord) -> Self:
        return cls(
            id=global_id("LoginEvent", event.id),
            occurred_at=event.occurred_at,
            ip=event.ip,
            user_agent=event.user_agent,
            result=event.result,
        )


@strawberry.input
class LoginInput(commands.Login):
    challenge_id: strawberry.ID | None = None


@strawberry.input
class RefreshSessionInput(commands.RefreshSession):
    pass


@strawberry.input
class RevokeSessionInput:
    id: strawberry.ID


@strawberry.input
class UnlockAccountInput(commands.UnlockAccount):
    pass


def identity_uow(info: Info) -> IdentityUnitOfWork:
    return info.context.wiring[IDENTITY]()


def _reading(info: Info) -> IdentityUnitOfWork:
    return info.context.wiring[IDENTITY_READS]()


def identity_rules(info: Info) -> IdentityRules:
    return info.context.wiring[IDENTITY_RULES]


@strawberry.type
class IdentityQuery:
    @strawberry.field(description="The signed-in account.")
    async def me(self, info: Info) -> Me:
        return Me.of(await service.me(_reading(info), info.context.principal))

    @strawberry.field(description="Your sessions, newest first.")
    async def my_sessions(
        self, info: Info, first: int = 20, after: str | None = None
    ) -> Connection[SessionInfo]:
        principal = info.context.principal
        request = page_request(first, after)
        page = await service.my_sessions(request, _reading(info), principal)
        return Connection[SessionInfo].of(
            page, request, lambda s: SessionInfo.of(s, principal.session_id), lambda s: s.id
        )

    @strawberry.field(description="Your login log, newest first (SEC-09).")
    async def my_login_log(
        self, info: Info, first: int = 20, after: str | None = None
    ) -> Connection[LoginEvent]:
        request = page_request(first, after)
        page = await service.my_login_log(request, _reading(info), info.context.principal)
        return Connection[LoginEvent].of(page, request, LoginEvent.of, lambda e: e.id)


@strawberry.type
class IdentityMutation:
    @strawberry.mutation(description="A challenge for the next sign-in, after two failures.")
    async def login_challenge(self, info: Info) -> LoginChallenge:
        challenge = await service.issue_challenge(identity_uow(info), identity_rules(info))
        return LoginChallenge(
            id=strawberry.ID(str(challenge.id)),
            image=challenge.image_data_uri,
            expires_at=challenge.expires_at,
        )

    @strawberry.mutation(description="Sign in with a password (SEC-01…SEC-03).")
    async def login(self, info: Info, input: LoginInput) -> AuthPayload:
        return AuthPayload.of(
            await service.login(input, identity_uow(info), identity_rules(info), client_of(info))
        )

    @strawberry.mutation(description="Trade a refresh token for new tokens (it rotates).")
    async def refresh_session(self, info: Info, input: RefreshSessionInput) -> AuthPayload:
        return AuthPayload.of(
            await service.refresh_session(input, identity_uow(info), identity_rules(info))
        )

    @strawberry.mutation(description="End this session (SEC-09).")
    async def logout(self, info: Info) -> bool:
        await service.logout(identity_uow(info), info.context.clock, info.context.principal)
        return True

    @strawberry.mutation(description="End one of your sessions, e.g. a lost phone's.")
    async def revoke_session(self, info: Info, input: RevokeSessionInput) -> SessionInfo:
        _, id = checked("input.id", parse_global_id, input.id, "Session")
        principal = info.context.principal
        session = await service.revoke_session(
            id, identity_uow(info), info.context.clock, principal
        )
        return SessionInfo.of(session, principal.session_id)

    @strawberry.mutation(description="Lift a lockout (secadmin; the user is notified).")
    async def unlock_account(self, info: Info, input: UnlockAccountInput) -> bool:
        await service.unlock_account(input, identity_uow(info), info.context.clock)
        return True
