"""The audit trail, for the auditor (SEC-07, SEC-08): ``auditRecords``, itself audited."""

import dataclasses
from datetime import datetime
from typing import Self
from uuid import UUID

import strawberry

from ...auth.access import Forbidden
from ...auth.roles import Role
from ...controls import audit
from ...controls.auditing import AuditFilter
from ...domain.shared.errors import InvalidInput
from .auditing import AUDITED
from .context import Info
from .relay import Connection, Node, global_id, page_request

AuditOutcome = strawberry.enum(audit.Outcome, name="AuditOutcome")


@strawberry.type(
    description="One entry of the append-only, hash-chained audit trail (SEC-07, SEC-08)."
)
class AuditRecord(Node):
    seq: str = strawberry.field(
        description="Position in the chain: 1, 2, 3 … with no gaps (decimal, up to 64 bits)."
    )
    occurred_at: datetime
    operation: str = strawberry.field(
        description="The mutation or query field (`registerWorker`), or an event (`login`)."
    )
    outcome: AuditOutcome  # type: ignore[valid-type]
    detail: str | None = strawberry.field(description="The error code when not OK.")
    actor_account_id: UUID | None
    client_id: str | None = strawberry.field(description="A partner system's client id.")
    roles: list[str]
    organisation_id: UUID | None
    target_ids: list[str] = strawberry.field(
        description="UUIDs of the records the operation added, changed or locked."
    )
    ip: str | None
    user_agent: str | None
    request_id: str | None
    prev_hash: str = strawberry.field(description="The previous record's `hash`.")
    hash: str = strawberry.field(
        description="SHA-256 (hex) of this record's canonical JSON with `prevHash`."
    )

    @classmethod
    def of(cls, entry: audit.ChainedRecord) -> Self:
        """The record's fields one to one, its id made global, and the chain's fields."""
        record = entry.record
        fields = {f.name: getattr(record, f.name) for f in dataclasses.fields(record)}
        return cls(
            **fields | {"id": global_id("AuditRecord", record.id)},
            seq=str(entry.seq),
            prev_hash=entry.prev_hash,
            hash=entry.hash,
        )


@strawberry.input
class AuditRecordFilterInput:
    operation: str | None = None
    actor_account_id: UUID | None = None
    from_: datetime | None = strawberry.field(
        default=None, name="from", description="Occurred at or after (with a time zone)."
    )
    to: datetime | None = strawberry.field(
        default=None, description="Occurred before (with a time zone)."
    )


def _aware(moment: datetime | None, field: str) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        raise InvalidInput("give the time with a time zone offset", field=field)
    return moment


def _key(entry: audit.ChainedRecord) -> UUID:
    return entry.record.id


@strawberry.type
class AuditQuery:
    @strawberry.field(
        description="The audit trail, oldest first; only for the `auditor` role (SEC-08). "
        "Reading it is audited too.",
        metadata=AUDITED,
    )
    async def audit_records(
        self,
        info: Info,
        first: int = 20,
        after: str | None = None,
        where: AuditRecordFilterInput | None = None,
    ) -> Connection[AuditRecord]:
        # Until the central policy table: the auditor, and only the auditor, reads the trail.
        if Role.AUDITOR not in info.context.principal.roles:
            raise Forbidden("only an auditor may read the audit trail")
        request = page_request(first, after)
        where = where or AuditRecordFilterInput()
        condition = AuditFilter(
            operation=where.operation,
            actor_account_id=where.actor_account_id,
            occurred_from=_aware(where.from_, "where.from"),
            occurred_before=_aware(where.to, "where.to"),
        )
        async with info.context.unit_of_work() as uow:
            page = await uow.audit.page(condition, request)
        return Connection[AuditRecord].of(page, request, AuditRecord.of, _key)
