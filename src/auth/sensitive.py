"""Sensitive mutations (SEC-04, ORD-03), named ``Type.field`` as the field-permission policy
names them: which take an idempotency key, which need a second confirmation, and the risks a
preview states. The policy table (``src/auth/policy.py``) is meant to absorb these markers."""

from collections.abc import Mapping
from types import MappingProxyType

IDEMPOTENT_MUTATIONS: frozenset[str] = frozenset(
    {
        "Mutation.changeWorkerBankCard",
        "Mutation.changeEnterprisePayingAccount",
        "Mutation.closeEnterprise",
    }
)
"""A request selecting one of these must carry an ``Idempotency-Key`` header, and may select
no other mutation. On other mutations the header is ignored: their answers are not stored,
so no secret (a sign-in's tokens) or clear-text personal data is ever kept in the records.
Mark only mutations whose answers may be kept for a day."""

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
"""The mutations that need a second confirmation, which are also the only ones a client can
preview, and what their preview warns about. The real request must carry the confirmation
token the preview returned."""
