"""What is compared: each case is one GraphQL request to Flexfin and the listing the reference
server answers the same JSON for. The operator's queries are made from the listing's fields,
so both sides always select the same thing; the partner's is the demo trusted document."""

from dataclasses import dataclass, field
from typing import Any, Literal


def mask_id_number(value: str) -> str:
    return f"{value[:6]}********{value[-4:]}"


def mask_phone(value: str) -> str:
    return f"{value[:3]}****{value[-4:]}"


def mask_card(value: str) -> str:
    return f"**** {value[-4:]}"


@dataclass(frozen=True)
class Listing:
    """The first ``first`` rows of a table in id order, as a Relay connection's ``nodes`` and
    ``pageInfo { hasNextPage endCursor }``."""

    root: str
    """The Query field, e.g. ``workers``."""
    type_name: str
    """The global ids' type, e.g. ``Worker``."""
    table: str
    fields: dict[str, str]
    """GraphQL field → SQL expression over the table's columns (``id`` is added)."""
    sealed: dict[str, tuple[str, Any]] = field(default_factory=dict)
    """GraphQL field → (sealed column, mask): decrypted with the app's cipher, then masked."""

    def query(self, first: int) -> str:
        names = " ".join(["id", *self.fields, *self.sealed])
        return (
            f"{{ {self.root}(first: {first}) {{ nodes {{ {names} }} "
            "pageInfo { hasNextPage endCursor } } }"
        )


@dataclass(frozen=True)
class Case:
    key: str
    title: str
    caller: Literal["partner", "operator"]
    listing: Listing
    first: int
    document_id: str | None = None
    """A trusted document the partner runs instead of a query text."""

    def graphql_body(self) -> dict[str, Any]:
        if self.document_id:
            return {"documentId": self.document_id, "variables": {"first": self.first}}
        return {"query": self.listing.query(self.first)}

    @property
    def reference_path(self) -> str:
        return f"/{self.key}?first={self.first}"


PARTNER_ENTERPRISES = Listing(
    "enterprises",
    "Enterprise",
    "enterprises",
    {"name": "name", "creditCode": "credit_code", "status": "upper(status)"},
)
"""The fields of ``demo.enterprises.v1`` (src/partner_admin.py)."""

ENTERPRISES = Listing(
    "enterprises",
    "Enterprise",
    "enterprises",
    {
        "creditCode": "credit_code",
        "name": "name",
        "legalRepresentative": "legal_representative",
        "address": "address",
        "status": "upper(status)",
    },
    {"phone": ("phone", mask_phone)},
)

WORKERS = Listing(
    "workers",
    "Worker",
    "workers",
    {"name": "name", "address": "address"},
    {
        "idNumber": ("id_number", mask_id_number),
        "phone": ("phone", mask_phone),
        "bankCard": ("bank_card", mask_card),
    },
)

CASES = (
    Case(
        "partner",
        "partner: demo.enterprises.v1, first 20",
        "partner",
        PARTNER_ENTERPRISES,
        20,
        document_id="demo.enterprises.v1",
    ),
    Case("workers", "operator: workers(first: 100)", "operator", WORKERS, 100),
    Case("enterprises", "operator: enterprises(first: 100)", "operator", ENTERPRISES, 100),
)
