"""Enrolling second factors and stepping up (SEC-04): a sensitive operation needs a factor
proven within the last few minutes; ``step_up`` proves one and returns an elevated token.
Failed proofs count against a guard of their own, so codes cannot be guessed.

Handlers of the one shape (``service.py``, ADR 0018): the command, a fresh unit of work, the
``IdentityRules`` or a clock, and the principal asking."""

from dataclasses import dataclass

from ..domain.shared.clock import Clock
from ..domain.shared.errors import DomainError
from . import commands
from .accounts import Account
from .factors import (
    InvalidSecondFactor,
    OneTimeCode,
    SecondFactorNotEnrolled,
    StepUpMethod,
    new_totp_secret,
    provisioning_uri,
    totp_step,
)
from .passwords import check_strength
from .policy import STEP_UP_MAX_AGE
from .ports import IdentityUnitOfWork
from .principal import Principal
from .rules import IdentityRules
from .service import principal_of
from .tokens import Unauthenticated

STEP_UP = "step_up"
SMS_TEMPLATE = "step_up_code"


class ExistingFactorRequired(DomainError):
    """Adding or replacing a second factor needs one of the existing ones proven first, so a
    stolen password alone cannot enrol the thief's own authenticator (SEC-04)."""

    code = "STEP_UP_REQUIRED"
    default_message = "prove one of your existing second factors (stepUp) first"


class StepUpLocked(DomainError):
    code = "STEP_UP_LOCKED"
    default_message = "too many wrong codes; try again later"


@dataclass(frozen=True, slots=True)
class TotpEnrolment:
    secret: str
    provisioning_uri: str


@dataclass(frozen=True, slots=True)
class SteppedUp:
    access_token: str
    expires_in: int
    method: StepUpMethod


async def _account(uow: IdentityUnitOfWork, principal: Principal) -> Account:
    account = None
    if principal.account_id is not None:
        account = await uow.accounts.get(principal.account_id, for_update=True)
    if account is None:
        raise Unauthenticated()
    return account


async def _changing_factors(uow: IdentityUnitOfWork, clock: Clock, principal: Principal) -> Account:
    """The account, if the caller may add or replace a factor: freely while it has none,
    else only with one proven within the step-up window."""
    account = await _account(uow, principal)
    if account.second_factors and not principal.stepped_up_within(STEP_UP_MAX_AGE, clock.now()):
        raise ExistingFactorRequired()
    return account


async def enrol_totp(uow: IdentityUnitOfWork, clock: Clock, principal: Principal) -> TotpEnrolment:
    """Start TOTP enrolment; it takes effect when ``confirm_totp`` sees a code from it."""
    async with uow:
        account = await _changing_factors(uow, clock, principal)
        account.totp_pending_secret = new_totp_secret()
        await uow.accounts.save(account)
        await uow.commit()
    return TotpEnrolment(
        account.totp_pending_secret,
        provisioning_uri(account.totp_pending_secret, account.login),
    )


async def confirm_totp(
    command: commands.ConfirmTotp, uow: IdentityUnitOfWork, clock: Clock, principal: Principal
) -> Account:
    async with uow:
        account = await _changing_factors(uow, clock, principal)
        if account.totp_pending_secret is None:
            raise SecondFactorNotEnrolled("start with enrolTotp", field="code")
        step = totp_step(account.totp_pending_secret, command.code, clock.now(), after=None)
        if step is None:
            raise InvalidSecondFactor()
        account.totp_secret, account.totp_pending_secret = account.totp_pending_secret, None
        account.totp_last_step = step
        await uow.accounts.save(account)
        await uow.commit()
    return account


async def send_step_up_code(
    uow: IdentityUnitOfWork, clock: Clock, principal: Principal
) -> OneTimeCode:
    now = clock.now()
    async with uow:
        account = await _account(uow, principal)
        if account.phone is None:
            raise SecondFactorNotEnrolled("the account has no phone number")
        one_time, code = OneTimeCode.issue(account.id, STEP_UP, now)
        await uow.one_time_codes.add(one_time)
        await uow.notifier.notify(
            "sms", account.phone, SMS_TEMPLATE, f"Flexfin verification code: {code}", now
        )
        await uow.commit()
    return one_time


async def set_transaction_password(
    command: commands.SetTransactionPassword,
    uow: IdentityUnitOfWork,
    rules: IdentityRules,
    principal: Principal,
) -> Account:
    """SEC-04: a password for sensitive operations, separate from the login password."""
    passwords = rules.passwords
    async with uow:
        account = await _changing_factors(uow, rules.clock, principal)
        check_strength(
            command.transaction_password, login=account.login, field="transaction_password"
        )
        if not passwords.verify(account.password_hash, command.current_password).ok:
            raise InvalidSecondFactor("the current password is wrong", field="current_password")
        if passwords.verify(account.password_hash, command.transaction_password).ok:
            raise InvalidSecondFactor(
                "the transaction password must differ from the login password",
                field="transaction_password",
            )
        account.transaction_password_hash = passwords.hash(command.transaction_password)
        await uow.accounts.save(account)
        await uow.commit()
    return account


async def step_up(
    command: commands.StepUp, uow: IdentityUnitOfWork, rules: IdentityRules, principal: Principal
) -> SteppedUp:
    now = rules.clock.now()
    proven: SteppedUp | None = None
    async with uow:
        account = await _account(uow, principal)
        guard = await uow.guards.lock(f"step_up:{account.id}")
        if guard.is_locked(now):
            raise StepUpLocked()
        if await _proves(uow, rules, account, command):
            guard.record_success()
            session = None
            if principal.session_id is not None:
                session = await uow.sessions.get(principal.session_id, for_update=True)
            if session is None or not session.is_active(now):
                raise Unauthenticated()
            session.step_up(command.method.value, now)
            await uow.sessions.save(session)
            token = rules.tokens.issue(principal_of(account, session), now)
            proven = SteppedUp(token, int(rules.tokens.ttl.total_seconds()), command.method)
        else:
            guard.record_failure(rules.account_lockout, now)
            uow.ending(InvalidSecondFactor.code)
        await uow.guards.save(guard)
        await uow.commit()
    if proven is None:
        raise InvalidSecondFactor()
    return proven


async def _proves(
    uow: IdentityUnitOfWork, rules: IdentityRules, account: Account, command: commands.StepUp
) -> bool:
    now = rules.clock.now()
    if command.method.value not in account.second_factors:
        raise SecondFactorNotEnrolled()
    if command.method is StepUpMethod.TOTP:
        assert account.totp_secret is not None
        step = totp_step(account.totp_secret, command.code, now, after=account.totp_last_step)
        if step is None:
            return False
        account.totp_last_step = step
        await uow.accounts.save(account)
        return True
    if command.method is StepUpMethod.SMS:
        one_time = await uow.one_time_codes.latest(account.id, STEP_UP)
        if one_time is None:
            return False
        redeemed = one_time.redeem(command.code, now)
        await uow.one_time_codes.save(one_time)
        return redeemed
    return rules.passwords.verify(account.transaction_password_hash, command.code).ok
