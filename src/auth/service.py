"""Identity use cases: sign in, refresh, sign out, sessions and the login log, unlock."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from ..domain.shared.clock import Clock
from ..domain.shared.errors import DomainError, NotFound
from ..domain.shared.pagination import Page, PageRequest
from ..domain.shared.wiring import Port
from .accounts import Account, AccountExists, AccountStatus, InvalidCredentials, normalised_login
from .challenges import ChallengeRequired, Challenges, IssuedChallenge
from .lockout import Guard, LockoutPolicy
from .passwords import Passwords, check_strength
from .ports import IdentityUnitOfWork
from .principal import Principal
from .roles import Role
from .sessions import (
    Client,
    LoginEvent,
    RefreshTokenReused,
    Session,
    new_refresh_token,
    token_digest,
)
from .tokens import AccessTokens, Unauthenticated

LOCKED_MESSAGE = (
    "Your Flexfin account was locked after repeated failed sign-ins. "
    "If this was not you, contact support."
)
UNLOCKED_MESSAGE = "Your Flexfin account was unlocked by a security administrator."


class LoginThrottled(DomainError):
    code = "LOGIN_THROTTLED"
    default_message = "too many failed sign-ins from this network; try again later"


@dataclass(frozen=True, slots=True)
class SignedIn:
    access_token: str
    refresh_token: str
    expires_in: int
    account: Account
    session: Session


@dataclass(frozen=True, slots=True)
class _Outcome:
    result: str
    account_id: UUID | None = None
    error: DomainError | None = None
    signed_in: SignedIn | None = None


@dataclass(frozen=True, slots=True)
class Answer:
    """A solved challenge sent with a login."""

    challenge_id: UUID
    text: str


def principal_of(account: Account, session: Session) -> Principal:
    return Principal(
        account_id=account.id,
        roles=account.roles,
        organisation_id=account.organisation_id,
        worker_id=account.worker_id,
        session_id=session.id,
        auth_time=session.created_at,
        amr=session.amr,
        stepped_up_at=session.stepped_up_at,
    )


@dataclass
class Identity:
    """The identity use cases and their collaborators (built once, in the composition root)."""

    unit_of_work: Callable[[], IdentityUnitOfWork]
    passwords: Passwords
    tokens: AccessTokens
    challenges: Challenges
    clock: Clock
    account_lockout: LockoutPolicy
    ip_lockout: LockoutPolicy
    session_lifetime: timedelta = timedelta(days=14)
    reading: Callable[[], IdentityUnitOfWork] | None = None
    """Units of work for the reads below (the session check runs on every request): no
    transaction around their one statement. ``unit_of_work`` when not given."""

    def _reads(self) -> IdentityUnitOfWork:
        return (self.reading or self.unit_of_work)()

    async def issue_challenge(self) -> IssuedChallenge:
        challenge = self.challenges.issue(self.clock.now())
        async with self.unit_of_work() as uow:
            await uow.challenges.add(challenge.id, challenge.answer_hash, challenge.expires_at)
            await uow.commit()
        return challenge

    async def login(
        self, login: str, password: str, answer: Answer | None, client: Client
    ) -> SignedIn:
        """SEC-01…SEC-03, SEC-09: the same ``INVALID_CREDENTIALS`` for an unknown login, a
        wrong password and a locked account, after the same password-hash work. Attempts on
        one login name are serialised by its guard's row lock, so the lock engages at exactly
        the N-th consecutive failure however many attempts arrive at once. The source
        address's guard row is locked only to count a failure, after the password check, so
        the throttle engages at exactly its N-th failure too without making one address's
        sign-ins wait for each other's password checks."""
        now = self.clock.now()
        async with self.unit_of_work() as uow:
            outcome = await self._attempt(uow, normalised_login(login), password, answer, client)
            await uow.login_log.append(
                LoginEvent(outcome.account_id, now, client.ip, client.user_agent, outcome.result)
            )
            if outcome.error is not None:
                uow.ending(outcome.error.code)
            await uow.commit()
        if outcome.signed_in is not None:
            return outcome.signed_in
        raise outcome.error or InvalidCredentials()

    async def _attempt(
        self,
        uow: IdentityUnitOfWork,
        name: str,
        password: str,
        answer: Answer | None,
        client: Client,
    ) -> "_Outcome":
        now = self.clock.now()
        if (await uow.guards.get(f"ip:{client.ip}")).is_locked(now):
            return _Outcome("throttled", error=LoginThrottled())
        guard = await uow.guards.lock(f"login:{name}")
        account = await uow.accounts.by_login(name, for_update=True)
        account_id = account.id if account else None
        if guard.needs_challenge(self.account_lockout, now) and not (
            answer is not None and await self._solved(uow, answer)
        ):
            return _Outcome("challenge_required", account_id, error=ChallengeRequired())
        usable = account if account and account.status is AccountStatus.ACTIVE else None
        check = self.passwords.verify(usable.password_hash if usable else None, password)
        if guard.is_locked(now) or usable is None or not check.ok:
            return await self._failed(uow, guard, account, client.ip, now)
        guard.record_success()
        await uow.guards.save(guard)
        if check.needs_rehash:
            usable.password_hash = self.passwords.hash(password)
            await uow.accounts.save(usable)
        session = Session.start(usable.id, client, now, now + self.session_lifetime)
        await uow.sessions.add(session)
        return _Outcome("ok", account_id, signed_in=await self._tokens(uow, usable, session))

    async def _failed(
        self,
        uow: IdentityUnitOfWork,
        guard: Guard,
        account: Account | None,
        ip: str,
        now: datetime,
    ) -> "_Outcome":
        """Count a failed attempt against its source address, then (unless the address is
        throttled by now) against its login name's ``guard``."""
        if not await self._count_ip_failure(uow, ip, now):
            return _Outcome("throttled", error=LoginThrottled())
        account_id = account.id if account else None
        if guard.is_locked(now):
            return _Outcome("locked", account_id, error=InvalidCredentials())
        locks = guard.record_failure(self.account_lockout, now)
        await uow.guards.save(guard)
        if locks and account is not None and account.phone:
            await uow.notifier.notify("sms", account.phone, "account_locked", LOCKED_MESSAGE, now)
        return _Outcome("locked" if locks else "failed", account_id, InvalidCredentials())

    async def _count_ip_failure(self, uow: IdentityUnitOfWork, ip: str, now: datetime) -> bool:
        """Count a failure against ``ip``; False, counting nothing, when it is throttled. Its
        guard's row stays locked until the attempt commits, so deciding and counting are one
        step for every attempt from ``ip``. It is locked after the login name's guard and the
        account, the one order of a sign-in's row locks, so attempts cannot deadlock."""
        guard = await uow.guards.lock(f"ip:{ip}")
        if guard.is_locked(now):
            return False
        guard.record_failure(self.ip_lockout, now)
        await uow.guards.save(guard)
        return True

    async def _solved(self, uow: IdentityUnitOfWork, answer: Answer) -> bool:
        stored = await uow.challenges.take(answer.challenge_id, self.clock.now())
        return stored is not None and self.challenges.matches(stored, answer.text)

    async def _tokens(
        self, uow: IdentityUnitOfWork, account: Account, session: Session
    ) -> SignedIn:
        refresh = new_refresh_token()
        await uow.sessions.add_refresh_token(token_digest(refresh), session.id, self.clock.now())
        access = self.tokens.issue(principal_of(account, session), self.clock.now())
        return SignedIn(access, refresh, int(self.tokens.ttl.total_seconds()), account, session)

    async def refresh(self, refresh_token: str) -> SignedIn:
        """Rotate a refresh token; a reused one revokes its whole session (family)."""
        now = self.clock.now()
        digest = token_digest(refresh_token)
        reused = False
        async with self.unit_of_work() as uow:
            record = await uow.sessions.refresh_token(digest)
            session = (
                None
                if record is None
                else await uow.sessions.get(record.session_id, for_update=True)
            )
            if record is None or session is None:
                raise Unauthenticated("unknown refresh token")
            if record.used_at is not None:
                session.revoke("refresh_token_reused", now)
                await uow.sessions.save(session)
                uow.ending(RefreshTokenReused.code)
                reused = True
            else:
                account = await uow.accounts.get(session.account_id)
                if (
                    not session.is_active(now)
                    or account is None
                    or (account.status is not AccountStatus.ACTIVE)
                ):
                    raise Unauthenticated("the session has ended; sign in again")
                await uow.sessions.use_refresh_token(digest, now)
                session.last_seen_at = now
                await uow.sessions.save(session)
                signed_in = await self._tokens(uow, account, session)
            await uow.commit()
        if reused:
            raise RefreshTokenReused()
        return signed_in

    async def logout(self, principal: Principal) -> None:
        """SEC-09: logout clears the session: its refresh tokens stop working at once."""
        if principal.session_id is None:
            raise Unauthenticated()
        await self.revoke_session(principal, principal.session_id, reason="logout")

    async def revoke_session(
        self, principal: Principal, session_id: UUID, *, reason: str = "revoked"
    ) -> Session:
        async with self.unit_of_work() as uow:
            session = await uow.sessions.get(session_id, for_update=True)
            if session is None or session.account_id != principal.account_id:
                raise NotFound("no such session", field="id")
            session.revoke(reason, self.clock.now())
            await uow.sessions.save(session)
            await uow.commit()
        return session

    async def is_session_active(self, session_id: UUID) -> bool:
        async with self._reads() as uow:
            session = await uow.sessions.get(session_id)
        return session is not None and session.is_active(self.clock.now())

    async def sessions_of(self, principal: Principal, request: PageRequest) -> Page[Session]:
        async with self._reads() as uow:
            return await uow.sessions.of_account(_account_of(principal), request)

    async def login_log(self, principal: Principal, request: PageRequest) -> Page[LoginEvent]:
        async with self._reads() as uow:
            return await uow.login_log.page(_account_of(principal), request)

    async def account(self, principal: Principal) -> Account:
        async with self._reads() as uow:
            account = await uow.accounts.get(_account_of(principal))
        if account is None:
            raise Unauthenticated()
        return account

    async def open_account(
        self,
        login: str,
        display_name: str,
        password: str,
        roles: frozenset[Role],
        *,
        organisation_id: UUID | None = None,
        worker_id: UUID | None = None,
        phone: str | None = None,
    ) -> Account:
        """A new account; its password must pass the SEC-01 policy."""
        check_strength(password, login=normalised_login(login))
        account = Account.open(
            login,
            display_name,
            self.passwords.hash(password),
            roles,
            self.clock.now(),
            organisation_id=organisation_id,
            worker_id=worker_id,
            phone=phone,
        )
        async with self.unit_of_work() as uow:
            if await uow.accounts.by_login(account.login) is not None:
                raise AccountExists()
            await uow.accounts.add(account)
            await uow.commit()
        return account

    async def unlock(self, login: str) -> None:
        """SEC-03/SEC-05: a security administrator lifts a lock; the user is told."""
        now = self.clock.now()
        name = normalised_login(login)
        async with self.unit_of_work() as uow:
            account = await uow.accounts.by_login(name)
            if account is None:
                raise NotFound("no such account", field="login")
            guard = await uow.guards.lock(f"login:{name}")
            guard.unlock()
            guard.lockouts = 0
            await uow.guards.save(guard)
            if account.phone:
                await uow.notifier.notify(
                    "sms",
                    account.phone,
                    "account_unlocked",
                    UNLOCKED_MESSAGE,
                    now,
                )
            await uow.commit()


def _account_of(principal: Principal) -> UUID:
    if principal.account_id is None:
        raise Unauthenticated()
    return principal.account_id


IDENTITY: Port[Identity] = Port("identity")
