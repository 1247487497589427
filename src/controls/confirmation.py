"""Second confirmation (SEC-04): a sensitive mutation is first previewed, and the preview
hands out a short-lived token bound to the caller and to that exact request; the real request
must carry it, and each token confirms one request only (ADR 0016).

A token is ``kid.token-id.expiry.mac``: an HMAC-SHA256 over the caller's scope, the request
fingerprint, the token id and the expiry, keyed by a key derived from the access-token keys
(``FLEXFIN_TOKEN_KEYS``) under a label of its own, so it rotates with them."""

import base64
import contextlib
import hashlib
import hmac
import json
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol
from uuid import UUID

from ..auth.tokens import SigningKey
from ..domain.shared.errors import DomainError
from ..domain.shared.text import utf8

LABEL = b"flexfin/confirmation-token/v1"

_PREVIEW: ContextVar[bool] = ContextVar("preview", default=False)


def previewing() -> bool:
    """Is the running operation a preview (a dry run)? Its units of work then keep nothing."""
    return _PREVIEW.get()


@contextlib.contextmanager
def preview(dry_run: bool) -> Iterator[None]:
    """Run an operation as a preview when ``dry_run``."""
    token = _PREVIEW.set(dry_run)
    try:
        yield
    finally:
        _PREVIEW.reset(token)


class ConfirmationRequired(DomainError):
    code = "CONFIRMATION_REQUIRED"
    default_message = (
        "this mutation needs a second confirmation: send it with extensions.preview = true, "
        "then again with the extensions.confirmationToken the preview returned"
    )


class PreviewNotAvailable(DomainError):
    code = "PREVIEW_NOT_AVAILABLE"
    default_message = "only mutations that need a second confirmation can be previewed"


class ConfirmationInvalid(DomainError):
    code = "CONFIRMATION_INVALID"
    default_message = (
        "the confirmation token is malformed, expired, already used, or for another request"
    )


@dataclass(frozen=True, slots=True)
class ConfirmationToken:
    value: str
    token_id: UUID
    expires_at: datetime


def _mac(key: bytes, kid: str, token_id: str, expiry: str, scope: str, fingerprint: str) -> str:
    message = json.dumps([kid, token_id, expiry, scope, fingerprint]).encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class ConfirmationTokens:
    """Issues tokens with the first key and verifies them with any listed key."""

    def __init__(self, keys: tuple[SigningKey, ...], ttl: timedelta) -> None:
        if not keys:
            raise ValueError("at least one key is needed")
        self._keys = {k.kid: k.derived(LABEL) for k in keys}
        self._kid = keys[0].kid
        self.ttl = ttl

    def issue(self, scope: str, fingerprint: str, now: datetime) -> ConfirmationToken:
        token_id = uuid.uuid4()
        expiry = int((now + self.ttl).timestamp())
        mac = _mac(self._keys[self._kid], self._kid, token_id.hex, str(expiry), scope, fingerprint)
        return ConfirmationToken(
            f"{self._kid}.{token_id.hex}.{expiry}.{mac}",
            token_id,
            datetime.fromtimestamp(expiry, UTC),
        )

    def verify(self, token: str, scope: str, fingerprint: str, now: datetime) -> ConfirmationToken:
        """The token, if it was issued for this scope and request and has not expired."""
        parts = token.rsplit(".", 3)
        if len(parts) != 4 or parts[0] not in self._keys:
            raise ConfirmationInvalid()
        kid, token_id, expiry, mac = parts
        expected = _mac(self._keys[kid], kid, token_id, expiry, scope, fingerprint)
        if not hmac.compare_digest(utf8(mac), expected.encode()):
            raise ConfirmationInvalid()
        try:
            verified = ConfirmationToken(
                token, UUID(hex=token_id), datetime.fromtimestamp(int(expiry), UTC)
            )
        except (ValueError, OverflowError, OSError):
            raise ConfirmationInvalid() from None
        if verified.expires_at <= now:
            raise ConfirmationInvalid("the confirmation token has expired; preview again")
        return verified


class ConfirmationUses(Protocol):
    async def consume(self, token_id: UUID, until: datetime) -> bool:
        """Record the token as used (remembered until ``until``); False if it already was."""
        ...


async def confirm(
    tokens: ConfirmationTokens,
    uses: ConfirmationUses,
    token: object,
    scope: str,
    fingerprint: str,
    now: datetime,
) -> None:
    """Accept ``token`` (``extensions.confirmationToken``) for this request, once."""
    if token is None:
        raise ConfirmationRequired()
    if not isinstance(token, str):
        raise ConfirmationInvalid()
    verified = tokens.verify(token, scope, fingerprint, now)
    if not await uses.consume(verified.token_id, verified.expires_at):
        raise ConfirmationInvalid("this confirmation token was already used; preview again")
