"""Signing in (SEC-01…SEC-03, SEC-05, SEC-09) on real PostgreSQL: no oracles, a challenge
after the 2nd failure, a lock at exactly the N-th, growing lock periods, IP throttling,
notifications, rotating refresh tokens with reuse detection, logout."""

import asyncio
from collections import Counter
from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from src.adapters.postgres.tables import login_events, outbox_messages
from src.auth.lockout import LockoutPolicy
from src.auth.passwords import Passwords, Verification
from src.auth.service import Answer, Identity
from src.auth.sessions import Client
from src.domain.shared.errors import DomainError
from src.domain.shared.pagination import PageRequest
from tests.conftest import AnyUnitOfWork, FixedClock
from tests.integration.auth.conftest import ANSWER, PASSWORD, MakeAccount

HOME = Client("198.51.100.7", "pytest")


async def fail(
    identity: Identity, login: str = "wangfang", client: Client = HOME, answer: Answer | None = None
) -> str:
    with pytest.raises(DomainError) as caught:
        await identity.login(login, "Wrong-Pass-123", answer, client)
    return caught.value.code


async def solved(identity: Identity) -> Answer:
    return Answer((await identity.issue_challenge()).id, ANSWER.lower())


async def test_sec_09_a_good_password_signs_in_and_logs_it(
    identity: Identity, make_account: MakeAccount
) -> None:
    account = await make_account()
    signed_in = await identity.login("  WangFang ", PASSWORD, None, HOME)
    principal = identity.tokens.verify(signed_in.access_token, identity.clock.now())
    assert principal.account_id == account.id
    assert principal.amr == ("pwd",)
    log = await identity.login_log(
        principal,
        PageRequest(),
    )
    assert [(e.result, e.ip) for e in log.items] == [("ok", HOME.ip)]


async def test_sec_02_unknown_wrong_and_locked_give_the_same_answer(
    identity: Identity, make_account: MakeAccount
) -> None:
    await make_account()
    assert await fail(identity, "nobody") == "INVALID_CREDENTIALS"
    assert await fail(identity) == "INVALID_CREDENTIALS"


async def test_sec_02_after_two_failures_the_next_attempt_needs_a_solved_challenge(
    identity: Identity, make_account: MakeAccount
) -> None:
    await make_account()
    for _ in range(2):
        assert await fail(identity) == "INVALID_CREDENTIALS"
    assert await fail(identity) == "CHALLENGE_REQUIRED"
    challenge = await identity.issue_challenge()
    with pytest.raises(DomainError) as wrong_answer:
        await identity.login("wangfang", PASSWORD, Answer(challenge.id, "WRONG"), HOME)
    assert wrong_answer.value.code == "CHALLENGE_REQUIRED"
    answer = await solved(identity)
    await identity.login("wangfang", PASSWORD, answer, HOME)
    with pytest.raises(DomainError) as reused:
        await identity.login("wangfang", "Wrong-Pass-123", answer, HOME)
    assert reused.value.code == "INVALID_CREDENTIALS"  # counter was reset by the success


async def test_sec_02_unknown_logins_also_demand_the_challenge(identity: Identity) -> None:
    """Otherwise the challenge itself would tell which logins exist."""
    for _ in range(2):
        await fail(identity, "ghost")
    assert await fail(identity, "ghost") == "CHALLENGE_REQUIRED"


async def test_sec_03_fifth_failure_locks_and_even_the_right_password_is_refused(
    identity: Identity, make_account: MakeAccount, clock: FixedClock
) -> None:
    await make_account(phone="13812345678")
    for _ in range(5):
        await fail(identity, answer=await solved(identity))
    with pytest.raises(DomainError) as locked:
        await identity.login("wangfang", PASSWORD, await solved(identity), HOME)
    assert locked.value.code == "INVALID_CREDENTIALS"
    clock.advance(minutes=16)
    await identity.login("wangfang", PASSWORD, await solved(identity), HOME)


async def test_sec_03_lock_periods_grow_on_repeat(
    identity: Identity, make_account: MakeAccount, clock: FixedClock
) -> None:
    await make_account()
    for _ in range(5):
        await fail(identity, answer=await solved(identity))
    clock.advance(minutes=16)
    for _ in range(5):
        await fail(identity, answer=await solved(identity))
    clock.advance(minutes=16)  # the second lock lasts 30 minutes
    with pytest.raises(DomainError):
        await identity.login("wangfang", PASSWORD, await solved(identity), HOME)
    clock.advance(minutes=15)
    await identity.login("wangfang", PASSWORD, await solved(identity), HOME)


async def test_sec_03_concurrent_wrong_passwords_lock_at_exactly_n(
    identity: Identity,
    make_account: MakeAccount,
    unit_of_work: Callable[[], AnyUnitOfWork],
    db: AsyncEngine,
) -> None:
    await make_account(phone="13812345678")
    answers = [await solved(identity) for _ in range(12)]
    codes = await asyncio.gather(
        *(
            fail(identity, client=Client(f"203.0.113.{i}", "bot"), answer=a)
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
    identity: Identity, make_account: MakeAccount
) -> None:
    await make_account()
    logins = [f"user{i}" for i in range(30)]
    for name in logins:
        await fail(identity, name)
    assert await fail(identity, "someone-else") == "LOGIN_THROTTLED"
    other = Client("192.0.2.1", "pytest")
    await identity.login("wangfang", PASSWORD, None, other)


async def burst(identity: Identity, max_failures: int, size: int) -> list[str]:
    """``size`` concurrent wrong passwords from ``HOME``, each for its own login (so no
    login is locked), with an IP limit of ``max_failures``: their answers."""
    identity.ip_lockout = LockoutPolicy(max_failures=max_failures, challenge_after=None)
    return await asyncio.gather(*(fail(identity, f"user{i}") for i in range(size)))


@pytest.mark.parametrize("max_failures", [10, 30])
async def test_a_burst_from_one_address_is_throttled_at_exactly_the_nth_failure(
    identity: Identity,
    unit_of_work: Callable[[], AnyUnitOfWork],
    db: AsyncEngine,
    max_failures: int,
) -> None:
    codes = await burst(identity, max_failures, 100)
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
    identity: Identity, make_account: MakeAccount, clock: FixedClock
) -> None:
    await make_account()
    await burst(identity, 10, 20)
    with pytest.raises(DomainError) as throttled:
        await identity.login("wangfang", PASSWORD, None, HOME)
    assert throttled.value.code == "LOGIN_THROTTLED"
    clock.advance(minutes=16)
    await identity.login("wangfang", PASSWORD, None, HOME)


async def test_a_sign_in_does_not_wait_for_its_address_guard_row(
    identity: Identity, make_account: MakeAccount, unit_of_work: Callable[[], AnyUnitOfWork]
) -> None:
    """Only counting a failure locks the address's guard: one address's sign-ins do not
    queue behind each other's password checks."""
    await make_account()
    async with unit_of_work() as uow:
        await uow.guards.lock(f"ip:{HOME.ip}")  # as a failure being counted does
        await asyncio.wait_for(identity.login("wangfang", PASSWORD, None, HOME), timeout=5)


async def test_sec_09_refresh_rotates_and_reuse_revokes_the_family(
    identity: Identity, make_account: MakeAccount
) -> None:
    await make_account()
    first = await identity.login("wangfang", PASSWORD, None, HOME)
    second = await identity.refresh(first.refresh_token)
    assert second.refresh_token != first.refresh_token
    third = await identity.refresh(second.refresh_token)
    with pytest.raises(DomainError) as replay:
        await identity.refresh(first.refresh_token)
    assert replay.value.code == "REFRESH_TOKEN_REUSED"
    with pytest.raises(DomainError) as family:
        await identity.refresh(third.refresh_token)
    assert family.value.code == "UNAUTHENTICATED"
    assert not await identity.is_session_active(first.session.id)


async def test_concurrent_refreshes_of_one_token_leave_no_usable_session(
    identity: Identity, make_account: MakeAccount
) -> None:
    await make_account()
    signed_in = await identity.login("wangfang", PASSWORD, None, HOME)
    results = await asyncio.gather(
        *(identity.refresh(signed_in.refresh_token) for _ in range(4)), return_exceptions=True
    )
    assert sum(not isinstance(r, BaseException) for r in results) == 1
    assert {getattr(r, "code", None) for r in results if isinstance(r, BaseException)} == {
        "REFRESH_TOKEN_REUSED"
    }
    assert not await identity.is_session_active(signed_in.session.id)


async def test_sec_09_logout_ends_the_session(
    identity: Identity, make_account: MakeAccount
) -> None:
    await make_account()
    signed_in = await identity.login("wangfang", PASSWORD, None, HOME)
    principal = identity.tokens.verify(signed_in.access_token, identity.clock.now())
    await identity.logout(principal)
    assert not await identity.is_session_active(signed_in.session.id)
    with pytest.raises(DomainError):
        await identity.refresh(signed_in.refresh_token)


async def test_sec_05_unlock_by_secadmin_lifts_the_lock_and_tells_the_user(
    identity: Identity, make_account: MakeAccount
) -> None:
    await make_account(phone="13812345678")
    for _ in range(5):
        await fail(identity, answer=await solved(identity))
    await identity.unlock("wangfang")
    await identity.login("wangfang", PASSWORD, None, HOME)


class CountingPasswords(Passwords):
    """Counts the argon2 verifications a sign-in costs."""

    def __init__(self) -> None:
        super().__init__()
        self.verifications = 0

    def verify(self, hashed: str | None, password: str) -> Verification:
        self.verifications += 1
        return super().verify(hashed, password)


async def test_sec_02_unknown_wrong_and_locked_cost_the_same_hash_work(
    identity: Identity, make_account: MakeAccount
) -> None:
    """No timing oracle: every answer comes after exactly one argon2id verification (against
    a dummy hash when there is no such account), so the three take comparable time."""
    await make_account()
    counting = CountingPasswords()
    identity.passwords = counting
    work = {}
    for case, login in (("unknown", "nobody"), ("wrong", "wangfang")):
        before = counting.verifications
        assert await fail(identity, login) == "INVALID_CREDENTIALS"
        work[case] = counting.verifications - before
    for _ in range(4):
        await fail(identity, answer=await solved(identity))  # five failures in all: locked
    before = counting.verifications
    with pytest.raises(DomainError) as locked:
        await identity.login("wangfang", PASSWORD, await solved(identity), HOME)
    work["locked"] = counting.verifications - before
    assert locked.value.code == "INVALID_CREDENTIALS"
    assert work == {"unknown": 1, "wrong": 1, "locked": 1}
