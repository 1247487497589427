"""Where the text of the document a request runs comes from (ADR 0012, ADR 0013):

- the request's ``query``, as always;
- Apollo's automatic persisted queries (APQ): ``extensions.persistedQuery.sha256Hash`` alone
  runs the document stored under that hash (PostgreSQL, with an in-process cache in front).
  An unknown hash gets ``PERSISTED_QUERY_NOT_FOUND``; Apollo's link then sends the text with
  the hash, and the text is checked against the hash, validated, stored and run;
- partner clients (CARD-4, SEC-10): only the trusted documents registered for them, named by
  ``documentId`` (or by hash), from an address on their allow-list. Never free text.
"""

import re
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from ...auth.partners import DocumentReference, PartnerRegistry, sha256_hex, trusted_document
from ...auth.principal import Principal
from ...domain.shared.errors import DomainError

APQ_VERSION = 1
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


class PersistedQueryNotFound(DomainError):
    code = "PERSISTED_QUERY_NOT_FOUND"
    default_message = "PersistedQueryNotFound"  # the message Apollo's link looks for


class PersistedQueryHashMismatch(DomainError):
    code = "PERSISTED_QUERY_HASH_MISMATCH"
    default_message = "extensions.persistedQuery.sha256Hash is not the SHA-256 of the query"


class MalformedDocumentRequest(DomainError):
    code = "BAD_REQUEST"


REFUSAL_STATUS: Mapping[str, int] = {
    "BAD_REQUEST": 400,
    "PERSISTED_QUERY_HASH_MISMATCH": 400,
    "UNAUTHENTICATED": 401,
    "TRUSTED_DOCUMENT_REQUIRED": 403,
    "IP_NOT_ALLOWED": 403,
}
"""The HTTP status of each refusal. Any other (``PERSISTED_QUERY_NOT_FOUND``) is answered like
a validation error: nothing ran."""


class PersistedDocumentStore(Protocol):
    async def get(self, sha256: str) -> str | None: ...
    async def add(self, sha256: str, document: str) -> None: ...


@dataclass(frozen=True, slots=True)
class Source:
    query: str
    register_as: str | None = None
    """The hash to store ``query`` under once it has parsed and validated."""
    by_hash: bool = False
    """The request named an APQ document by hash alone (a GET a CDN may cache)."""


def persisted_hash(extensions: Mapping[str, Any] | None) -> str | None:
    """The checked ``extensions.persistedQuery.sha256Hash``, or None when there is none."""
    if extensions is None or "persistedQuery" not in extensions:
        return None
    persisted = extensions["persistedQuery"]
    if not isinstance(persisted, dict) or persisted.get("version") != APQ_VERSION:
        raise MalformedDocumentRequest("extensions.persistedQuery needs version 1 and sha256Hash")
    sha256 = persisted.get("sha256Hash")
    if not isinstance(sha256, str) or not _SHA256_HEX.fullmatch(sha256):
        raise MalformedDocumentRequest("sha256Hash must be 64 lower-case hexadecimal digits")
    return sha256


class _Recent:
    """A bounded map that forgets the least recently used entry first."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[str, str] = OrderedDict()

    def get(self, key: str) -> str | None:
        value = self._entries.get(key)
        if value is not None:
            self._entries.move_to_end(key)
        return value

    def put(self, key: str, value: str) -> None:
        self._entries[key] = value
        self._entries.move_to_end(key)
        if len(self._entries) > self._size:
            self._entries.popitem(last=False)


class DocumentSource:
    """One per app. The in-process cache maps hashes to the very string objects the endpoint's
    parse-and-validate cache is keyed by, so a persisted hit skips parsing and validation."""

    def __init__(
        self,
        store: PersistedDocumentStore,
        partners: PartnerRegistry,
        *,
        max_document_bytes: int,
        cache_size: int = 1024,
    ) -> None:
        self._store = store
        self._partners = partners
        self._max_document_bytes = max_document_bytes
        self._recent = _Recent(cache_size)

    async def source(
        self,
        query: str | None,
        document_id: str | None,
        extensions: Mapping[str, Any] | None,
        principal: Principal,
        address: str | None,
    ) -> Source:
        """The document to run; raises a ``DomainError`` whose code says why there is none."""
        sha256 = persisted_hash(extensions)
        if principal.client_id is not None:
            reference = DocumentReference.of(document_id, sha256)
            return Source(
                await trusted_document(
                    self._partners,
                    principal.client_id,
                    address,
                    reference,
                    query_given=query is not None,
                )
            )
        if document_id is not None:
            raise MalformedDocumentRequest(
                "documentId is for partner clients; send query or extensions.persistedQuery"
            )
        if query is None:
            assert sha256 is not None, "the endpoint lets no request through without either"
            return Source(await self._stored(sha256), by_hash=True)
        if sha256 is None:
            return Source(query)
        if sha256_hex(query) != sha256:
            raise PersistedQueryHashMismatch()
        fits = len(query.encode("utf-8")) <= self._max_document_bytes
        return Source(query, register_as=sha256 if fits else None)

    async def _stored(self, sha256: str) -> str:
        document = self._recent.get(sha256)
        if document is None:
            document = await self._store.get(sha256)
            if document is None:
                raise PersistedQueryNotFound()
            self._recent.put(sha256, document)
        return document

    async def register(self, source: Source) -> None:
        """Store a document that parsed and validated under its hash (idempotent)."""
        if source.register_as is not None:
            await self._store.add(source.register_as, source.query)
            self._recent.put(source.register_as, source.query)
