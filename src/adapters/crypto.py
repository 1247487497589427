"""Personal data encrypted by the application before it reaches the database (SEC-06, ADR 0011).

A sealed value is one ``bytea``: ``version (1) | len(kid) (1) | kid | nonce (12) | AES-256-GCM
ciphertext and tag``. The key id travels with the value, so keys rotate value by value. The
associated data binds the value to its column and row (``workers.bank_card`` of one worker):
moved to another column or another row, or altered in any byte, it no longer decrypts.

Exact lookups (and uniqueness) use a blind index: HMAC-SHA256 under a separate key, labelled
with the kind of value (``id_number``), so equal values give equal indexes in every table."""

import hashlib
import hmac
import os
import re
from collections.abc import Sequence
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

VERSION = 1
NONCE_BYTES = 12
_KID = re.compile(r"[A-Za-z0-9._-]{1,32}")


class UnreadableField(Exception):
    """A stored value did not decrypt: altered, moved to another column or row, or sealed under
    a key that is not configured. Not a DomainError: no caller can fix it, so the API answers
    ``INTERNAL_SERVER_ERROR`` and the log keeps this message (which holds no personal data)."""


def _header(kid: str) -> bytes:
    return bytes([VERSION, len(kid)]) + kid.encode("ascii")


def _associated_data(header: bytes, field: str, row: UUID) -> bytes:
    return header + field.encode("ascii") + b"\x00" + row.bytes


class FieldCipher:
    """Seals and opens the values of personal-data columns; ``keys`` are ``(kid, 32 bytes)``,
    the active key first."""

    def __init__(self, keys: Sequence[tuple[str, bytes]], hash_key: bytes) -> None:
        if not keys:
            raise ValueError("at least one personal-data key is needed")
        for kid, secret in keys:
            if not _KID.fullmatch(kid):
                raise ValueError(f"key id {kid!r}: 1 to 32 of A-Z a-z 0-9 . _ -")
            if len(secret) != 32:
                raise ValueError(f"key {kid!r} must be exactly 32 bytes (AES-256)")
        if len(hash_key) < 32:
            raise ValueError("the blind-index key must be at least 32 bytes")
        self._aeads = {kid: AESGCM(secret) for kid, secret in keys}
        self.active_kid = keys[0][0]
        self.active_header = _header(self.active_kid)
        """Every value sealed under the active key starts with these bytes."""
        self._hash_key = hash_key

    def encrypt(self, plaintext: str, *, field: str, row: UUID) -> bytes:
        """Seal ``plaintext`` for column ``field`` (``table.column``) of row ``row``."""
        nonce = os.urandom(NONCE_BYTES)
        header = self.active_header
        sealed = self._aeads[self.active_kid].encrypt(
            nonce, plaintext.encode(), _associated_data(header, field, row)
        )
        return header + nonce + sealed

    def key_id(self, sealed: bytes) -> str:
        """The id of the key ``sealed`` is under; UnreadableField if it is no sealed value."""
        if len(sealed) < 2 or sealed[0] != VERSION:
            raise UnreadableField("not a sealed value of a known format version")
        try:
            return bytes(sealed[2 : 2 + sealed[1]]).decode("ascii")
        except UnicodeDecodeError:
            raise UnreadableField("the sealed value's key id is garbled") from None

    def decrypt(self, sealed: bytes, *, field: str, row: UUID) -> str:
        """The plaintext, or UnreadableField; never a wrong or partial value."""
        sealed = bytes(sealed)
        kid = self.key_id(sealed)
        aead = self._aeads.get(kid)
        if aead is None:
            raise UnreadableField(f"{field} of {row} is under key {kid!r}, which is not set")
        start = 2 + len(kid)
        nonce, ciphertext = sealed[start : start + NONCE_BYTES], sealed[start + NONCE_BYTES :]
        try:
            plaintext = aead.decrypt(
                nonce, ciphertext, _associated_data(sealed[:start], field, row)
            )
        except (InvalidTag, ValueError):
            raise UnreadableField(
                f"{field} of {row} failed authentication under key {kid!r}:"
                " altered, or moved from another column or row"
            ) from None
        return plaintext.decode()

    def blind_index(self, value: str, *, purpose: str) -> bytes:
        """HMAC-SHA256 of ``value`` under the blind-index key, labelled by ``purpose``."""
        message = purpose.encode("ascii") + b"\x00" + value.encode()
        return hmac.new(self._hash_key, message, hashlib.sha256).digest()
