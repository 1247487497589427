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
from src.auth import service, step_up
from src.auth.commands import ConfirmTotp, Login, SetTransactionPassword, StepUp
from src.auth.factors import StepUpMethod
from src.auth.policy import STEP_UP_MAX_AGE
from src.auth.principal import Principal
from src.auth.rules import IdentityRules
from src.auth.sessions import Client
from src.domain.shared.errors import DomainError
from tests.conftest import AnyUnitOfWork, FixedClock
from tests.integration.auth.conftest import PASSWORD, MakeAccount

HOME = Client("198.51.100.7", "pytest")
TOTP, SMS = StepUpMethod.TOTP, StepUpMethod.SMS
TRANSACTION_PASSWORD = StepUpMethod.TRANSACTION_PASSWORD
Units = Callable[[], AnyUnitOfWork]


async def signed_in(
    rules: IdentityRules, unit_of_work: Units, make_account: MakeAccount, phone: str | None = None
) -> Principal:
    await make_account(phone=phone)
    tokens = await service.login(Login("wangfang", PASSWORD), unit_of_work(), rules, HOME)
    return rules.tokens.verify(tokens.access_token, rules.clock.now())


async def sms_code(db: AsyncEngine) -> str:
    """The code in the one SMS the outbox holds."""
    async with db.connect() as connection:
        body = (await connection.execute(select(outbox_messages.c.body))).scalar_one()
    found = re.search(r"\d{6}", body)
    assert found is not None, body
    return found.group()


async def code_of(secret: str, clock: FixedClock, steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(clock.now() + timedelta(seconds=30 * steps))


async def test_sec_04_totp_enrol_confirm_and_step_up(
    rules: IdentityRules, unit_of_work: Units, make_account: MakeAccount, clock: FixedClock
) -> None:
    principal = await signed_in(rules, unit_of_work, make_account)
    enrolment = await step_up.enrol_totp(unit_of_work(), clock, principal)
    assert enrolment.provisioning_uri.startswith("otpauth://totp/Flexfin:wangfang?secret=")
    code = await code_of(enrolment.secret, clock)
    await step_up.confirm_totp(ConfirmTotp(code), unit_of_work(), clock, principal)
    clock.advance(seconds=30)
    code = await code_of(enrolment.secret, clock, 1)
    stepped = await step_up.step_up(StepUp(TOTP, code), unit_of_work(), rules, principal)
    elevated = rules.tokens.verify(stepped.access_token, clock.now())
    assert elevated.stepped_up_within(STEP_UP_MAX_AGE, clock.now())
    assert elevated.amr == ("pwd", "totp")
    with pytest.raises(DomainError) as reused:  # the same code again: one-time use
        await step_up.step_up(StepUp(TOTP, code), unit_of_work(), rules, principal)
    assert reused.value.code == "INVALID_SECOND_FACTOR"
    code = await code_of(enrolment.secret, clock, 3)
    with pytest.raises(DomainError):  # two steps away: outside the drift window
        await step_up.step_up(StepUp(TOTP, code), unit_of_work(), rules, principal)


async def test_sec_04_one_totp_code_used_concurrently_steps_up_once(
    rules: IdentityRules, unit_of_work: Units, make_account: MakeAccount, clock: FixedClock
) -> None:
    principal = await signed_in(rules, unit_of_work, make_account)
    enrolment = await step_up.enrol_totp(unit_of_work(), clock, principal)
    code = await code_of(enrolment.secret, clock, -1)
    await step_up.confirm_totp(ConfirmTotp(code), unit_of_work(), clock, principal)
    command = StepUp(TOTP, await code_of(enrolment.secret, clock))
    results = await asyncio.gather(
        *(step_up.step_up(command, unit_of_work(), rules, principal) for _ in range(5)),
        return_exceptions=True,
    )
    assert sum(not isinstance(r, BaseException) for r in results) == 1


async def test_sec_04_sms_code_through_the_outbox(
    rules: IdentityRules,
    unit_of_work: Units,
    make_account: MakeAccount,
    db: AsyncEngine,
) -> None:
    principal = await signed_in(rules, unit_of_work, make_account, phone="13812345678")
    await step_up.send_step_up_code(unit_of_work(), rules.clock, principal)
    code = await sms_code(db)
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(DomainError):
        await step_up.step_up(StepUp(SMS, wrong), unit_of_work(), rules, principal)
    stepped = await step_up.step_up(StepUp(SMS, code), unit_of_work(), rules, principal)
    assert stepped.method == SMS
    with pytest.raises(DomainError):
        await step_up.step_up(StepUp(SMS, code), unit_of_work(), rules, principal)


async def test_sec_04_transaction_password(
    rules: IdentityRules, unit_of_work: Units, make_account: MakeAccount
) -> None:
    principal = await signed_in(rules, unit_of_work, make_account)

    async def set_to(password: str) -> None:
        command = SetTransactionPassword(PASSWORD, password)
        await step_up.set_transaction_password(command, unit_of_work(), rules, principal)

    with pytest.raises(DomainError) as same:
        await set_to(PASSWORD)
    assert same.value.code == "INVALID_SECOND_FACTOR"
    with pytest.raises(DomainError) as weak:
        await set_to("123456")
    assert weak.value.code == "WEAK_PASSWORD"
    await set_to("Pay#Lantern-88")
    command = StepUp(TRANSACTION_PASSWORD, "Pay#Lantern-88")
    assert (await step_up.step_up(command, unit_of_work(), rules, principal)).method == (
        TRANSACTION_PASSWORD
    )


async def test_a_method_not_set_up_is_refused(
    rules: IdentityRules, unit_of_work: Units, make_account: MakeAccount
) -> None:
    principal = await signed_in(rules, unit_of_work, make_account)
    with pytest.raises(DomainError) as caught:
        await step_up.step_up(StepUp(TOTP, "123456"), unit_of_work(), rules, principal)
    assert caught.value.code == "SECOND_FACTOR_NOT_ENROLLED"


async def test_guessing_step_up_codes_locks_step_up(
    rules: IdentityRules, unit_of_work: Units, make_account: MakeAccount
) -> None:
    principal = await signed_in(rules, unit_of_work, make_account)
    await step_up.set_transaction_password(
        SetTransactionPassword(PASSWORD, "Pay#Lantern-88"), unit_of_work(), rules, principal
    )
    guess = StepUp(TRANSACTION_PASSWORD, "Wrong#Guess-1")
    for _ in range(5):
        with pytest.raises(DomainError):
            await step_up.step_up(guess, unit_of_work(), rules, principal)
    right = StepUp(TRANSACTION_PASSWORD, "Pay#Lantern-88")
    with pytest.raises(DomainError) as locked:
        await step_up.step_up(right, unit_of_work(), rules, principal)
    assert locked.value.code == "STEP_UP_LOCKED"


async def test_sec_04_a_password_alone_cannot_add_a_second_factor(
    rules: IdentityRules, unit_of_work: Units, make_account: MakeAccount, db: AsyncEngine
) -> None:
    """With a phone on file, enrolling TOTP or setting a transaction password first needs
    the existing factor (an SMS code): a stolen password cannot enrol the thief's own app."""
    principal = await signed_in(rules, unit_of_work, make_account, phone="13812345678")
    with pytest.raises(DomainError) as enrol:
        await step_up.enrol_totp(unit_of_work(), rules.clock, principal)
    assert enrol.value.code == "STEP_UP_REQUIRED"
    with pytest.raises(DomainError) as replace:
        await step_up.set_transaction_password(
            SetTransactionPassword(PASSWORD, "Pay#Lantern-88"), unit_of_work(), rules, principal
        )
    assert replace.value.code == "STEP_UP_REQUIRED"
    await step_up.send_step_up_code(unit_of_work(), rules.clock, principal)
    code = await sms_code(db)
    stepped = await step_up.step_up(StepUp(SMS, code), unit_of_work(), rules, principal)
    elevated = rules.tokens.verify(stepped.access_token, rules.clock.now())
    assert (await step_up.enrol_totp(unit_of_work(), rules.clock, elevated)).secret
