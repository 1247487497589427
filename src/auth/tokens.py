"""Short-lived signed access tokens (JWS, HS256) carrying the principal: roles, organisation,
``auth_time``, ``amr``/``acr`` and the time of the last step-up. Each token names the key
that signed it (``kid``), so keys rotate: the first key signs, every listed key verifies."""

import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, OctKey

from ..domain.shared.errors import DomainError
from .principal import Principal
from .roles import Role

ISSUER = "flexfin"


class Unauthenticated(DomainError):
    code = "UNAUTHENTICATED"
    default_message = "sign in again: the access token is missing, expired or invalid"


@dataclass(frozen=True, slots=True)
class SigningKey:
    kid: str
    secret: bytes

    def __post_init__(self) -> None:
        if len(self.secret) < 32:
            raise ValueError(f"signing key {self.kid!r} must be at least 32 bytes")

    def derived(self, label: bytes) -> bytes:
        """A key of its own for another use (``label``), so one secret never serves two."""
        return hmac.new(self.secret, label, hashlib.sha256).digest()


def _epoch(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp())


def _moment(epoch: Any) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(int(epoch), UTC)


def _uuid(value: Any) -> UUID | None:
    return None if value is None else UUID(str(value))


class AccessTokens:
    def __init__(self, keys: tuple[SigningKey, ...], ttl: timedelta) -> None:
        if not keys:
            raise ValueError("at least one signing key is needed")
        self._signing = OctKey.import_key(keys[0].secret, {"kid": keys[0].kid})
        self._verifying = KeySet([OctKey.import_key(k.secret, {"kid": k.kid}) for k in keys])
        self._kid = keys[0].kid
        self.ttl = ttl

    def issue(self, principal: Principal, now: datetime) -> str:
        subject = principal.client_id or str(principal.account_id)
        claims = {
            "iss": ISSUER,
            "sub": subject,
            "iat": _epoch(now),
            "exp": _epoch(now + self.ttl),
            "jti": uuid.uuid4().hex,
            "roles": sorted(principal.roles),
            "org": principal.organisation_id and str(principal.organisation_id),
            "wrk": principal.worker_id and str(principal.worker_id),
            "sid": principal.session_id and str(principal.session_id),
            "auth_time": _epoch(principal.auth_time),
            "amr": list(principal.amr),
            "acr": "2" if len(principal.amr) > 1 else "1",
            "stu": _epoch(principal.stepped_up_at),
            "cid": principal.client_id,
        }
        return jwt.encode(
            {"alg": "HS256", "kid": self._kid},
            {k: v for k, v in claims.items() if v is not None},
            self._signing,
        )

    def verify(self, token: str, now: datetime) -> Principal:
        try:
            claims = jwt.decode(token, self._verifying, algorithms=["HS256"]).claims
            jwt.JWTClaimsRegistry(
                now=int(now.timestamp()),
                iss={"essential": True, "value": ISSUER},
                exp={"essential": True},
                sub={"essential": True},
            ).validate(claims)
            cid = claims.get("cid")
            return Principal(
                account_id=None if cid else UUID(claims["sub"]),
                roles=frozenset(Role(r) for r in claims.get("roles", [])),
                organisation_id=_uuid(claims.get("org")),
                worker_id=_uuid(claims.get("wrk")),
                session_id=_uuid(claims.get("sid")),
                auth_time=_moment(claims.get("auth_time")),
                amr=tuple(claims.get("amr", [])),
                stepped_up_at=_moment(claims.get("stu")),
                client_id=cid,
            )
        except (JoseError, ValueError, KeyError, TypeError):
            raise Unauthenticated() from None
