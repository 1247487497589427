"""No duplicate submission (SEC-04, ORD-03), the way Stripe and Fineract document it: a
mutation request carries an idempotency key; the first request with a key claims it, runs,
and stores its response; a later request with the same key and the same input gets that
response again, one with other input is refused, and one that arrives while the first is
still running is told so. Keys belong to one caller (``scope_of``) and expire (ADR 0016)."""

import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol
from uuid import UUID

from ..auth.principal import Principal
from ..auth.tokens import SigningKey
from ..domain.shared.errors import DomainError
from ..domain.shared.text import utf8

MAX_KEY_LENGTH = 255
CLAIM_ATTEMPTS = 3


class IdempotencyKeyInvalid(DomainError):
    code = "IDEMPOTENCY_KEY_INVALID"
    default_message = "the Idempotency-Key header must be 1 to 255 visible ASCII characters"


class IdempotencyKeyRequired(DomainError):
    code = "IDEMPOTENCY_KEY_REQUIRED"
    default_message = "this mutation needs an Idempotency-Key header"


class IdempotentMutationNotAlone(DomainError):
    code = "IDEMPOTENT_MUTATION_NOT_ALONE"
    default_message = "mutations that take an Idempotency-Key must be sent with no other mutations"


class IdempotencyKeyReused(DomainError):
    code = "IDEMPOTENCY_KEY_REUSED"
    default_message = "this Idempotency-Key was already used for a different request"


class IdempotencyInProgress(DomainError):
    code = "IDEMPOTENCY_IN_PROGRESS"
    default_message = "a request with this Idempotency-Key is still running; retry shortly"


def checked_key(key: str) -> str:
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not all("!" <= c <= "~" for c in key):
        raise IdempotencyKeyInvalid()
    return key


def scope_of(principal: Principal, client_ip: str | None) -> str:
    """Whose keys these are: the principal's key, or the client's address when anonymous."""
    if principal.is_authenticated:
        return principal.key
    return f"ip:{client_ip or 'unknown'}"


class Fingerprints:
    """What makes two requests the same: HMAC-SHA256 of their input (the normalised document
    text, the operation's name and the variables, as canonical JSON, so key order and
    whitespace do not matter). Keyed, because inputs carry ID and card numbers with so little
    entropy that a plain hash in the records would give them away to anyone reading the
    table (SEC-06). The key is derived from the active access-token key.

    Total over any JSON value: a lone surrogate (``"\\ud800"`` in the JSON) is encoded as it
    is (``surrogatepass``), so it neither raises nor collides with other text, and every
    other input keeps the fingerprint it always had."""

    LABEL = b"flexfin/request-fingerprint/v1"

    def __init__(self, key: SigningKey) -> None:
        self._key = key.derived(self.LABEL)

    def of(self, document: str, operation_name: str | None, variables: Any) -> str:
        canonical = json.dumps(
            [document, operation_name, variables or {}],
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
        )
        return hmac.new(self._key, utf8(canonical), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class StoredResponse:
    status: int
    body: str
    """The response body exactly as it was first sent."""


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    fingerprint: str
    response: StoredResponse | None
    """None while the first request is in flight."""
    expires_at: datetime


class IdempotencyRecords(Protocol):
    async def claim(
        self,
        scope: str,
        key: str,
        fingerprint: str,
        claim_id: UUID,
        now: datetime,
        until: datetime,
    ) -> bool:
        """Atomically record the key as in flight until ``until``, or take over its record
        if that expired by ``now``; False when a live record holds the key."""
        ...

    async def get(self, scope: str, key: str) -> IdempotencyRecord | None: ...

    async def complete(
        self, scope: str, key: str, claim_id: UUID, response: StoredResponse, until: datetime
    ) -> None:
        """Store the response of the claim ``claim_id``, kept until ``until``."""
        ...

    async def release(self, scope: str, key: str, claim_id: UUID) -> None:
        """Forget the claim ``claim_id``: the key can be used again at once."""
        ...


@dataclass(frozen=True, slots=True)
class Claim:
    scope: str
    key: str
    claim_id: UUID


class Idempotency:
    """The protocol over the records: ``begin`` before running a request, then ``finish`` or
    ``release``. ``lease`` is how long a claim blocks its key when its request never
    finishes (a crashed process); ``ttl`` how long a stored response is replayed."""

    def __init__(self, records: IdempotencyRecords, ttl: timedelta, lease: timedelta) -> None:
        self._records = records
        self.ttl = ttl
        self.lease = lease

    async def begin(
        self, scope: str, key: str, fingerprint: str, now: datetime
    ) -> Claim | StoredResponse:
        """The claim to run the request under, or the response to replay."""
        for _ in range(CLAIM_ATTEMPTS):
            claim = Claim(scope, key, uuid.uuid4())
            if await self._records.claim(
                scope, key, fingerprint, claim.claim_id, now, now + self.lease
            ):
                return claim
            record = await self._records.get(scope, key)
            if record is None or record.expires_at <= now:
                continue  # released or expired since the claim failed: try again
            if record.fingerprint != fingerprint:
                raise IdempotencyKeyReused()
            if record.response is None:
                raise IdempotencyInProgress()
            return record.response
        raise IdempotencyInProgress()

    async def finish(self, claim: Claim, response: StoredResponse, now: datetime) -> None:
        await self._records.complete(
            claim.scope, claim.key, claim.claim_id, response, now + self.ttl
        )

    async def release(self, claim: Claim) -> None:
        await self._records.release(claim.scope, claim.key, claim.claim_id)
