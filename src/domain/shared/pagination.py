"""Keyset pagination shared by every repository: a page is the ``first`` items after a key."""

from dataclasses import dataclass
from typing import Generic, TypeVar
from uuid import UUID

from .errors import InvalidInput

MAX_PAGE_SIZE = 100
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PageRequest:
    first: int = 20
    after: UUID | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.first <= MAX_PAGE_SIZE:
            raise InvalidInput(f"first must be between 0 and {MAX_PAGE_SIZE}", field="first")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    has_next_page: bool
