"""Identity use cases (SEC-01…SEC-09): sign in, refresh, sign out, sessions and the login log,
unlock, open an account.

One handler per use case, the shape of every module (ADR 0018): it takes its command (or the
id it is for), a fresh unit of work, what else it needs (the ``IdentityRules``, or only a
clock) and who is calling (a principal, or a sign-in's client address). Each handler runs in
its one unit of work; a handler that needed more than one transaction would take the factory
instead."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from ..domain.shared.clock import Clock
from ..domain.shared.errors import DomainError, NotFound
from ..domain.shared.pagination import Page, PageRequest
from . import commands
from .accounts import Account, AccountExists, AccountStatus, InvalidCredentials, normalised_login
from .challenges import ChallengeRequired, IssuedChallenge
from .lockout import Guard
from .passwords import check_strength
from .ports import IdentityUnitOfWork
from .principal import Principal
from .rules import IdentityRules
from .sessions import (
    Client,
    LoginEvent,
    RefreshTokenReused,
    Session,
    new_refresh_token,
    token_digest,
)
from .tokens import Unauthenticated

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


def account_id_of(principal: Principal) -> UUID:
    """The caller's account; ``Unauthenticated`` for anyone else."""
    if principal.account_id is None:
        raise Unauthenticated()
    return principal.account_id


async def issue_challenge(uow: IdentityUnitOfWork, rules: IdentityRules) -> IssuedChallenge:
    challenge = rules.challenges.issue(rules.clock.now())
    async with uow:
        await uow.challenges.add(challenge.id, challenge.answer_hash, challenge.expires_at)
        await uow.commit()
    return challenge


async def login(
    command: commands.Login, uow: IdentityUnitOfWork, rules: IdentityRules, client: Client
) -> SignedIn:
    """SEC-01…SEC-03, SEC-09: the same ``INVALID_CREDENTIALS`` for an unknown login, a
    wrong password and a locked account, after the same password-hash work. Attempts on
    one login name are serialised by its guard's row lock, so the lock engages at exactly
    the N-th consecutive failure however many attempts arrive at once. The source
    address's guard row is locked only to count a failure, after the password check, so
    the throttle engages at exactly its N-th failure too without making one address's
    sign-ins wait for each other's password checks. The attempt, its counters and its line
    in the login log commit together, failed or not."""
    now = rules.clock.now()
    async with uow:
        outcome = await _attempt(uow, rules, command, client)
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
    uow: IdentityUnitOfWork, rules: IdentityRules, command: commands.Login, client: Client
) -> _Outcome:
    now = rules.clock.now()
    if (await uow.guards.get(f"ip:{client.ip}")).is_locked(now):
        return _Outcome("throttled", error=LoginThrottled())
    name = normalised_login(command.login)
    guard = await uow.guards.lock(f"login:{name}")
    account = await uow.accounts.by_login(name, for_update=True)
    account_id = account.id if account else None
    if guard.needs_challenge(rules.account_lockout, now) and not await _solved(uow, rules, command):
        return _Outcome("challenge_required", account_id, error=ChallengeRequired())
    usable = account if account and account.status is AccountStatus.ACTIVE else None
    check = rules.passwords.verify(usable.password_hash if usable else None, command.password)
    if guard.is_locked(now) or usable is None or not check.ok:
        return await _failed(uow, rules, guard, account, client.ip, now)
    guard.record_success()
    await uow.guards.save(guard)
    if check.needs_rehash:
        usable.password_hash = rules.passwords.hash(command.password)
        await uow.accounts.save(usable)
    session = Session.start(usable.id, client, now, now + rules.session_lifetime)
    await uow.sessions.add(session)
    return _Outcome("ok", account_id, signed_in=await _tokens(uow, rules, usable, session))


async def _failed(
    uow: IdentityUnitOfWork,
    rules: IdentityRules,
    guard: Guard,
    account: Account | None,
    ip: str,
    now: datetime,
) -> _Outcome:
    """Count a failed attempt against its source address, then (unless the address is
    throttled by now) against its login name's ``guard``."""
    if not await _count_ip_failure(uow, rules, ip, now):
        return _Outcome("throttled", error=LoginThrottled())
    account_id = account.id if account else None
    if guard.is_locked(now):
        return _Outcome("locked", account_id, error=InvalidCredentials())
    locks = guard.record_failure(rules.account_lockout, now)
    await uow.guards.save(guard)
    if locks and account is not None and account.phone:
        await uow.notifier.notify("sms", account.phone, "account_locked", LOCKED_MESSAGE, now)
    return _Outcome("locked" if locks else "failed", account_id, InvalidCredentials())


async def _count_ip_failure(
    uow: IdentityUnitOfWork, rules: IdentityRules, ip: str, now: datetime
) -> bool:
    """Count a failure against ``ip``; False, counting nothing, when it is throttled. Its
    guard's row stays locked until the attempt commits, so deciding and counting are one
    step for every attempt from ``ip``. It is locked after the login name's guard and the
    account, the one order of a sign-in's row locks, so attempts cannot deadlock."""
    guard = await uow.guards.lock(f"ip:{ip}")
    if guard.is_locked(now):
        return False
    guard.record_failure(rules.ip_lockout, now)
    await uow.guards.save(guard)
    return True


async def _solved(uow: IdentityUnitOfWork, rules: IdentityRules, command: commands.Login) -> bool:
    """The sign-in names an unexpired, unused challenge (now used up) and its right answer."""
    if command.challenge_id is None or command.challenge_answer is None:
        return False
    try:
        challenge_id = UUID(command.challenge_id)
    except ValueError:
        return False
    stored = await uow.challenges.take(challenge_id, rules.clock.now())
    return stored is not None and rules.challenges.matches(stored, command.challenge_answer)


async def _tokens(
    uow: IdentityUnitOfWork, rules: IdentityRules, account: Account, session: Session
) -> SignedIn:
    refresh = new_refresh_token()
    await uow.sessions.add_refresh_token(token_digest(refresh), session.id, rules.clock.now())
    access = rules.tokens.issue(principal_of(account, session), rules.clock.now())
    return SignedIn(access, refresh, int(rules.tokens.ttl.total_seconds()), account, session)


async def refresh_session(
    command: commands.RefreshSession, uow: IdentityUnitOfWork, rules: IdentityRules
) -> SignedIn:
    """Rotate a refresh token; a reused one revokes its whole session (family)."""
    now = rules.clock.now()
    digest = token_digest(command.refresh_token)
    reused = False
    async with uow:
        record = await uow.sessions.refresh_token(digest)
        session = (
            None if record is None else await uow.sessions.get(record.session_id, for_update=True)
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
            signed_in = await _tokens(uow, rules, account, session)
        await uow.commit()
    if reused:
        raise RefreshTokenReused()
    return signed_in


async def logout(uow: IdentityUnitOfWork, clock: Clock, principal: Principal) -> None:
    """SEC-09: logout clears the session: its refresh tokens stop working at once."""
    if principal.session_id is None:
        raise Unauthenticated()
    await revoke_session(principal.session_id, uow, clock, principal, reason="logout")


async def revoke_session(
    session_id: UUID,
    uow: IdentityUnitOfWork,
    clock: Clock,
    principal: Principal,
    *,
    reason: str = "revoked",
) -> Session:
    async with uow:
        session = await uow.sessions.get(session_id, for_update=True)
        if session is None or session.account_id != principal.account_id:
            raise NotFound("no such session", field="id")
        session.revoke(reason, clock.now())
        await uow.sessions.save(session)
        await uow.commit()
    return session


async def is_session_active(session_id: UUID, uow: IdentityUnitOfWork, clock: Clock) -> bool:
    async with uow:
        session = await uow.sessions.get(session_id)
    return session is not None and session.is_active(clock.now())


async def my_sessions(
    request: PageRequest, uow: IdentityUnitOfWork, principal: Principal
) -> Page[Session]:
    async with uow:
        return await uow.sessions.of_account(account_id_of(principal), request)


async def my_login_log(
    request: PageRequest, uow: IdentityUnitOfWork, principal: Principal
) -> Page[LoginEvent]:
    async with uow:
        return await uow.login_log.page(account_id_of(principal), request)


async def me(uow: IdentityUnitOfWork, principal: Principal) -> Account:
    async with uow:
        account = await uow.accounts.get(account_id_of(principal))
    if account is None:
        raise Unauthenticated()
    return account


async def open_account(
    command: commands.OpenAccount, uow: IdentityUnitOfWork, rules: IdentityRules
) -> Account:
    """A new account; its password must pass the SEC-01 policy."""
    check_strength(command.password, login=normalised_login(command.login))
    account = Account.open(
        command.login,
        command.display_name,
        rules.passwords.hash(command.password),
        command.roles,
        rules.clock.now(),
        organisation_id=command.organisation_id,
        worker_id=command.worker_id,
        phone=command.phone,
    )
    async with uow:
        if await uow.accounts.by_login(account.login) is not None:
            raise AccountExists()
        await uow.accounts.add(account)
        await uow.commit()
    return account


async def unlock_account(
    command: commands.UnlockAccount, uow: IdentityUnitOfWork, clock: Clock
) -> None:
    """SEC-03/SEC-05: a security administrator lifts a lock; the user is told."""
    now = clock.now()
    name = normalised_login(command.login)
    async with uow:
        account = await uow.accounts.by_login(name)
        if account is None:
            raise NotFound("no such account", field="login")
        guard = await uow.guards.lock(f"login:{name}")
        guard.unlock()
        guard.lockouts = 0
        await uow.guards.save(guard)
        if account.phone:
            await uow.notifier.notify(
                "sms", account.phone, "account_unlocked", UNLOCKED_MESSAGE, now
            )
        await uow.commit()
