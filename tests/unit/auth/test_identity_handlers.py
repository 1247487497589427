"""Identity, step-up and role-grant handlers on the in-memory fakes (SEC-02…SEC-04, SEC-08,
SEC-09): no database. tests/integration/auth has the same rules under concurrency on
PostgreSQL."""

from datetime import timedelta

import pyotp
import pytest

from src.auth import grants, service, step_up
from src.auth.accounts import Account
from src.auth.commands import (
    ConfirmTotp,
    DecideRoleGrant,
    Login,
    OpenAccount,
    RefreshSession,
    RequestRoleGrant,
    StepUp,
)
from src.auth.factors import StepUpMethod
from src.auth.grants import GrantStatus
from src.auth.principal import Principal
from src.auth.roles import Role
from src.auth.rules import IdentityRules
from src.auth.sessions import Client
from src.domain.shared.errors import DomainError
from src.domain.shared.ids import new_id
from src.domain.shared.pagination import PageRequest
from tests.conftest import CHALLENGE_ANSWER, FixedClock
from tests.unit.identity_fakes import FakeIdentityDatabase, Notification

PASSWORD = "Tr4vel-Kite-Moon"
HOME = Client("198.51.100.7", "pytest")


@pytest.fixture
def database() -> FakeIdentityDatabase:
    return FakeIdentityDatabase()


async def open_account(
    database: FakeIdentityDatabase, rules: IdentityRules, phone: str | None = "13812345678"
) -> Account:
    """wangfang, an operator (with ``phone``, SMS is her second factor)."""
    command = OpenAccount("wangfang", "王芳", PASSWORD, frozenset({Role.OPERATOR}), phone=phone)
    return await service.open_account(command, database.unit_of_work(), rules)


async def signed_in(database: FakeIdentityDatabase, rules: IdentityRules) -> Principal:
    signed = await service.login(Login("wangfang", PASSWORD), database.unit_of_work(), rules, HOME)
    return rules.tokens.verify(signed.access_token, rules.clock.now())


async def attempt(
    database: FakeIdentityDatabase, rules: IdentityRules, password: str, *, solve: bool = False
) -> str:
    """Sign in with ``password`` (after solving a challenge): how the attempt ended, as the
    unit of work that committed it says."""
    answer: tuple[str, str] | tuple[None, None] = (None, None)
    if solve:
        challenge = await service.issue_challenge(database.unit_of_work(), rules)
        answer = (str(challenge.id), CHALLENGE_ANSWER)
    uow = database.unit_of_work()
    code = "ok"
    try:
        await service.login(Login("wangfang", password, *answer), uow, rules, HOME)
    except DomainError as error:
        code = error.code
    assert uow.committed
    assert uow.ended_with == (None if code == "ok" else code)
    return code


async def test_sec_09_a_good_password_signs_in_and_the_attempt_is_logged(
    database: FakeIdentityDatabase, rules: IdentityRules
) -> None:
    account = await open_account(database, rules)
    principal = await signed_in(database, rules)
    assert (principal.account_id, principal.amr) == (account.id, ("pwd",))
    assert [event.result for event in database.tables.login_log] == ["ok"]
    assert list(database.tables.sessions) == [principal.session_id]


async def test_sec_02_an_unknown_login_and_a_wrong_password_fail_alike_and_are_counted(
    database: FakeIdentityDatabase, rules: IdentityRules
) -> None:
    await open_account(database, rules)
    assert await attempt(database, rules, "Wrong-Pass-123") == "INVALID_CREDENTIALS"
    with pytest.raises(DomainError) as unknown:
        await service.login(Login("nobody", PASSWORD), database.unit_of_work(), rules, HOME)
    assert unknown.value.code == "INVALID_CREDENTIALS"
    assert database.tables.guards["login:wangfang"].failures == 1
    assert database.tables.guards[f"ip:{HOME.ip}"].failures == 2
    assert [e.result for e in database.tables.login_log] == ["failed", "failed"]


async def test_sec_03_the_lock_engages_at_exactly_the_nth_failure(
    database: FakeIdentityDatabase, rules: IdentityRules, clock: FixedClock
) -> None:
    await open_account(database, rules)
    results = [await attempt(database, rules, "Wrong-Pass-123", solve=True) for _ in range(5)]
    assert results == ["INVALID_CREDENTIALS"] * 5
    assert [e.result for e in database.tables.login_log] == ["failed"] * 4 + ["locked"]
    assert database.tables.outbox == [
        Notification("sms", "13812345678", "account_locked", service.LOCKED_MESSAGE, clock.now())
    ]
    assert await attempt(database, rules, PASSWORD, solve=True) == "INVALID_CREDENTIALS"
    clock.advance(minutes=16)
    assert await attempt(database, rules, PASSWORD, solve=True) == "ok"


async def test_sec_02_the_third_attempt_needs_a_solved_challenge(
    database: FakeIdentityDatabase, rules: IdentityRules
) -> None:
    await open_account(database, rules)
    for _ in range(2):
        await attempt(database, rules, "Wrong-Pass-123")
    assert await attempt(database, rules, PASSWORD) == "CHALLENGE_REQUIRED"
    assert await attempt(database, rules, PASSWORD, solve=True) == "ok"


async def test_sec_09_a_refresh_token_rotates_and_its_reuse_ends_the_session(
    database: FakeIdentityDatabase, rules: IdentityRules
) -> None:
    await open_account(database, rules)
    first = await service.login(Login("wangfang", PASSWORD), database.unit_of_work(), rules, HOME)
    second = await service.refresh_session(
        RefreshSession(first.refresh_token), database.unit_of_work(), rules
    )
    assert second.refresh_token != first.refresh_token
    with pytest.raises(DomainError) as reused:
        await service.refresh_session(
            RefreshSession(first.refresh_token), database.unit_of_work(), rules
        )
    assert reused.value.code == "REFRESH_TOKEN_REUSED"
    assert not await service.is_session_active(
        first.session.id, database.unit_of_work(), rules.clock
    )


async def test_sec_04_step_up_with_a_totp_code_once(
    database: FakeIdentityDatabase, rules: IdentityRules, clock: FixedClock
) -> None:
    await open_account(database, rules, phone=None)  # no factor yet: enrolling needs none
    principal = await signed_in(database, rules)
    enrolment = await step_up.enrol_totp(database.unit_of_work(), clock, principal)
    totp = pyotp.TOTP(enrolment.secret)
    confirm = ConfirmTotp(totp.at(clock.now() - timedelta(seconds=30)))
    await step_up.confirm_totp(confirm, database.unit_of_work(), clock, principal)
    command = StepUp(StepUpMethod.TOTP, totp.at(clock.now()))
    stepped = await step_up.step_up(command, database.unit_of_work(), rules, principal)
    elevated = rules.tokens.verify(stepped.access_token, clock.now())
    assert (elevated.amr, elevated.stepped_up_at) == (("pwd", "totp"), clock.now())
    uow = database.unit_of_work()
    with pytest.raises(DomainError) as again:
        await step_up.step_up(command, uow, rules, principal)
    assert again.value.code == uow.ended_with == "INVALID_SECOND_FACTOR"
    assert database.tables.guards[f"step_up:{principal.account_id}"].failures == 1


async def test_sec_08_a_grant_is_decided_by_another_secadmin(
    database: FakeIdentityDatabase, rules: IdentityRules, clock: FixedClock
) -> None:
    target = await open_account(database, rules)
    maker, checker = (Principal(new_id(), frozenset({Role.SECADMIN})) for _ in range(2))
    request = RequestRoleGrant("WangFang", Role.AUDITOR)
    grant = await grants.request_role_grant(request, database.unit_of_work(), clock, maker)
    approve = DecideRoleGrant(approve=True)
    with pytest.raises(DomainError) as own:
        await grants.decide_role_grant(grant.id, approve, database.unit_of_work(), clock, maker)
    assert own.value.code == "MAKER_CHECKER_VIOLATION"
    assert database.tables.accounts[target.id].roles == {Role.OPERATOR}
    decided = await grants.decide_role_grant(
        grant.id, approve, database.unit_of_work(), clock, checker
    )
    assert (decided.status, decided.decided_by) == (GrantStatus.APPROVED, checker.account_id)
    assert database.tables.accounts[target.id].roles == {Role.OPERATOR, Role.AUDITOR}
    pending = await grants.pending_role_grants(PageRequest(), database.unit_of_work())
    assert pending.items == []
