"""Codes of the second factors and the challenge (SEC-02, SEC-04) read the way every digit
string is: full-width digits count, other scripts' digits do not, and no string raises."""

import uuid
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from hypothesis import given, settings

from src.auth.challenges import Challenges
from src.auth.factors import TOTP_STEP_SECONDS, OneTimeCode, totp_step
from src.auth.passwords import Passwords
from src.auth.sessions import token_digest
from src.auth.tokens import SigningKey
from src.controls.confirmation import ConfirmationInvalid, ConfirmationTokens
from tests.strategies import ANY_TEXT

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
FULL_WIDTH = str.maketrans(
    "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ",
    "０１２３４５６７８９ＡＢＣＤＥＦＧＨＪＫＬＭＮＰＱＲＳＴＵＶＷＸＹＺ",
)
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def current_totp() -> str:
    return pyotp.TOTP(SECRET).generate_otp(int(NOW.timestamp()) // TOTP_STEP_SECONDS)


def test_sec_04_a_full_width_totp_code_is_the_code() -> None:
    code = current_totp().translate(FULL_WIDTH)
    assert totp_step(SECRET, f"　{code} ", NOW, after=None) is not None


def test_sec_04_a_totp_code_in_other_digits_is_wrong() -> None:
    assert totp_step(SECRET, current_totp().translate(ARABIC_INDIC), NOW, after=None) is None


def test_sec_04_a_full_width_sms_code_redeems_and_other_digits_do_not() -> None:
    one_time, code = OneTimeCode.issue(uuid.uuid4(), "step_up", NOW)
    assert not one_time.redeem(code.translate(ARABIC_INDIC), NOW)
    assert one_time.redeem(code.translate(FULL_WIDTH), NOW)


@given(ANY_TEXT)
def test_sec_04_any_string_is_only_a_right_or_wrong_code(code: str) -> None:
    step = totp_step(SECRET, code, NOW, after=None)
    assert step is None or isinstance(step, int)
    one_time, _ = OneTimeCode.issue(uuid.uuid4(), "step_up", NOW)
    assert one_time.redeem(code, NOW) in {True, False}


@settings(max_examples=10, deadline=None)
@given(ANY_TEXT)
def test_sec_04_any_string_is_only_a_right_or_wrong_transaction_password(guess: str) -> None:
    passwords = Passwords()
    assert not passwords.verify(passwords.hash("Tr4vel-Kite-Moon"), guess).ok


def test_sec_02_a_full_width_challenge_answer_is_the_answer() -> None:
    challenges = Challenges(b"c" * 32)
    stored = challenges.digest("AB3K9")
    assert challenges.matches(stored, " ａｂ３ｋ９ ")
    assert challenges.matches(stored, "AB3K9".translate(FULL_WIDTH))


@given(ANY_TEXT)
def test_sec_02_04_no_presented_secret_makes_a_check_raise(presented: str) -> None:
    """Challenge answers, confirmation tokens and refresh tokens come from the client too."""
    assert not Challenges(b"c" * 32).matches(b"\0" * 32, presented)
    tokens = ConfirmationTokens((SigningKey("k", b"k" * 32),), ttl=timedelta(minutes=5))
    with pytest.raises(ConfirmationInvalid):
        tokens.verify(f"k.{uuid.uuid4().hex}.0.{presented}", "scope", "fingerprint", NOW)
    assert len(token_digest(presented)) == 32
