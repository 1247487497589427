"""The identity fake keeps the rules the PostgreSQL adapter keeps: no commit, no change; one
account per login; a challenge is taken once, before it expires; pages are keyset pages."""

from dataclasses import replace
from datetime import timedelta
from uuid import UUID

import pytest

from src.auth.accounts import Account, AccountExists
from src.auth.factors import OneTimeCode
from src.auth.grants import GrantStatus, GrantsUnitOfWork, RoleGrant
from src.auth.roles import Role
from src.auth.sessions import Client, LoginEvent, Session
from src.domain.shared.ids import new_id
from src.domain.shared.pagination import PageRequest
from tests.conftest import FixedClock
from tests.unit.identity_fakes import FakeIdentityDatabase, FakeIdentityUnitOfWork, Notification

NOW = FixedClock().now()


def an_account(login: str = "wangfang") -> Account:
    return Account.open(login, "王芳", "$argon2id$unusable", frozenset({Role.OPERATOR}), NOW)


def a_grant(account: Account, status: GrantStatus = GrantStatus.PENDING) -> RoleGrant:
    return RoleGrant(new_id(), account.id, Role.AUDITOR, new_id(), NOW, status)


def ids(count: int) -> list[UUID]:
    """Ids in creation order (UUIDv7s made in one millisecond need not be)."""
    return sorted(new_id() for _ in range(count))


def the_ports(uow: FakeIdentityUnitOfWork) -> GrantsUnitOfWork:
    """The fake is typed as both identity ports (mypy checks this return)."""
    return uow


async def test_without_commit_nothing_is_kept() -> None:
    database = FakeIdentityDatabase()
    account = an_account()
    async with the_ports(database.unit_of_work()) as uow:
        await uow.accounts.add(account)
        await uow.guards.lock("login:wangfang")
        await uow.sessions.add(Session.start(account.id, Client("192.0.2.1", "t"), NOW, NOW))
        await uow.login_log.append(LoginEvent(account.id, NOW, "192.0.2.1", "t", "ok"))
        await uow.challenges.add(new_id(), b"hash", NOW + timedelta(minutes=5))
        await uow.notifier.notify("sms", "13812345678", "account_locked", "locked", NOW)
        await uow.one_time_codes.add(OneTimeCode.issue(account.id, "step_up", NOW)[0])
        await uow.role_grants.add(a_grant(account))
    assert database.tables == FakeIdentityDatabase().tables
    assert database.commits == 0


async def test_after_commit_the_next_unit_of_work_sees_the_change() -> None:
    database = FakeIdentityDatabase()
    account = an_account()
    async with database.unit_of_work() as uow:
        await uow.accounts.add(account)
        await uow.notifier.notify("sms", "13812345678", "account_locked", "locked", NOW)
        await uow.commit()
    async with database.unit_of_work() as uow:
        assert await uow.accounts.by_login("wangfang") == account
    assert database.tables.outbox == [
        Notification("sms", "13812345678", "account_locked", "locked", NOW)
    ]


async def test_entities_change_only_when_saved() -> None:
    database = FakeIdentityDatabase()
    account = an_account()
    async with database.unit_of_work() as uow:
        await uow.accounts.add(account)
        guard = await uow.guards.lock("login:wangfang")
        guard.failures = 3
        loaded = await uow.accounts.get(account.id)
        assert loaded is not None
        loaded.display_name = "someone else"
        await uow.commit()
    assert database.tables.accounts[account.id].display_name == "王芳"
    assert database.tables.guards["login:wangfang"].failures == 0


async def test_one_account_per_login() -> None:
    database = FakeIdentityDatabase()
    async with database.unit_of_work() as uow:
        await uow.accounts.add(an_account())
        with pytest.raises(AccountExists):
            await uow.accounts.add(an_account())


async def test_a_challenge_is_taken_once_and_not_after_it_expires() -> None:
    database = FakeIdentityDatabase()
    fresh, stale = new_id(), new_id()
    async with database.unit_of_work() as uow:
        await uow.challenges.add(fresh, b"fresh", NOW + timedelta(minutes=5))
        await uow.challenges.add(stale, b"stale", NOW)
        assert await uow.challenges.take(fresh, NOW) == b"fresh"
        assert await uow.challenges.take(fresh, NOW) is None
        assert await uow.challenges.take(stale, NOW) is None


async def test_refresh_tokens_are_marked_used() -> None:
    database = FakeIdentityDatabase()
    session = Session.start(new_id(), Client("192.0.2.1", "t"), NOW, NOW + timedelta(days=1))
    async with database.unit_of_work() as uow:
        await uow.sessions.add(session)
        await uow.sessions.add_refresh_token(b"digest", session.id, NOW)
        await uow.sessions.use_refresh_token(b"digest", NOW)
        record = await uow.sessions.refresh_token(b"digest")
    assert record is not None
    assert (record.session_id, record.used_at) == (session.id, NOW)


async def test_pages_follow_the_keyset_order_of_each_list() -> None:
    database = FakeIdentityDatabase()
    account = an_account()
    grants = [replace(a_grant(account), id=id) for id in ids(3)]
    events = [LoginEvent(account.id, NOW, "192.0.2.1", "t", "ok", id) for id in ids(3)]
    async with database.unit_of_work() as uow:
        for event in events:
            await uow.login_log.append(event)
        for grant in [*grants, a_grant(account, GrantStatus.APPROVED)]:
            await uow.role_grants.add(grant)
        newest = await uow.login_log.page(account.id, PageRequest(first=2))
        rest = await uow.login_log.page(account.id, PageRequest(after=newest.items[-1].id))
        pending = await uow.role_grants.pending(PageRequest())
    assert (newest.items, newest.has_next_page) == ([events[2], events[1]], True)
    assert (rest.items, rest.has_next_page) == ([events[0]], False)
    assert pending.items == grants  # oldest first, decided ones left out


async def test_the_latest_one_time_code_of_a_purpose() -> None:
    database = FakeIdentityDatabase()
    account_id = new_id()
    older, newer = (
        replace(OneTimeCode.issue(account_id, "step_up", NOW)[0], id=id) for id in ids(2)
    )
    async with database.unit_of_work() as uow:
        for code in (older, newer, OneTimeCode.issue(account_id, "other", NOW)[0]):
            await uow.one_time_codes.add(code)
        assert await uow.one_time_codes.latest(account_id, "step_up") == newer
        assert await uow.one_time_codes.latest(new_id(), "step_up") is None
