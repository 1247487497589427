"""Fixtures of the API tests."""

import uuid
from datetime import timedelta

import pytest

from src.auth.principal import Principal
from src.auth.tokens import AccessTokens, SigningKey
from src.settings import Settings
from tests.conftest import FixedClock


@pytest.fixture
def another_caller(clock: FixedClock) -> dict[str, str]:
    """Headers of a signed-in caller other than the ``api`` client's own: idempotency keys
    and confirmation tokens belong to one caller (SEC-04, ORD-03)."""
    tokens = AccessTokens(
        tuple(SigningKey(kid, secret) for kid, secret in Settings().token_keys),
        timedelta(minutes=15),
    )
    principal = Principal(account_id=uuid.uuid4())
    return {"Authorization": f"Bearer {tokens.issue(principal, clock.now())}"}
