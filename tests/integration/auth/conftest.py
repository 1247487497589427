"""Fixtures for the identity tests: identity rules with known challenge answers, and accounts."""

from collections.abc import Callable
from datetime import timedelta
from typing import Protocol

import pytest

from src.auth.accounts import Account
from src.auth.challenges import Challenges
from src.auth.lockout import LockoutPolicy
from src.auth.passwords import Passwords
from src.auth.roles import Role
from src.auth.rules import IdentityRules
from src.auth.tokens import AccessTokens, SigningKey
from tests.conftest import AnyUnitOfWork, FixedClock

PASSWORD = "Tr4vel-Kite-Moon"
ANSWER = "K7P3Q"


@pytest.fixture(scope="session")
def passwords() -> Passwords:
    return Passwords()


@pytest.fixture
def rules(clock: FixedClock, passwords: Passwords) -> IdentityRules:
    return IdentityRules(
        passwords=passwords,
        tokens=AccessTokens((SigningKey("test", b"k" * 32),), timedelta(minutes=15)),
        challenges=Challenges(b"c" * 32, answers=lambda: ANSWER),
        clock=clock,
        account_lockout=LockoutPolicy(),
        ip_lockout=LockoutPolicy(max_failures=30, challenge_after=None),
    )


class MakeAccount(Protocol):
    """Adds an account with ``PASSWORD`` (``login`` is its display name too)."""

    async def __call__(
        self,
        login: str = ...,
        roles: frozenset[Role] = ...,
        *,
        phone: str | None = None,
    ) -> Account: ...


@pytest.fixture
def make_account(
    unit_of_work: Callable[[], AnyUnitOfWork], clock: FixedClock, passwords: Passwords
) -> MakeAccount:
    async def make(
        login: str = "wangfang",
        roles: frozenset[Role] = frozenset({Role.OPERATOR}),
        *,
        phone: str | None = None,
    ) -> Account:
        hashed = passwords.hash(PASSWORD)
        account = Account.open(login, login, hashed, roles, clock.now(), phone=phone)
        async with unit_of_work() as uow:
            await uow.accounts.add(account)
            await uow.commit()
        return account

    return make
