"""Confirmation tokens without a database (SEC-04): bound to one caller and one request,
short-lived, tamper-evident, rotating with the keys, and accepted once."""

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from src.auth.tokens import SigningKey
from src.controls.confirmation import (
    ConfirmationInvalid,
    ConfirmationRequired,
    ConfirmationTokens,
    confirm,
)

OLD = SigningKey("2025", b"o" * 32)
NEW = SigningKey("2026", b"n" * 32)
NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
TTL = timedelta(minutes=5)
tokens = ConfirmationTokens((NEW, OLD), TTL)


class FakeConfirmationUses:
    def __init__(self) -> None:
        self.used: set[UUID] = set()

    async def consume(self, token_id: UUID, until: datetime) -> bool:
        first = token_id not in self.used
        self.used.add(token_id)
        return first


def test_sec_04_a_token_holds_for_its_caller_and_request_until_it_expires() -> None:
    token = tokens.issue("account:a", "fingerprint", NOW)
    assert token.expires_at == NOW + TTL
    almost = NOW + TTL - timedelta(seconds=1)
    assert tokens.verify(token.value, "account:a", "fingerprint", almost) == token
    for scope, fingerprint, now in [
        ("account:a", "fingerprint", NOW + TTL),
        ("account:b", "fingerprint", NOW),
        ("account:a", "other request", NOW),
    ]:
        with pytest.raises(ConfirmationInvalid):
            tokens.verify(token.value, scope, fingerprint, now)


@given(st.data())
def test_sec_04_a_token_changed_anywhere_is_refused(data: st.DataObject) -> None:
    value = tokens.issue("ip:192.0.2.1", "fingerprint", NOW).value
    at = data.draw(st.integers(0, len(value) - 1))
    other = data.draw(st.characters(min_codepoint=0x21, max_codepoint=0x7E))
    tampered = value[:at] + other + value[at + 1 :]
    if tampered != value:
        with pytest.raises(ConfirmationInvalid):
            tokens.verify(tampered, "ip:192.0.2.1", "fingerprint", NOW)


@pytest.mark.parametrize("value", ["", "x", "2026.x.y", "a.b.c.d.e", "2026..."])
def test_sec_04_malformed_tokens_are_refused(value: str) -> None:
    with pytest.raises(ConfirmationInvalid):
        tokens.verify(value, "ip:192.0.2.1", "fingerprint", NOW)


def test_sec_04_tokens_rotate_with_the_access_token_keys() -> None:
    issued_before = ConfirmationTokens((OLD,), TTL).issue("s", "f", NOW)
    assert tokens.verify(issued_before.value, "s", "f", NOW) == issued_before
    with pytest.raises(ConfirmationInvalid):
        ConfirmationTokens((NEW,), TTL).verify(issued_before.value, "s", "f", NOW)


async def test_sec_04_confirm_needs_a_token_and_takes_each_token_once() -> None:
    uses = FakeConfirmationUses()
    with pytest.raises(ConfirmationRequired):
        await confirm(tokens, uses, None, "s", "f", NOW)
    with pytest.raises(ConfirmationInvalid):
        await confirm(tokens, uses, 42, "s", "f", NOW)
    token = tokens.issue("s", "f", NOW).value
    await confirm(tokens, uses, token, "s", "f", NOW)
    with pytest.raises(ConfirmationInvalid, match="already used"):
        await confirm(tokens, uses, token, "s", "f", NOW)
