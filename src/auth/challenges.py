"""The anti-automation challenge (SEC-02): an image captcha (the ``captcha`` library) whose
answer is kept only as a keyed hash, expires, and can be used once."""

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from captcha.image import ImageCaptcha

from ..domain.shared.errors import DomainError
from ..domain.shared.ids import new_id
from ..domain.shared.text import normalized, utf8

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L look-alikes
LENGTH = 5
LIFETIME = timedelta(minutes=5)


class ChallengeRequired(DomainError):
    code = "CHALLENGE_REQUIRED"
    default_message = "solve the challenge (loginChallenge) and send its answer with the login"


def random_answer() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


@dataclass(frozen=True, slots=True)
class IssuedChallenge:
    id: UUID
    image_png: bytes
    expires_at: datetime
    answer_hash: bytes

    @property
    def image_data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.image_png).decode()


class Challenges:
    def __init__(self, secret: bytes, answers: Callable[[], str] = random_answer) -> None:
        self._secret = secret
        self._answers = answers
        self._images = ImageCaptcha(width=160, height=60)

    def digest(self, answer: str) -> bytes:
        """Full-width answers count (NFKC, as every code); any string hashes, none raises."""
        typed = normalized(answer).upper()
        return hmac.new(self._secret, utf8(typed), hashlib.sha256).digest()

    def issue(self, now: datetime) -> IssuedChallenge:
        answer = self._answers()
        image = self._images.generate(answer).getvalue()
        return IssuedChallenge(new_id(), image, now + LIFETIME, self.digest(answer))

    def matches(self, stored: bytes, answer: str) -> bool:
        return hmac.compare_digest(stored, self.digest(answer))
