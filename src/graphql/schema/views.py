"""The read side at the API: which fields a query asks for, the page or batch of views that
answers it, and GraphQL objects made from views.

A list resolver is one call: ``connection(info, Enterprise, views.enterprises, where, first,
after)``. It asks the module's ``Views`` for the fields the query selects on the nodes (and
nothing else: no other column is read, no other personal data opened), then builds the
connection. ``load(info, Enterprise, views.enterprises, ids)`` does the same for a batch of
ids through a per-request DataLoader, so nested fields and ``node``/``nodes`` cost one query
per type and level, never one per row.
"""

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from uuid import UUID

from strawberry.dataloader import DataLoader
from strawberry.types.nodes import SelectedField, Selection
from strawberry.utils.str_converters import to_camel_case

from ...domain.shared.pagination import Page
from ...domain.shared.views import View, Views
from .context import Info
from .relay import Connection, Node, global_id, page_request

N = TypeVar("N", bound=Node)
F = TypeVar("F")


_NAMES: dict[type, Mapping[str, str]] = {}


def _python_names(cls: type) -> Mapping[str, str]:
    """GraphQL field name → python name, for a strawberry type."""
    if cls not in _NAMES:
        definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
        _NAMES[cls] = {
            field.graphql_name or to_camel_case(field.python_name): field.python_name
            for field in definition.fields
        }
    return _NAMES[cls]


def _selected(selections: Iterable[Selection], type_name: str) -> Iterable[SelectedField]:
    """The fields selected on an object of ``type_name``, through fragments that apply."""
    for selection in selections:
        if isinstance(selection, SelectedField):
            yield selection
        elif selection.type_condition in (None, type_name, "Node"):
            yield from _selected(selection.selections, type_name)


def _children(selections: Iterable[Selection], type_name: str, name: str) -> list[Selection]:
    return [
        child
        for field in _selected(selections, type_name)
        if field.name == name
        for child in field.selections
    ]


def requested(info: Info, cls: type[N], *, in_connection: bool = False) -> frozenset[str]:
    """The python names of the fields the current field selects on ``cls`` objects: on the
    object itself, or on the ``nodes`` and ``edges.node`` of a connection."""
    type_name = cls.__name__
    top = [
        child
        for field in info.selected_fields
        if isinstance(field, SelectedField)
        for child in field.selections
    ]
    if in_connection:
        edges = _children(top, "Connection", "edges")
        top = [*_children(top, "Connection", "nodes"), *_children(edges, "Edge", "node")]
    names = _python_names(cls)
    return frozenset(
        names[field.name] for field in _selected(top, type_name) if field.name in names
    ) - {"id"}


def of_view(cls: type[N], view: View, **nested: Any) -> N:
    """The ``cls`` object showing ``view``: only the fields it holds (the query asked for no
    others), with ``nested`` objects made by the caller and the global id."""
    node: N = cls.__new__(cls)
    node.__dict__.update(view, **nested, id=global_id(cls.__name__, _uuid(view)))
    return node


def _uuid(view: View) -> UUID:
    id = view["id"]
    assert isinstance(id, UUID)
    return id


async def connection(
    info: Info,
    cls: type[N],
    views: Views[F],
    where: F,
    first: int,
    after: str | None,
    to_node: Callable[[View], N] | None = None,
) -> Connection[N]:
    """A page of ``cls`` nodes from ``views``, asking only for the fields the query selects;
    ``to_node`` makes a node from a view when ``of_view`` alone does not (nested objects)."""
    request = page_request(first, after)
    page: Page[View] = await views.page(where, request, requested(info, cls, in_connection=True))
    make = to_node or (lambda view: of_view(cls, view))
    return Connection[N].of(page, request, make, _uuid)


async def load(
    info: Info, cls: type[N], views: Views[Any], ids: Sequence[UUID], fields: Collection[str]
) -> list[View | None]:
    """The views of ``ids`` (None where there is none), batched per request, type and set of
    fields: every call made while the same level of a query resolves shares one query."""
    key = (cls, frozenset(fields))
    loader: DataLoader[UUID, View | None] | None = info.context.loaders.get(key)
    if loader is None:

        async def batch(keys: list[UUID]) -> list[View | None]:
            found = {_uuid(view): view for view in await views.by_ids(keys, key[1])}
            return [found.get(id) for id in keys]

        loader = info.context.loaders[key] = DataLoader(load_fn=batch)
    return list(await loader.load_many(ids))


@dataclass(frozen=True, slots=True)
class NodeType(Generic[N]):
    """How ``node``/``nodes`` fetch objects of one type."""

    cls: type[N]
    views: Callable[[Info], Views[Any]]
    to_node: Callable[[View], N]

    async def load(self, info: Info, ids: Sequence[UUID]) -> list[N | None]:
        fields = requested(info, self.cls)
        views = await load(info, self.cls, self.views(info), ids, fields)
        return [None if view is None else self.to_node(view) for view in views]
