"""Every mutation is audited (SEC-07), by construction: ``audit_root_fields`` wraps the
resolver of every root Mutation field, and of every root Query field marked ``AUDITED``, in
an ``AuditedResolver`` when the schema is built. A resolver cannot opt out.

The wrapper gives the field its own ``AuditScope`` (principal, IP, user agent, request id,
the field's name as the operation) on a copy of the context. Then:

- the units of work the resolver makes append the ``ok`` record when they commit, in the same
  transaction, naming the ids their repositories added, saved or locked;
- if the resolver raises, its transactions have rolled back, so the ``failed`` or ``denied``
  record (with the error code) is appended in a short transaction of its own;
- if it returns without having committed anything (a read), the ``ok`` record is appended on
  its own too.

A document refused as a whole before it runs (by a policy check) reaches no resolver:
``audit_refusal`` records its audited root fields as ``denied``.
"""

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLFieldResolver,
    GraphQLResolveInfo,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    default_field_resolver,
)
from graphql.pyutils import is_awaitable

from ...controls.audit import AuditRecord
from ...controls.auditing import AuditScope, Origin
from .context import Context

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


async def append_alone(context: Context, record: AuditRecord) -> None:
    """Append ``record`` in a transaction of its own."""
    async with context.units_of_work(None) as uow:
        await uow.audit.append(record)
        await uow.commit()


@dataclasses.dataclass(frozen=True, slots=True)
class AuditedResolver:
    resolve: GraphQLFieldResolver

    async def __call__(self, root: Any, info: GraphQLResolveInfo[Context], **args: Any) -> Any:
        context = info.context
        scope = AuditScope(info.field_name, context.principal, origin(context), context.clock)
        audited = info._replace(context=dataclasses.replace(context, audit_scope=scope))
        try:
            result = self.resolve(root, audited, **args)
            if is_awaitable(result):
                result = await result
        except Exception as error:
            if scope.ending is None:  # else its commit recorded how it ended
                await append_alone(context, scope.failed(error))
            raise
        record = scope.succeeded()
        if record is not None:
            await append_alone(context, record)
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


def _root_field_names(
    selection_set: SelectionSetNode, fragments: Mapping[str, FragmentDefinitionNode]
) -> Iterator[str]:
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            yield selection.name.value
        elif isinstance(selection, InlineFragmentNode):
            yield from _root_field_names(selection.selection_set, fragments)
        elif isinstance(selection, FragmentSpreadNode):
            spread = fragments[selection.name.value].selection_set
            yield from _root_field_names(spread, fragments)


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
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    names = dict.fromkeys(_root_field_names(operation.selection_set, fragments))
    audited = [
        name
        for name in names
        if name in root.fields and isinstance(root.fields[name].resolve, AuditedResolver)
    ]
    if not audited:
        return
    async with context.units_of_work(None) as uow:
        for name in audited:
            scope = AuditScope(name, context.principal, origin(context), context.clock)
            code = codes.get(f"{root.name}.{name}") or first or "FORBIDDEN"
            await uow.audit.append(scope.refused(code))
        await uow.commit()
