"""The audit trail's records and their hash chain (SEC-07, SEC-08). Pure: no storage here.

Each record is sealed into the chain as a ``ChainedRecord``: its ``seq`` is the previous
one's plus 1 (the first is 1), its ``prev_hash`` is the previous one's ``hash`` (the first
follows ``GENESIS_HASH``), and its ``hash`` is SHA-256 over the canonical JSON of the seq, the
record's fields and ``prev_hash``. Changing, removing, inserting or reordering any record
breaks the chain at that point, which ``verify`` finds."""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from uuid import UUID

GENESIS_HASH = "0" * 64


class Outcome(StrEnum):
    OK = "ok"
    FAILED = "failed"
    """A rule was broken or something went wrong; nothing changed."""
    DENIED = "denied"
    """The caller was not allowed to do it."""


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """Who did what, to which records, from where, and how it ended."""

    id: UUID
    occurred_at: datetime
    operation: str
    """The GraphQL root field (``registerWorker``, ``auditRecords``) or an event (``login``)."""
    outcome: Outcome
    actor_account_id: UUID | None = None
    client_id: str | None = None
    """A partner system's OAuth client id, when a machine acted."""
    roles: tuple[str, ...] = ()
    organisation_id: UUID | None = None
    target_ids: tuple[str, ...] = ()
    ip: str | None = None
    user_agent: str | None = None
    request_id: str | None = None
    detail: str | None = None
    """The error code when the outcome is not ``ok``."""

    def __post_init__(self) -> None:
        if self.occurred_at.tzinfo is None:
            raise ValueError("occurred_at must carry a time zone")


@dataclass(frozen=True, slots=True)
class ChainedRecord:
    seq: int
    record: AuditRecord
    prev_hash: str
    hash: str


def _optional(value: UUID | None) -> str | None:
    return None if value is None else str(value)


def canonical(seq: int, record: AuditRecord, prev_hash: str) -> bytes:
    """The bytes the hash covers: sorted keys, no spaces, ASCII only; the time in UTC to the
    microsecond and UUIDs as strings, exactly as they read back from the database."""
    fields = {
        "seq": seq,
        "id": str(record.id),
        "occurred_at": record.occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "operation": record.operation,
        "outcome": record.outcome.value,
        "actor_account_id": _optional(record.actor_account_id),
        "client_id": record.client_id,
        "roles": list(record.roles),
        "organisation_id": _optional(record.organisation_id),
        "target_ids": list(record.target_ids),
        "ip": record.ip,
        "user_agent": record.user_agent,
        "request_id": record.request_id,
        "detail": record.detail,
        "prev_hash": prev_hash,
    }
    return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode("ascii")


def link(record: AuditRecord, last_seq: int = 0, last_hash: str = GENESIS_HASH) -> ChainedRecord:
    """Seal ``record`` onto a chain whose newest record has ``last_seq`` and ``last_hash``
    (the defaults start a new chain)."""
    seq = last_seq + 1
    digest = hashlib.sha256(canonical(seq, record, last_hash)).hexdigest()
    return ChainedRecord(seq, record, last_hash, digest)


@dataclass(frozen=True, slots=True)
class Anchor:
    """The newest ``seq`` and ``hash`` as seen once and kept outside the database (as
    ``audit-verify`` prints it). A chain rewritten from that point on, or cut short before
    it, no longer matches it."""

    seq: int
    hash: str

    @classmethod
    def parse(cls, text: str) -> "Anchor":
        seq, _, digest = text.partition(":")
        if not seq.isdecimal() or len(digest) != 64:
            raise ValueError("an anchor is SEQ:HASH, as audit-verify prints it")
        return cls(int(seq), digest.lower())

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}"


@dataclass(frozen=True, slots=True)
class Verification:
    intact: int
    """How many records, from the first, are intact."""
    broken_at: int | None
    head: Anchor | None = None
    """The newest intact record's seq and hash."""

    @property
    def message(self) -> str:
        if self.broken_at is not None:
            return f"audit trail broken at seq {self.broken_at} ({self.intact} intact before it)"
        anchor = f"; anchor {self.head}" if self.head else ""
        return f"audit trail intact: {self.intact} records{anchor}"


class ChainCheck:
    """Checks records fed in ``seq`` order, in as many batches as needed, optionally against
    an ``anchor`` kept from an earlier check."""

    def __init__(self, anchor: Anchor | None = None) -> None:
        self.intact = 0
        self._anchor = anchor
        self._last_seq = 0
        self._last_hash = GENESIS_HASH

    def follows(self, entry: ChainedRecord) -> bool:
        """Whether ``entry`` is exactly the link the chain so far would make of its record
        (and matches the anchor, if it is the anchored one)."""
        if entry != link(entry.record, self._last_seq, self._last_hash):
            return False
        anchor = self._anchor
        if anchor is not None and anchor.seq == entry.seq and anchor.hash != entry.hash:
            return False
        self.intact += 1
        self._last_seq, self._last_hash = entry.seq, entry.hash
        return True

    def verification(self, broken_at: int | None) -> Verification:
        """The verdict once every record was fed, or one broke at ``broken_at``."""
        if broken_at is None and self._anchor is not None and self._last_seq < self._anchor.seq:
            broken_at = self._last_seq + 1  # records up to the anchor are gone
        head = Anchor(self._last_seq, self._last_hash) if self.intact else None
        return Verification(self.intact, broken_at, head)


def verify(entries: Iterable[ChainedRecord], check: ChainCheck | None = None) -> int | None:
    """The ``seq`` of the first record that breaks the chain, or None when it is intact.
    Pass a ``check`` to go on from an earlier batch."""
    check = check or ChainCheck()
    for entry in entries:
        if not check.follows(entry):
            return entry.seq
    return None
