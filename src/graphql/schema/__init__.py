"""Assembles the schema from the per-module query and mutation types."""

from collections import defaultdict
from typing import Any
from uuid import UUID

import strawberry
from graphql import GraphQLSchema

from ...auth.policy import row_scope
from ...domain.shared.errors import InvalidInput, checked
from .audit import AuditQuery, audit_root_fields
from .context import Info
from .grants import GrantsMutation, GrantsQuery
from .identity import IdentityMutation, IdentityQuery
from .inputs import declare_text_rules
from .parties import NODE_TYPES, PartiesMutation, PartiesQuery
from .plain import read_plain_fields_directly
from .relay import Node, global_id, parse_global_id
from .step_up import StepUpMutation

MAX_NODES = 100


async def _load_nodes(info: Info, parsed: list[tuple[str, UUID]]) -> list[Node | None]:
    """Fetch objects of any type by (type, id): one query per type, in the order asked."""
    wanted: dict[str, list[UUID]] = defaultdict(list)
    for type_name, uuid in parsed:
        wanted[type_name].append(uuid)
    found: dict[str, Node] = {}
    for type_name, uuids in wanted.items():
        scope = row_scope(info.context.principal, type_name)
        visible = [uuid for uuid in uuids if scope.admits(uuid)]
        nodes = await NODE_TYPES[type_name].load(info, visible)
        found.update((node.id, node) for node in nodes if node is not None)
    return [found.get(global_id(type_name, uuid)) for type_name, uuid in parsed]


@strawberry.type
class Query(PartiesQuery, IdentityQuery, GrantsQuery, AuditQuery):
    @strawberry.field(description="Any object by its global id; null when there is none.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        return (await _load_nodes(info, [checked("id", parse_global_id, id, *NODE_TYPES)]))[0]

    @strawberry.field(description="Objects by global id, in the order given (at most 100).")
    async def nodes(self, info: Info, ids: list[strawberry.ID]) -> list[Node | None]:
        if len(ids) > MAX_NODES:
            raise InvalidInput(f"ask for at most {MAX_NODES} ids at a time", field="ids")
        parsed = [checked(f"ids.{i}", parse_global_id, id, *NODE_TYPES) for i, id in enumerate(ids)]
        return await _load_nodes(info, parsed)


@strawberry.type
class Mutation(PartiesMutation, IdentityMutation, StepUpMutation, GrantsMutation):
    pass


def build_schema() -> strawberry.Schema:
    schema = strawberry.Schema(query=Query, mutation=Mutation)
    core = graphql_core_schema(schema)
    read_plain_fields_directly(core)
    declare_text_rules(core)  # before auditing: the audit wrapper stays outermost
    audit_root_fields(core)
    return schema


def graphql_core_schema(schema: strawberry.Schema) -> GraphQLSchema:
    """The graphql-core schema strawberry built; the HTTP layer runs it directly (ADR 0003)."""
    core: Any = schema._schema
    return core  # type: ignore[no-any-return]
