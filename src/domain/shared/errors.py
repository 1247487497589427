"""Domain errors carry a stable machine-readable ``code`` and, when one input caused them,
the ``field`` that did. The API layer turns them into GraphQL errors with
``extensions.code`` and ``extensions.field`` (see docs/api.md)."""

from collections.abc import Callable
from typing import ClassVar, TypeVar

T = TypeVar("T")


class DomainError(Exception):
    """A rule of the business was broken; the caller can act on it."""

    code: ClassVar[str] = "DOMAIN_ERROR"
    default_message: ClassVar[str] = "the request breaks a business rule"
    default_field: ClassVar[str | None] = None

    def __init__(self, message: str | None = None, *, field: str | None = None) -> None:
        self.message = message or self.default_message
        self.field = field or self.default_field
        super().__init__(self.message)

    def at(self, field: str) -> "DomainError":
        """Place the error inside input ``field``: ``"phone"`` becomes ``"profile.phone"``,
        and an error that named no field is now about ``field`` itself."""
        self.field = field if self.field is None else f"{field}.{self.field}"
        return self

    def under(self, argument: str) -> "DomainError":
        """Prefix the field path with the argument it came in, if the error names a field."""
        if self.field is not None:
            self.field = f"{argument}.{self.field}"
        return self


class InvalidInput(DomainError):
    code = "INVALID_INPUT"


class NotFound(DomainError):
    code = "NOT_FOUND"


class AlreadyExists(DomainError):
    code = "ALREADY_EXISTS"


class InvalidStateTransition(DomainError):
    code = "INVALID_STATE_TRANSITION"


def checked(field: str, make: Callable[..., T], *args: object) -> T:
    """Build a value from input, naming ``field`` on any domain error it raises."""
    try:
        return make(*args)
    except DomainError as error:
        raise error.at(field) from None
