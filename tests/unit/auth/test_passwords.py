"""SEC-01 password policy and argon2id hashing."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from src.auth.passwords import Passwords, WeakPassword, check_strength


@pytest.mark.parametrize(
    "password",
    ["Tr4vel-Kite-Moon", "Gx7#pLm2!qRz", "长城Wall#2026xz"],
)
def test_sec_01_strong_passwords_pass(password: str) -> None:
    check_strength(password, login="wangfang")


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("Short1!", "at least 10 characters"),
        ("alllowercase1!", "upper-case"),
        ("ALLUPPERCASE1!", "lower-case"),
        ("NoDigitsHere!!", "digit"),
        ("NoSymbols12345", "symbol"),
    ],
)
def test_sec_01_passwords_missing_a_class_are_refused_with_the_reason(
    password: str, why: str
) -> None:
    with pytest.raises(WeakPassword, match=why) as caught:
        check_strength(password)
    assert caught.value.code == "WEAK_PASSWORD"


@pytest.mark.parametrize(
    "password",
    [
        "Password123!",
        "P@ssw0rd2026!",
        "Qwerty12345!",
        "Admin@123456",
        "!Woaini5201314A",
        "Aa1!Aa1!Aa1!",
    ],
)
def test_common_and_predictable_passwords_are_refused(password: str) -> None:
    with pytest.raises(WeakPassword, match="common or predictable"):
        check_strength(password)


def test_a_password_containing_the_login_is_refused() -> None:
    with pytest.raises(WeakPassword):
        check_strength("Xx-wangfang-77", login="wangfang")


@pytest.fixture(scope="module")
def passwords() -> Passwords:
    return Passwords()


def test_argon2id_verifies_and_rejects(passwords: Passwords) -> None:
    hashed = passwords.hash("Tr4vel-Kite-Moon")
    assert hashed.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert passwords.verify(hashed, "Tr4vel-Kite-Moon").ok
    assert not passwords.verify(hashed, "Tr4vel-Kite-Moo").ok


def test_unknown_accounts_verify_against_a_dummy_and_fail(passwords: Passwords) -> None:
    assert passwords.verify(None, "dummy password for unknown accounts").ok is False


def test_weaker_stored_hashes_are_flagged_for_rehash() -> None:
    stronger = Passwords(time_cost=3)
    old = Passwords().hash("Tr4vel-Kite-Moon")
    result = stronger.verify(old, "Tr4vel-Kite-Moon")
    assert result.ok
    assert result.needs_rehash


def test_parameters_below_owasp_minimum_are_refused() -> None:
    with pytest.raises(ValueError, match="OWASP"):
        Passwords(memory_kib=8_192)


@settings(max_examples=40)
@given(st.text(min_size=0, max_size=9))
def test_nothing_shorter_than_10_characters_passes(password: str) -> None:
    with pytest.raises(WeakPassword):
        check_strength(password)
