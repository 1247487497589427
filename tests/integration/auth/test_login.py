"""Signing in (SEC-01…SEC-03, SEC-05, SEC-09) on real PostgreSQL: no oracles, a challenge
after the 2nd failure, a lock at exactly the N-th, growing lock periods, IP throttling,
notifications, rotating refresh tokens with reuse detection, logout."""

import asyncio
from collections import Counter
from collections.abc import Callable
from dataclasses import replace

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from src.adapters.postgres.tables import login_events, outbox_messages
from src.auth import service
from src.auth.commands import Login, RefreshSession, UnlockAccount
from src.auth.lockout import LockoutPolicy
from src.auth.passwords import Passwords, Verification
from src.auth.rules import IdentityRules
from src.auth.sessions import Client
from src.domain.shared.errors import DomainError
from src.domain.shared.pagination import PageRequest
from tests.conftest import AnyUnitOfWork, FixedClock
from tests.integration.auth.conftest import ANSWER, PASSWORD, MakeAccount

HOME = Client("198.51.100.7", "pytest")
Units = Callable[[], AnyUnitOfWork]
Answer = tuple[str, str]
"""A challenge's id and its answer."""


def signing_in(
    password: str = PASSWORD, answer: Answer | None = None, login: str = "wangfang"
) -> Login:
    return Login(login, password, *(answer or (None, None)))


async def fail(
    rules: IdentityRules,
    unit_of_work: Units,
    login: str = "wangfang",
    client: Client = HOME,
    answer: Answer | None = None,
) -> str:
    with pytest.raises(DomainError) as caught:
        await service.login(
            signing_in("Wrong-Pass-123", answer, login), unit_of_work(), rules, client
        )
    return caught.value.code


async def solved(rules: IdentityRules, unit_of_work: Units) -> Answer:
    return str((await service.issue_challenge(unit_of_work(), rules)).id), ANSWER.lower()


async def test_sec_09_a_good_password_signs_in_and_logs_it(
    rules: IdentityRules, unit_of_work: Units, make_account: MakeAccount
) -> None:
    account = await make_account()
    signed_in = await service.login(signing_in(login="  WangFang "), unit_of_work(), rules, HOME)
    principal = rules.tokens.verify(signed_in.access_token, rules.clock.now())
    assert principal.account_id == account.id
    assert principal.amr == ("pwd",)
    log = await service.my_login_log(
        PageRequest(),
        unit_of_work(),
        principal,
    )
    assert [(e.result, e.ip) for e in log.items] == [("ok", HOME.ip)]


async def test_sec_02_unknown_wrong_and_locked_give_the_same_answer(
    rules: IdentityRules, unit_of_work: Units, make_account: MakeAccount
) -> None:
    await make_account()
    assert await fail(rules, unit_of_work, "nobody") == "INVALID_CREDENTIALS"
    assert await fail(rules, unit_of_work) == "INVALID_CREDENTIALS"


async def test_sec_02_after_two_failures_the_next_attempt_needs_a_solved_challenge(
    rules: IdentityRules, unit_of_work: Units, make_account: MakeAccount
) -> None:
    await make_account()
    for _ in range(2):
        assert await fail(rules, unit_of_work) == "INVALID_CREDENTIALS"
    assert await fail(rules, unit_of_work) == "CHALLENGE_REQUIRED"
    challenge = await service.issue_challenge(unit_of_work(), rules)
    with pytest.raises(DomainError) as wrong_answer:
        await service.login(
            signing_in(answer=(str(challenge.id), "WRONG")), unit_of_work(), rules, HOME
        )
    assert wrong_answer.value.code == "CHALLENGE_REQUIRED"
    answer = await solved(rules, unit_of_work)
    await service.login(signing_in(answer=answer), unit_of_work(), rules, HOME)
    with pytest.raises(DomainError) as reused:
        await service.login(signing_in("Wrong-Pass-123", answer), unit_of_work(), rules, HOME)
    assert reused.value.code == "INVALID_CREDENTIALS"  # counter was reset by the success


async def test_sec_02_unknown_logins_also_demand_the_challenge(
    rules: IdentityRules, unit_of_work: Units
) -> None:
    """Otherwise the challenge itself would tell which logins exist."""
    for _ in range(2):
        await fail(rules, unit_of_work, "ghost")
    assert await fail(rules, unit_of_work, "ghost") == "CHALLENGE_REQUIRED"


async def test_sec_03_fifth_failure_locks_and_even_the_right_password_is_refused(
    rules: IdentityRules, unit_of_work: Units, make_account: MakeAccount, clock: FixedClock
) -> None:
    await make_account(phone="13812345678")
    for _ in range(5):
        await fail(rules, unit_of_work, answer=await solved(rules, unit_of_work))
    with pytest.raises(DomainError) as locked:
        await service.login(
            signing_in(answer=await solved(rules, unit_of_work)), unit_of_work(), rules, HOME
        )
    assert locked.value.code == "INVALID_CREDENTIALS"
    clock.advance(minutes=16)
    await service.login(
        signing_in(answer=await solved(rules, unit_of_work)), unit_of_work(), rules, HOME
    )


async def test_sec_03_lock_periods_grow_on_repeat(
    rules: IdentityRules, unit_of_work: Units, make_account: MakeAccount, clock: FixedClock
) -> None:
    await make_account()
    for _ in range(5):
        await fail(rules, unit_of_work, answer=await solved(rules, unit_of_work))
    clock.advance(minutes=16)
    for _ in range(5):
        await fail(rules, unit_of_work, answer=await solved(rules, unit_of_work))
    clock.advance(minutes=16)  # the second lock lasts 30 minutes
    with pytest.raises(DomainError):
        await service.login(
            signing_in(answer=await solved(rules, unit_of_work)), unit_of_work(), rules, HOME
        )
    clock.advance(minutes=15)
    await service.login(
        signing_in(answer=await solved(rules, unit_of_work)), unit_of_work(), rules, HOME
    )


async def test_sec_03_concurrent_wrong_passwords_lock_at_exactly_n(
    rules: IdentityRules,
    make_account: MakeAccount,
    unit_of_work: Units,
    db: AsyncEngine,
) -> None:
    await make_account(phone="13812345678")
    answers = [await solved(rules, unit_of_work) for _ in range(12)]
    codes = await asyncio.gather(
        *(
            fail(rules, unit_of_work, client=Client(f"203.0.113.{i}", "bot"), answer=a)
            for i, a in enumerate(answers)
        )
    )
    assert set(codes) == {"INVALID_CREDENTIALS"}
    async with unit_of_work() as uow:
        guard = await uow.guards.lock("login:wangfang")
        account = await uow.accounts.by_login("wangfang")
        assert account is not None
        log = await uow.login_log.page(account.id, PageRequest(first=50))
    results = [e.result for e in reversed(log.items)]
    assert results[:4] == ["failed"] * 4
    assert results[4] == "locked"
    assert results[5:] == ["locked"] * 7
    assert guard.lockouts == 1
    async with db.connect() as connection:
        sent = (await connection.execute(select(outbox_messages.c.template))).scalars().all()
    assert sent == ["account_locked"]  # SEC-05: told once


async def test_a_source_ip_with_too_many_failures_is_throttled(
    rules: IdentityRules, unit_of_work: Units, make_account: MakeAccount
) -> None:
    await make_account()
    logins = [f"user{i}" for i in range(30)]
    for name in logins:
        await fail(rules, unit_of_work, name)
    assert await fail(rules, unit_of_work, "someone-else") == "LOGIN_THROTTLED"
    other = Client("192.0.2.1", "pytest")
    await service.login(signing_in(), unit_of_work(), rules, other)


def limited(rules: IdentityRules, max_failures: int) -> IdentityRules:
    """``rules`` with an IP limit of ``max_failures``."""
    return replace(rules, ip_lockout=LockoutPolicy(max_failures=max_failures, challenge_after=None))


async def burst(rules: IdentityRules, unit_of_work: Units, size: int) -> list[str]:
    """``size`` concurrent wrong passwords from ``HOME``, each for its own login (so no
    login is locked): their answers."""
    return await asyncio.gather(*(fail(rules, unit_of_work, f"user{i}") for i in range(size)))


@pytest.mark.parametrize("max_failures", [10, 30])
async def test_a_burst_from_one_address_is_throttled_at_exactly_the_nth_failure(
    rules: IdentityRules,
    unit_of_work: Units,
    db: AsyncEngine,
    max_failures: int,
) -> None:
    codes = await burst(limited(rules, max_failures), unit_of_work, 100)
    assert Counter(codes) == {
        "INVALID_CREDENTIALS": max_failures,
        "LOGIN_THROTTLED": 100 - max_failures,
    }
    async with unit_of_work() as uow:
        guard = await uow.guards.lock(f"ip:{HOME.ip}")
    assert (guard.lockouts, guard.failures) == (1, 0)  # locked once, nothing counted since
    async with db.connect() as connection:
        results = (await connection.execute(select(login_events.c.result))).scalars().all()
    assert Counter(results) == {"failed": max_failures, "throttled": 100 - max_failures}


async def test_the_right_password_from_a_throttled_address_is_refused_until_it_ends(
    rules: IdentityRules, unit_of_work: Units, make_account: MakeAccount, clock: FixedClock
) -> None:
    await make_account()
    rules = limited(rules, 10)
    await burst(rules, unit_of_work, 20)
    with pytest.raises(DomainError) as throttled:
        await service.login(signing_in(), unit_of_work(), rules, HOME)
    assert throttled.value.code == "LOGIN_THROTTLED"
    clock.advance(minutes=16)
    await service.login(signing_in(), unit_of_work(), rules, HOME)


async def test_a_sign_in_does_not_wait_for_its_address_guard_row(
    rules: IdentityRules, make_account: MakeAccount, unit_of_work: Units
) -> None:
    """Only counting a failure locks the address's guard: one address's sign-ins do not
    queue behind each other's password checks."""
    await make_account()
    async with unit_of_work() as uow:
        await uow.guards.lock(f"ip:{HOME.ip}")  # as a failure being counted does
        await asyncio.wait_for(service.login(signing_in(), unit_of_work(), rules, HOME), timeout=5)


async def test_sec_09_refresh_rotates_and_reuse_revokes_the_family(
    rules: IdentityRules, unit_of_work: Units, make_account: MakeAccount
) -> None:
    await make_account()

    async def refresh(token: str) -> service.SignedIn:
        return await service.refresh_session(RefreshSession(token), unit_of_work(), rules)

    first = await service.login(signing_in(), unit_of_work(), rules, HOME)
    second = await refresh(first.refresh_token)
    assert second.refresh_token != first.refresh_token
    third = await refresh(second.refresh_token)
    with pytest.raises(DomainError) as replay:
        await refresh(first.refresh_token)
    assert replay.value.code == "REFRESH_TOKEN_REUSED"
    with pytest.raises(DomainError) as family:
        await refresh(third.refresh_token)
    assert family.value.code == "UNAUTHENTICATED"
    assert not await service.is_session_active(first.session.id, unit_of_work(), rules.clock)


async def test_concurrent_refreshes_of_one_token_leave_no_usable_session(
    rules: IdentityRules, unit_of_work: Units, make_account: MakeAccount
) -> None:
    await make_account()
    signed_in = await service.login(signing_in(), unit_of_work(), rules, HOME)
    refresh = RefreshSession(signed_in.refresh_token)
    results = await asyncio.gather(
        *(service.refresh_session(refresh, unit_of_work(), rules) for _ in range(4)),
        return_exceptions=True,
    )
    assert sum(not isinstance(r, BaseException) for r in results) == 1
    assert {getattr(r, "code", None) for r in results if isinstance(r, BaseException)} == {
        "REFRESH_TOKEN_REUSED"
    }
    assert not await service.is_session_active(signed_in.session.id, unit_of_work(), rules.clock)


async def test_sec_09_logout_ends_the_session(
    rules: IdentityRules, unit_of_work: Units, make_account: MakeAccount
) -> None:
    await make_account()
    signed_in = await service.login(signing_in(), unit_of_work(), rules, HOME)
    principal = rules.tokens.verify(signed_in.access_token, rules.clock.now())
    await service.logout(unit_of_work(), rules.clock, principal)
    assert not await service.is_session_active(signed_in.session.id, unit_of_work(), rules.clock)
    with pytest.raises(DomainError):
        await service.refresh_session(
            RefreshSession(signed_in.refresh_token), unit_of_work(), rules
        )


async def test_sec_05_unlock_by_secadmin_lifts_the_lock_and_tells_the_user(
    rules: IdentityRules, unit_of_work: Units, make_account: MakeAccount
) -> None:
    await make_account(phone="13812345678")
    for _ in range(5):
        await fail(rules, unit_of_work, answer=await solved(rules, unit_of_work))
    await service.unlock_account(UnlockAccount("wangfang"), unit_of_work(), rules.clock)
    await service.login(signing_in(), unit_of_work(), rules, HOME)


class CountingPasswords(Passwords):
    """Counts the argon2 verifications a sign-in costs."""

    def __init__(self) -> None:
        super().__init__()
        self.verifications = 0

    def verify(self, hashed: str | None, password: str) -> Verification:
        self.verifications += 1
        return super().verify(hashed, password)


async def test_sec_02_unknown_wrong_and_locked_cost_the_same_hash_work(
    rules: IdentityRules, unit_of_work: Units, make_account: MakeAccount
) -> None:
    """No timing oracle: every answer comes after exactly one argon2id verification (against
    a dummy hash when there is no such account), so the three take comparable time."""
    await make_account()
    counting = CountingPasswords()
    rules = replace(rules, passwords=counting)
    work = {}
    for case, login in (("unknown", "nobody"), ("wrong", "wangfang")):
        before = counting.verifications
        assert await fail(rules, unit_of_work, login) == "INVALID_CREDENTIALS"
        work[case] = counting.verifications - before
    for _ in range(4):
        # five failures in all: locked
        await fail(rules, unit_of_work, answer=await solved(rules, unit_of_work))
    before = counting.verifications
    with pytest.raises(DomainError) as locked:
        await service.login(
            signing_in(answer=await solved(rules, unit_of_work)), unit_of_work(), rules, HOME
        )
    work["locked"] = counting.verifications - before
    assert locked.value.code == "INVALID_CREDENTIALS"
    assert work == {"unknown": 1, "wrong": 1, "locked": 1}
