"""The read side's currency: a view is one record as a reader sees it, holding only the
fields the reader asked for (personal data masked unless the reader may see it in clear),
plus its ``id``."""

from collections.abc import Collection, Mapping
from typing import Protocol, TypeAlias, TypeVar
from uuid import UUID

from .pagination import Page, PageRequest

View: TypeAlias = Mapping[str, object]


F = TypeVar("F", contravariant=True)


class Views(Protocol[F]):
    """The read side of one kind of record, filtered by an ``F``."""

    async def page(self, where: F, request: PageRequest, fields: Collection[str]) -> Page[View]:
        """The views on one page, in id order; ``fields`` name what the reader asked for."""
        ...

    async def by_ids(self, ids: Collection[UUID], fields: Collection[str]) -> list[View]:
        """The views of those of ``ids`` that exist."""
        ...
