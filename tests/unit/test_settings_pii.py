"""SEC-06: the personal-data keys come from the environment; production refuses to start
without them, and development uses the documented development keys."""

import base64

import pytest

from src.settings import PII_DEVELOPMENT_HASH_KEY, PII_DEVELOPMENT_KEY, Settings, SettingsError


def b64(secret: bytes) -> str:
    return base64.urlsafe_b64encode(secret).decode().rstrip("=")


PRODUCTION = {
    "FLEXFIN_ENV": "production",
    "FLEXFIN_TOKEN_KEYS": f"t1:{b64(bytes(32))}",
    "FLEXFIN_PII_KEYS": f"p2:{b64(b'2' * 32)},p1:{b64(b'1' * 32)}",
    "FLEXFIN_PII_HASH_KEY": b64(b"h" * 40),
}


def test_sec_06_keys_are_read_active_first() -> None:
    settings = Settings.from_env(PRODUCTION)
    assert settings.pii_keys == (("p2", b"2" * 32), ("p1", b"1" * 32))
    assert settings.pii_hash_key == b"h" * 40


def test_sec_06_development_uses_the_documented_keys() -> None:
    settings = Settings.from_env({})
    assert settings.pii_keys == (PII_DEVELOPMENT_KEY,)
    assert settings.pii_hash_key == PII_DEVELOPMENT_HASH_KEY


@pytest.mark.parametrize("missing", ["FLEXFIN_PII_KEYS", "FLEXFIN_PII_HASH_KEY"])
def test_sec_06_production_needs_both_keys(missing: str) -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    with pytest.raises(SettingsError, match=f"{missing} must be set in production"):
        Settings.from_env(env)


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("FLEXFIN_PII_KEYS", f"p1:{b64(b'1' * 48)}", "exactly 32 bytes"),
        ("FLEXFIN_PII_KEYS", f"p1:{b64(b'1' * 32)},p1:{b64(b'2' * 32)}", "each kid"),
        ("FLEXFIN_PII_KEYS", "p1:not base64!", "not base64url"),
        ("FLEXFIN_PII_HASH_KEY", b64(b"h" * 31), "at least 32 bytes"),
        ("FLEXFIN_PII_HASH_KEY", "%%%", "not base64url"),
    ],
)
def test_sec_06_unusable_keys_are_refused(name: str, value: str, problem: str) -> None:
    with pytest.raises(SettingsError, match=problem):
        Settings.from_env({**PRODUCTION, name: value})


def test_keys_may_be_written_in_standard_base64_with_padding() -> None:
    secret = bytes([0xFB, 0xFF] * 16)  # '+' and '/' in standard base64, '-' and '_' in url
    standard = base64.b64encode(secret).decode()
    assert "+" in standard or "/" in standard
    settings = Settings.from_env({**PRODUCTION, "FLEXFIN_PII_KEYS": f"p1:{standard}"})
    assert settings.pii_keys == (("p1", secret),)
