"""Sensitive mutations (SEC-04, ORD-03), named ``Type.field`` as the field-permission policy
names them: which take an idempotency key, which need a second confirmation, and the risks a
preview states. The policy table (``src/auth/policy.py``) is meant to absorb these markers."""

from collections.abc import Iterable, Mapping
from types import MappingProxyType

IDEMPOTENT_MUTATIONS: frozenset[str] = frozenset(
    {
        "Mutation.changeWorkerBankCard",
        "Mutation.changeEnterprisePayingAccount",
        "Mutation.closeEnterprise",
    }
)
"""A request selecting one of these must carry an ``Idempotency-Key`` header. Any other
mutation may carry one, and it is honoured."""

CONFIRMATION_RISKS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "Mutation.changeWorkerBankCard": (
            "Every payout from now on goes to the new card; payouts already made stay where "
            "they went.",
            "A card that is not the worker's own sends their income to someone else, and the "
            "platform cannot take it back.",
        ),
        "Mutation.changeEnterprisePayingAccount": (
            "Payments in are matched against the new account; transfers still arriving from "
            "the old account may not be recognised as this enterprise's.",
        ),
        "Mutation.closeEnterprise": (
            "The enterprise's account is closed for good: its profile and paying account can "
            "no longer change, and the API offers no way to reopen it.",
        ),
    }
)
"""What a preview of each mutation warns about. The real request must carry the confirmation
token the preview returned."""

CONFIRMED_MUTATIONS: frozenset[str] = frozenset(CONFIRMATION_RISKS)


def risks_of(fields: Iterable[str]) -> list[str]:
    """The risk statements of the selected fields, in a stable order."""
    return [risk for field in sorted(fields) for risk in CONFIRMATION_RISKS.get(field, ())]
