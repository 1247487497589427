"""Fixtures for the identity tests: accounts (``rules`` is in tests/conftest.py)."""

from collections.abc import Callable
from typing import Protocol

import pytest

from src.auth.accounts import Account
from src.auth.passwords import Passwords
from src.auth.roles import Role
from tests.conftest import CHALLENGE_ANSWER, AnyUnitOfWork, FixedClock

PASSWORD = "Tr4vel-Kite-Moon"
ANSWER = CHALLENGE_ANSWER


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
