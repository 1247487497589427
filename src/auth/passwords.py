"""Passwords (SEC-01, SEC-04): argon2id at or above OWASP's minimum (m=19 MiB, t=2, p=1),
rehashed on login when the parameters rise; a strength policy; and a dummy verification so
that an unknown account costs the same time as a wrong password."""

import re
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from ..domain.shared.errors import InvalidInput
from ..domain.shared.text import utf8

MIN_LENGTH = 10

COMMON_BASES = frozenset(
    line
    for line in (Path(__file__).with_name("common_passwords.txt").read_text().split("\n"))
    if line and not line.startswith("#")
)
_LEET = str.maketrans("@$!0134578", "asioieastb")
_SEQUENCES = ("0123456789", "abcdefghijklmnopqrstuvwxyz", "qwertyuiop", "asdfghjkl", "zxcvbnm")


class WeakPassword(InvalidInput):
    code = "WEAK_PASSWORD"
    default_field = "password"


def _core(password: str) -> str:
    """The password with case, leet digits and the padding people add stripped away."""
    lowered = password.lower().translate(_LEET)
    return re.sub(r"^[^a-z]+|[^a-z]+$", "", lowered)


def _is_predictable(password: str, login: str) -> bool:
    lowered = password.lower()
    core = _core(password)
    if core in COMMON_BASES or lowered in COMMON_BASES:
        return True
    if login and len(login) >= 3 and login.lower() in lowered:
        return True
    if len(set(lowered)) <= 3:
        return True
    if any(base in core for base in COMMON_BASES if len(base) >= 5 and base.isalpha()):
        return True
    if any(base in lowered for base in COMMON_BASES if len(base) >= 6):
        return True
    letters_digits = re.sub(r"[^a-z0-9]", "", lowered)
    return any(letters_digits in seq or seq in letters_digits for seq in _SEQUENCES)


def check_strength(password: str, *, login: str = "", field: str = "password") -> None:
    """SEC-01: at least 10 characters with upper case, lower case, a digit and a symbol, and
    not a common or predictable password."""
    missing = [
        name
        for name, pattern in (
            ("an upper-case letter", r"[A-Z]"),
            ("a lower-case letter", r"[a-z]"),
            ("a digit", r"\d"),
            ("a symbol", r"[^A-Za-z0-9]"),
        )
        if not re.search(pattern, password)
    ]
    if len(password) < MIN_LENGTH or missing:
        needs = [f"at least {MIN_LENGTH} characters", *missing]
        raise WeakPassword("the password needs " + ", ".join(needs), field=field)
    if len(password) > 128:
        raise WeakPassword("the password is longer than 128 characters", field=field)
    if _is_predictable(password, login):
        raise WeakPassword(
            "the password is too common or predictable (a known password, a keyboard run, "
            "or your login name)",
            field=field,
        )


@dataclass(frozen=True, slots=True)
class Verification:
    ok: bool
    needs_rehash: bool = False


class Passwords:
    """Hashing and verification with one set of parameters."""

    def __init__(self, time_cost: int = 2, memory_kib: int = 19_456, parallelism: int = 1) -> None:
        if memory_kib < 19_456 or time_cost < 2:
            raise ValueError("argon2id parameters below OWASP's minimum (m=19 MiB, t=2)")
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism
        )
        self._dummy = self._hasher.hash("dummy password for unknown accounts")

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, hashed: str | None, password: str) -> Verification:
        """Verify against ``hashed``; with ``None`` (no such account) verify against a dummy
        hash so the answer takes as long, and fail. Any string is only right or wrong: the
        password is hashed as it was typed (no normalisation), lone surrogates included."""
        try:
            self._hasher.verify(hashed or self._dummy, utf8(password))
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return Verification(ok=False)
        if hashed is None:
            return Verification(ok=False)
        return Verification(ok=True, needs_rehash=self._hasher.check_needs_rehash(hashed))
