"""Relay conventions: global object ids, the ``Node`` interface, cursor connections."""

import base64
import binascii
from collections.abc import Callable
from typing import Generic, Self, TypeVar
from uuid import UUID

import strawberry

from ...domain.shared.errors import InvalidInput
from ...domain.shared.pagination import Page, PageRequest


class InvalidGlobalId(InvalidInput):
    code = "INVALID_ID"
    default_message = "this is not an id issued by this API"


class InvalidCursor(InvalidInput):
    code = "INVALID_CURSOR"
    default_message = "this is not a cursor issued by this API"
    default_field = "after"


def _encode(prefix: str, id: UUID) -> str:
    return base64.urlsafe_b64encode(f"{prefix}:{id}".encode()).decode().rstrip("=")


def _decode(value: str) -> tuple[str, UUID]:
    """Raise ValueError unless ``value`` is ``_encode(prefix, id)`` for some prefix and id."""
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError) as error:
        raise ValueError(value) from error
    prefix, _, id = raw.partition(":")
    return prefix, UUID(id)


def global_id(type_name: str, id: UUID) -> strawberry.ID:
    return strawberry.ID(_encode(type_name, id))


def parse_global_id(value: str, *expected: str) -> tuple[str, UUID]:
    """The type name and UUID inside a global id, which must be of one of ``expected`` types
    (any type when none is given)."""
    try:
        type_name, id = _decode(value)
    except ValueError:
        raise InvalidGlobalId() from None
    if expected and type_name not in expected:
        raise InvalidGlobalId(f"expected the id of a {' or '.join(expected)}")
    return type_name, id


def page_request(first: int, after: str | None) -> PageRequest:
    if after is None:
        return PageRequest(first=first)
    try:
        prefix, id = _decode(after)
    except ValueError:
        raise InvalidCursor() from None
    if prefix != "cursor":
        raise InvalidCursor()
    return PageRequest(first=first, after=id)


@strawberry.interface(description="An object with a global id, fetchable with `node(id:)`.")
class Node:
    id: strawberry.ID


N = TypeVar("N", bound=Node)
E = TypeVar("E")


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[N]):
    cursor: str
    node: N


@strawberry.type(description="A page of results; pass `pageInfo.endCursor` as `after`.")
class Connection(Generic[N]):
    edges: list[Edge[N]]
    page_info: PageInfo

    @strawberry.field(description="The nodes of the edges, for clients that need no cursors.")
    def nodes(self) -> list[N]:
        return [edge.node for edge in self.edges]

    @classmethod
    def of(
        cls,
        page: Page[E],
        request: PageRequest,
        to_node: Callable[[E], N],
        key: Callable[[E], UUID],
    ) -> Self:
        edges = [
            Edge(cursor=_encode("cursor", key(item)), node=to_node(item)) for item in page.items
        ]
        return cls(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next_page,
                has_previous_page=request.after is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )
