"""Fixtures for the identity tests: an Identity with known challenge answers, and accounts."""

from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest

from src.auth.accounts import Account
from src.auth.challenges import Challenges
from src.auth.lockout import LockoutPolicy
from src.auth.passwords import Passwords
from src.auth.roles import Role
from src.auth.service import Identity
from src.auth.tokens import AccessTokens, SigningKey
from tests.conftest import AnyUnitOfWork, FixedClock

PASSWORD = "Tr4vel-Kite-Moon"
ANSWER = "K7P3Q"


@pytest.fixture(scope="session")
def passwords() -> Passwords:
    return Passwords()


@pytest.fixture
def identity(
    unit_of_work: Callable[[], AnyUnitOfWork], clock: FixedClock, passwords: Passwords
) -> Identity:
    return Identity(
        unit_of_work=unit_of_work,
        passwords=passwords,
        tokens=AccessTokens((SigningKey("test", b"k" * 32),), timedelta(minutes=15)),
        challenges=Challenges(b"c" * 32, answers=lambda: ANSWER),
        clock=clock,
        account_lockout=LockoutPolicy(),
        ip_lockout=LockoutPolicy(max_failures=30, challenge_after=None),
    )


MakeAccount = Callable[..., Awaitable[Account]]


@pytest.fixture
def make_account(
    unit_of_work: Callable[[], AnyUnitOfWork], clock: FixedClock, passwords: Passwords
) -> MakeAccount:
    async def make(
        login: str = "wangfang", roles: frozenset[Role] = frozenset({Role.OPERATOR}), **kw: object
    ) -> Account:
        account = Account.open(login, login, passwords.hash(PASSWORD), roles, clock.now(), **kw)  # type: ignore[arg-type]
        async with unit_of_work() as uow:
            await uow.accounts.add(account)
            await uow.commit()
        return account

    return make
