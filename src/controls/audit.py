"""The audit trail (SEC-07, SEC-08): its records and their hash chain, the port it is
written and read through, and the ``AuditScope`` that turns one operation's outcome into its
record. Pure: no storage here (adapters/postgres/audit.py), no GraphQL (graphql/schema/audit.py).

Each record is sealed into the chain as a ``ChainedRecord``: its ``seq`` is the previous
one's plus 1 (the first is 1), its ``prev_hash`` is the previous one's ``hash`` (the first
follows ``GENESIS_HASH``), and its ``hash`` is SHA-256 over the canonical JSON of the seq, the
record's fields and ``prev_hash``. Changing, removing, inserting or reordering any record
breaks the chain at that point, which ``verify`` finds."""

import contextlib
import hashlib
import json
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol
from uuid import UUID

from ..auth.principal import Principal
from ..domain.shared.clock import Clock
from ..domain.shared.errors import DomainError
from ..domain.shared.ids import new_id
from ..domain.shared.pagination import Page, PageRequest
from ..domain.shared.wiring import Port

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


DENIALS = frozenset({"FORBIDDEN", "UNAUTHENTICATED", "STEP_UP_REQUIRED"})
"""The error codes that mean the caller was not allowed: recorded as ``denied``."""


@dataclass(frozen=True, slots=True)
class AuditFilter:
    operation: str | None = None
    actor_account_id: UUID | None = None
    occurred_from: datetime | None = None
    """Inclusive."""
    occurred_before: datetime | None = None
    """Exclusive."""


class AuditLog(Protocol):
    async def append(self, record: AuditRecord) -> None:
        """Chain ``record`` after the newest one in a transaction of its own (an operation
        that failed or was refused, a read, a preview). An operation's changes and its
        ``ok`` record commit together instead, through ``auditing`` (the unit of work's hook).
        """
        ...

    async def page(self, where: AuditFilter, request: PageRequest) -> Page[ChainedRecord]:
        """Records in ``seq`` order; ``request.after`` is a record's ``id``."""
        ...


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a request came from."""

    ip: str | None = None
    user_agent: str | None = None
    request_id: str | None = None


@dataclass(slots=True)
class AuditScope:
    """One operation being audited: who asks, from where, for what. Units of work made for it
    report the ids they touched and, when they commit, append its ``ok`` record."""

    operation: str
    principal: Principal
    origin: Origin
    clock: Clock
    touched: set[UUID] = field(default_factory=set)
    recorded: bool = False
    previewed: bool = False
    """A dry run (ADR 0016): its record says ``PREVIEW``, as nothing was kept."""
    ending: str | None = None
    """The error code the operation will end with after it commits (a failed sign-in keeps
    its counters): its committed record says so instead of ``ok``."""

    def record(
        self, outcome: Outcome, target_ids: Iterable[UUID], detail: str | None = None
    ) -> AuditRecord:
        principal = self.principal
        return AuditRecord(
            id=new_id(),
            occurred_at=self.clock.now(),
            operation=self.operation,
            outcome=outcome,
            actor_account_id=principal.account_id,
            client_id=principal.client_id,
            roles=tuple(sorted(role.value for role in principal.roles)),
            organisation_id=principal.organisation_id,
            target_ids=tuple(sorted(str(id) for id in target_ids)),
            ip=self.origin.ip,
            user_agent=self.origin.user_agent,
            request_id=self.origin.request_id,
            detail=detail,
        )

    def saw(self, ids: Iterable[UUID]) -> None:
        """A unit of work of this operation added, saved or locked ``ids``."""
        self.touched.update(ids)

    def committed(self, ids: Iterable[UUID]) -> AuditRecord | None:
        """The record of the operation's first unit of work to commit, having touched ``ids``
        (``ok``, or how it will end); None for any later one."""
        if self.recorded:
            return None
        self.recorded = True
        if self.ending is not None:
            return self.refused(self.ending, ids)
        return self.record(Outcome.OK, ids)

    def succeeded(self) -> AuditRecord | None:
        """The ``ok`` record of an operation that committed nothing (None if one did)."""
        if self.recorded:
            return None
        return self.record(Outcome.OK, self.touched, "PREVIEW" if self.previewed else None)

    def failed(self, error: Exception) -> AuditRecord:
        """The record of an operation that raised ``error``; its transactions rolled back."""
        return self.refused(
            error.code if isinstance(error, DomainError) else "INTERNAL_SERVER_ERROR"
        )

    def refused(self, code: str, ids: Iterable[UUID] = ()) -> AuditRecord:
        """The record of an operation that ended with error ``code``: ``denied`` for the codes
        of ``DENIALS``, else ``failed``."""
        outcome = Outcome.DENIED if code in DENIALS else Outcome.FAILED
        return self.record(outcome, {*self.touched, *ids}, code)


AUDIT_LOG: Port[AuditLog] = Port("audit log")


_SCOPE: ContextVar[AuditScope | None] = ContextVar("audit_scope", default=None)


def current_scope() -> AuditScope | None:
    """The audited operation whose code is running, if any: the units of work it opens append
    its record when they commit."""
    return _SCOPE.get()


@contextlib.contextmanager
def auditing(scope: AuditScope) -> Iterator[AuditScope]:
    """Run an operation's code as ``scope``'s (SEC-07)."""
    token = _SCOPE.set(scope)
    try:
        yield scope
    finally:
        _SCOPE.reset(token)
