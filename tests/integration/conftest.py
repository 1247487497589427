"""Fixtures of the API tests."""

import pytest

from src.auth.roles import Role
from tests.conftest import SignIn


@pytest.fixture
async def another_caller(sign_in: SignIn) -> dict[str, str]:
    """Headers of a signed-in caller other than the ``api`` client's own: idempotency keys
    and confirmation tokens belong to one caller (SEC-04, ORD-03)."""
    return await sign_in(Role.OPERATOR, stepped_up=True)
