"""Auditing at the API (SEC-07, SEC-08): every mutation is audited by construction, and the
auditor reads the trail (``auditRecords``, itself audited).

``audit_root_fields`` wraps the resolver of every root Mutation field, and of every root
Query field marked ``AUDITED``, in an ``AuditedResolver`` when the schema is built. A resolver
cannot opt out. The wrapper runs the field's code as its own ``AuditScope`` (principal, IP,
user agent, request id, the field's name as the operation; ``controls.audit.auditing``).
Then:

- the units of work the resolver makes append the ``ok`` record when they commit, in the same
  transaction, naming the ids their repositories added, saved or locked (the adapter's
  ``audit_commits`` opener does that, the resolver does nothing);
- if the resolver raises, its transactions have rolled back, so the ``failed`` or ``denied``
  record (with the error code) is appended in a short transaction of its own;
- if it returns without having committed anything (a read, a preview), the ``ok`` record is
  appended on its own too.

A document refused as a whole before it runs (by a policy check or the mutation guard)
reaches no resolver: ``audit_refusal`` records its audited root fields as ``denied``.
"""

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import datetime
from types import MappingProxyType
from typing import Any, Self
from uuid import UUID

import strawberry
from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLField,
    GraphQLFieldResolver,
    GraphQLResolveInfo,
    GraphQLSchema,
    OperationDefinitionNode,
    default_field_resolver,
)
from graphql.pyutils import is_awaitable

from ...auth.access import Forbidden
from ...auth.roles import Role
from ...controls import audit
from ...controls.audit import AUDIT_LOG, AuditFilter, AuditScope, Origin, auditing
from ...domain.shared.errors import InvalidInput
from ..transport.operations import root_fields
from .context import Context, Info
from .relay import Connection, Node, global_id, page_request

AUDITED: Mapping[str, bool] = MappingProxyType({"audited": True})
"""``strawberry.field(metadata=AUDITED)`` audits a root query field like a mutation."""

MAX_USER_AGENT = 512


def origin(context: Context) -> Origin:
    """The client's address as the ASGI server reports it (behind a proxy, run uvicorn with
    ``--forwarded-allow-ips`` so that it is the caller's, not the proxy's)."""
    request = context.request
    user_agent = request.headers.get("user-agent")
    return Origin(
        ip=request.client.host if request.client else None,
        user_agent=user_agent[:MAX_USER_AGENT] if user_agent else None,
        request_id=context.request_id,
    )


def scope_of(context: Context, operation: str) -> AuditScope:
    return AuditScope(operation, context.principal, origin(context), context.clock)


class AuditedResolver:
    def __init__(self, resolve: GraphQLFieldResolver) -> None:
        self.resolve = resolve

    async def __call__(self, root: Any, info: GraphQLResolveInfo[Context], **args: Any) -> Any:
        context = info.context
        log = context.wiring[AUDIT_LOG]
        with auditing(scope_of(context, info.field_name)) as scope:
            try:
                result = self.resolve(root, info, **args)
                if is_awaitable(result):
                    result = await result
            except Exception as error:
                if scope.ending is None:  # else its commit recorded how it ended
                    await log.append(scope.failed(error))
                raise
        record = scope.succeeded()
        if record is not None:
            await log.append(record)
        return result


def _marked_audited(field: GraphQLField) -> bool:
    definition = field.extensions.get("strawberry-definition")
    return bool(definition is not None and definition.metadata.get("audited"))


def audit_root_fields(schema: GraphQLSchema) -> None:
    """Wrap every Mutation field and every Query field marked ``AUDITED``."""
    mutations = schema.mutation_type.fields.values() if schema.mutation_type else ()
    queries = schema.query_type.fields.values() if schema.query_type else ()
    fields = [*mutations, *(field for field in queries if _marked_audited(field))]
    for field in fields:
        if not isinstance(field.resolve, AuditedResolver):
            field.resolve = AuditedResolver(field.resolve or default_field_resolver)


async def audit_refusal(
    context: Context,
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    errors: Sequence[GraphQLError],
) -> None:
    """Record a (validated) operation refused before it ran: each root field it selected that
    would have been audited gets a ``denied`` record, with the code of the error naming it
    (``extensions.field == "Mutation.closeEnterprise"``), else of the first error."""
    root = schema.get_root_type(operation.operation)
    assert root is not None, "the operation was validated against this schema"
    extensions = [error.extensions or {} for error in errors]
    codes = {e.get("field"): e.get("code") for e in reversed(extensions)}
    first = extensions[0].get("code") if extensions else None
    log = context.wiring[AUDIT_LOG]
    for qualified in sorted(root_fields(schema, document, operation)):
        name = qualified.split(".", 1)[1]
        if isinstance(root.fields[name].resolve, AuditedResolver):
            code = codes.get(qualified) or first or "FORBIDDEN"
            await log.append(scope_of(context, name).refused(code))


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
        page = await info.context.wiring[AUDIT_LOG].page(condition, request)
        return Connection[AuditRecord].of(page, request, AuditRecord.of, _key)
