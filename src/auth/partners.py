"""Partner banks (CARD-4, SEC-10): OAuth clients that call the API machine to machine, only from
the addresses on their allow-list, and only to run the trusted documents registered for them."""

import hashlib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cache
from ipaddress import IPv4Network, IPv6Address, IPv6Network, ip_address
from typing import Protocol
from uuid import UUID

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ..domain.shared.errors import DomainError
from .principal import Principal
from .roles import Role
from .tokens import Unauthenticated

Network = IPv4Network | IPv6Network
SHA256_PREFIX = "sha256:"
"""A ``documentId`` may name a trusted document by its hash: ``sha256:<64 hex digits>``."""


class IpNotAllowed(DomainError):
    code = "IP_NOT_ALLOWED"
    default_message = "this partner client may not call from this address (SEC-10)"


class TrustedDocumentRequired(DomainError):
    code = "TRUSTED_DOCUMENT_REQUIRED"
    default_message = (
        "partner clients run only the trusted documents registered for them: send documentId"
    )


class PartnerClientStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"


def sha256_hex(document: str) -> str:
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class TrustedDocument:
    """A GraphQL document an operator registered for partners to run by id (or by hash)."""

    id: str
    document: str
    description: str

    @property
    def sha256(self) -> str:
        return sha256_hex(self.document)


@dataclass(frozen=True, slots=True)
class PartnerClient:
    client_id: str
    name: str
    institution_id: UUID
    """The partner bank: an institution of kind ``bank``."""
    secret_hash: str
    """argon2id hash of the client secret; the secret itself is never stored."""
    ip_allowlist: tuple[Network, ...]
    status: PartnerClientStatus = PartnerClientStatus.ACTIVE

    def admits(self, address: str | None) -> bool:
        """Is ``address`` (the connecting IP) on the allow-list?"""
        if address is None:
            return False
        try:
            ip = ip_address(address)
        except ValueError:
            return False
        if isinstance(ip, IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        return any(ip in network for network in self.ip_allowlist)

    def principal(self, now: datetime) -> Principal:
        """Who a token issued to this client speaks for."""
        return Principal(
            client_id=self.client_id,
            roles=frozenset({Role.PARTNER}),
            organisation_id=self.institution_id,
            auth_time=now,
            amr=("client_secret",),
        )


@dataclass(frozen=True, slots=True)
class DocumentReference:
    """How a request names a stored document: ``documentId``, or a persisted query's hash."""

    document_id: str | None = None
    sha256: str | None = None

    @classmethod
    def of(cls, document_id: str | None, persisted_hash: str | None) -> "DocumentReference":
        """``documentId`` wins over the hash; ``documentId: "sha256:…"`` is a hash."""
        if document_id is not None and document_id.startswith(SHA256_PREFIX):
            return cls(sha256=document_id.removeprefix(SHA256_PREFIX))
        if document_id is not None:
            return cls(document_id=document_id)
        return cls(sha256=persisted_hash)


class PartnerRegistry(Protocol):
    async def client(self, client_id: str) -> PartnerClient | None: ...
    async def granted_document(self, client_id: str, reference: DocumentReference) -> str | None:
        """The text of the trusted document ``reference`` names, if it is granted to the
        client."""
        ...

    async def add_document(self, document: TrustedDocument) -> bool:
        """False when a document with this id (or text) is already registered."""
        ...

    async def add_client(self, client: PartnerClient) -> bool:
        """False when a client with this id exists."""
        ...

    async def grant(self, client_id: str, document_ids: list[str]) -> None: ...


async def trusted_document(
    registry: PartnerRegistry,
    client_id: str,
    address: str | None,
    reference: DocumentReference,
    *,
    query_given: bool,
) -> str:
    """The document a partner's request may run, or the reason it may not (SEC-10)."""
    client = await registry.client(client_id)
    if client is None or client.status is not PartnerClientStatus.ACTIVE:
        raise Unauthenticated("this partner client is suspended or no longer registered")
    if not client.admits(address):
        raise IpNotAllowed()
    if query_given or reference == DocumentReference():
        raise TrustedDocumentRequired()
    document = await registry.granted_document(client_id, reference)
    if document is None:
        raise TrustedDocumentRequired("no trusted document by this id is registered for you")
    return document


_hasher = PasswordHasher()  # argon2id, RFC 9106 low-memory profile: above OWASP's minimum


def hash_secret(secret: str) -> str:
    return _hasher.hash(secret)


@cache
def _unknown_client_hash() -> str:
    return _hasher.hash("no client has this secret")


def secret_matches(secret_hash: str | None, secret: str) -> bool:
    """Checks ``secret`` against its hash; with no hash (an unknown client) it spends the same
    work on a dummy, so the answer's timing does not tell which client ids exist."""
    try:
        return _hasher.verify(secret_hash or _unknown_client_hash(), secret) and bool(secret_hash)
    except (VerificationError, InvalidHashError):
        return False
