"""Named sockets the composition root plugs implementations into.

A module declares what its callers need as a typed ``Port`` (``PARTIES =
Port[Callable[[], PartiesUnitOfWork]]("parties")``); ``src/app.py`` plugs an adapter into
each one; a resolver asks the request's ``Wiring`` for it (``wiring[PARTIES]``) and gets it
typed. A new module adds its ports and one line each in the composition root: the context
and the other modules do not change.
"""

from collections.abc import Mapping
from typing import Any, Generic, TypeVar, cast

T = TypeVar("T")


class Port(Generic[T]):
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"Port({self.name!r})"


class Wiring:
    """What is plugged into each port."""

    def __init__(self, plugged: Mapping[Port[Any], Any]) -> None:
        self._plugged = dict(plugged)

    def __getitem__(self, port: Port[T]) -> T:
        try:
            return cast(T, self._plugged[port])
        except KeyError:
            raise LookupError(f"nothing is plugged into {port!r}") from None
