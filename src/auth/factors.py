"""Second factors for step-up (SEC-04): TOTP (RFC 6238 through pyotp: ±1 step of drift, each
code usable once), one-time codes by SMS, and the transaction password.

Codes are read the way every digit string is (``domain.shared.text``): full-width digits
count as digits, anything else that is not 0–9 is a wrong code — never an exception."""

import enum
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

import pyotp

from ..domain.shared.errors import DomainError, InvalidInput
from ..domain.shared.ids import new_id
from ..domain.shared.text import is_ascii_digits, normalized, utf8

TOTP_STEP_SECONDS = 30
SMS_CODE_LIFETIME = timedelta(minutes=5)
SMS_CODE_ATTEMPTS = 5
ISSUER = "Flexfin"


class StepUpMethod(enum.Enum):
    """How a second factor is proven."""

    TOTP = "totp"
    SMS = "sms"
    TRANSACTION_PASSWORD = "transaction_password"  # noqa: S105 - a method name


class InvalidSecondFactor(DomainError):
    code = "INVALID_SECOND_FACTOR"
    default_message = "the code or transaction password is wrong, expired or already used"
    default_field = "code"


class SecondFactorNotEnrolled(InvalidInput):
    code = "SECOND_FACTOR_NOT_ENROLLED"
    default_message = "this account has not set up that method"
    default_field = "method"


def new_totp_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, login: str) -> str:
    """The otpauth:// URI an authenticator app reads from a QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=login, issuer_name=ISSUER)


def totp_step(secret: str, code: str, now: datetime, *, after: int | None) -> int | None:
    """The time step ``code`` belongs to (now, or one step either side), if that step is later
    than ``after`` — the last step used — so a code works once."""
    typed = normalized(code)
    if not is_ascii_digits(typed):
        return None
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // TOTP_STEP_SECONDS
    for step in (current - 1, current, current + 1):
        if (after is None or step > after) and hmac.compare_digest(totp.generate_otp(step), typed):
            return step
    return None


def code_digest(code: str, salt: UUID) -> bytes:
    return hashlib.sha256(salt.bytes + utf8(normalized(code))).digest()


@dataclass(slots=True)
class OneTimeCode:
    """A 6-digit code sent by SMS, stored as a salted hash."""

    id: UUID
    account_id: UUID
    purpose: str
    code_hash: bytes
    expires_at: datetime
    attempts: int = 0
    used_at: datetime | None = None

    @classmethod
    def issue(cls, account_id: UUID, purpose: str, now: datetime) -> tuple["OneTimeCode", str]:
        code = f"{secrets.randbelow(1_000_000):06d}"
        id = new_id()
        return cls(id, account_id, purpose, code_digest(code, id), now + SMS_CODE_LIFETIME), code

    def redeem(self, code: str, now: datetime) -> bool:
        """Use the code: True once if it matches in time and within the attempt limit."""
        if self.used_at is not None or now >= self.expires_at:
            return False
        self.attempts += 1
        if self.attempts > SMS_CODE_ATTEMPTS:
            return False
        if hmac.compare_digest(self.code_hash, code_digest(code, self.id)):
            self.used_at = now
            return True
        return False
