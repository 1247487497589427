"""Second factors and step-up (SEC-04) on real PostgreSQL: TOTP with ±1 step of drift and
one-time use, SMS codes through the outbox, the transaction password, and a guard on guesses."""

import asyncio
import re
from collections.abc import Callable
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from src.adapters.postgres.tables import outbox_messages
from src.auth.lockout import LockoutPolicy
from src.auth.policy import STEP_UP_MAX_AGE
from src.auth.principal import Principal
from src.auth.service import Identity
from src.auth.sessions import Client
from src.auth.step_up import SecondFactors
from src.domain.shared.errors import DomainError
from tests.conftest import AnyUnitOfWork, FixedClock
from tests.integration.auth.conftest import PASSWORD, MakeAccount

HOME = Client("198.51.100.7", "pytest")


@pytest.fixture
def factors(
    identity: Identity, unit_of_work: Callable[[], AnyUnitOfWork], clock: FixedClock
) -> SecondFactors:
    return SecondFactors(unit_of_work, identity.passwords, identity.tokens, clock, LockoutPolicy())


async def signed_in(
    identity: Identity, make_account: MakeAccount, phone: str | None = None
) -> Principal:
    await make_account(phone=phone)
    tokens = await identity.login("wangfang", PASSWORD, None, HOME)
    return identity.tokens.verify(tokens.access_token, identity.clock.now())


async def sms_code(db: AsyncEngine) -> str:
    """The code in the one SMS the outbox holds."""
    async with db.connect() as connection:
        body = (await connection.execute(select(outbox_messages.c.body))).scalar_one()
    found = re.search(r"\d{6}", body)
    assert found is not None, body
    return found.group()


async def code_of(factors: SecondFactors, secret: str, clock: FixedClock, steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(clock.now() + timedelta(seconds=30 * steps))


async def test_sec_04_totp_enrol_confirm_and_step_up(
    identity: Identity, make_account: MakeAccount, factors: SecondFactors, clock: FixedClock
) -> None:
    principal = await signed_in(identity, make_account)
    enrolment = await factors.enrol_totp(principal)
    assert enrolment.provisioning_uri.startswith("otpauth://totp/Flexfin:wangfang?secret=")
    await factors.confirm_totp(principal, await code_of(factors, enrolment.secret, clock))
    clock.advance(seconds=30)
    stepped = await factors.step_up(
        principal, "totp", await code_of(factors, enrolment.secret, clock, 1)
    )
    elevated = identity.tokens.verify(stepped.access_token, clock.now())
    assert elevated.stepped_up_within(STEP_UP_MAX_AGE, clock.now())
    assert elevated.amr == ("pwd", "totp")
    with pytest.raises(DomainError) as reused:  # the same code again: one-time use
        await factors.step_up(principal, "totp", await code_of(factors, enrolment.secret, clock, 1))
    assert reused.value.code == "INVALID_SECOND_FACTOR"
    with pytest.raises(DomainError):  # two steps away: outside the drift window
        await factors.step_up(principal, "totp", await code_of(factors, enrolment.secret, clock, 3))


async def test_sec_04_one_totp_code_used_concurrently_steps_up_once(
    identity: Identity, make_account: MakeAccount, factors: SecondFactors, clock: FixedClock
) -> None:
    principal = await signed_in(identity, make_account)
    enrolment = await factors.enrol_totp(principal)
    await factors.confirm_totp(principal, await code_of(factors, enrolment.secret, clock, -1))
    code = await code_of(factors, enrolment.secret, clock)
    results = await asyncio.gather(
        *(factors.step_up(principal, "totp", code) for _ in range(5)),
        return_exceptions=True,
    )
    assert sum(not isinstance(r, BaseException) for r in results) == 1


async def test_sec_04_sms_code_through_the_outbox(
    identity: Identity,
    make_account: MakeAccount,
    factors: SecondFactors,
    db: AsyncEngine,
) -> None:
    principal = await signed_in(identity, make_account, phone="13812345678")
    await factors.send_sms_code(principal)
    code = await sms_code(db)
    with pytest.raises(DomainError):
        await factors.step_up(principal, "sms", "000000" if code != "000000" else "111111")
    stepped = await factors.step_up(principal, "sms", code)
    assert stepped.method == "sms"
    with pytest.raises(DomainError):
        await factors.step_up(principal, "sms", code)


async def test_sec_04_transaction_password(
    identity: Identity, make_account: MakeAccount, factors: SecondFactors
) -> None:
    principal = await signed_in(identity, make_account)
    with pytest.raises(DomainError) as same:
        await factors.set_transaction_password(principal, PASSWORD, PASSWORD)
    assert same.value.code == "INVALID_SECOND_FACTOR"
    with pytest.raises(DomainError) as weak:
        await factors.set_transaction_password(principal, PASSWORD, "123456")
    assert weak.value.code == "WEAK_PASSWORD"
    await factors.set_transaction_password(principal, PASSWORD, "Pay#Lantern-88")
    assert (await factors.step_up(principal, "transaction_password", "Pay#Lantern-88")).method == (
        "transaction_password"
    )


async def test_a_method_not_set_up_is_refused(
    identity: Identity, make_account: MakeAccount, factors: SecondFactors
) -> None:
    principal = await signed_in(identity, make_account)
    with pytest.raises(DomainError) as caught:
        await factors.step_up(principal, "totp", "123456")
    assert caught.value.code == "SECOND_FACTOR_NOT_ENROLLED"


async def test_guessing_step_up_codes_locks_step_up(
    identity: Identity, make_account: MakeAccount, factors: SecondFactors
) -> None:
    principal = await signed_in(identity, make_account)
    await factors.set_transaction_password(principal, PASSWORD, "Pay#Lantern-88")
    for _ in range(5):
        with pytest.raises(DomainError):
            await factors.step_up(principal, "transaction_password", "Wrong#Guess-1")
    with pytest.raises(DomainError) as locked:
        await factors.step_up(principal, "transaction_password", "Pay#Lantern-88")
    assert locked.value.code == "STEP_UP_LOCKED"


async def test_sec_04_a_password_alone_cannot_add_a_second_factor(
    identity: Identity, make_account: MakeAccount, factors: SecondFactors, db: AsyncEngine
) -> None:
    """With a phone on file, enrolling TOTP or setting a transaction password first needs
    the existing factor (an SMS code): a stolen password cannot enrol the thief's own app."""
    principal = await signed_in(identity, make_account, phone="13812345678")
    with pytest.raises(DomainError) as enrol:
        await factors.enrol_totp(principal)
    assert enrol.value.code == "STEP_UP_REQUIRED"
    with pytest.raises(DomainError) as replace:
        await factors.set_transaction_password(principal, PASSWORD, "Pay#Lantern-88")
    assert replace.value.code == "STEP_UP_REQUIRED"
    await factors.send_sms_code(principal)
    stepped = await factors.step_up(principal, "sms", await sms_code(db))
    elevated = identity.tokens.verify(stepped.access_token, identity.clock.now())
    assert (await factors.enrol_totp(elevated)).secret
