"""Enforcing the policy table (src/auth/policy.py) on every document before it runs: each
selected ``Type.field`` must admit the caller, and step-up fields need a fresh second factor.
A document is refused whole, so nothing half-runs."""

from datetime import datetime
from typing import Any

from graphql import FieldNode, GraphQLError, ValidationRule

from ...auth.policy import STEP_UP_MAX_AGE, STEP_UP_METHODS, access_for
from ...auth.principal import Principal
from ...auth.roles import READ_ONLY


def policy_rule(principal: Principal, now: datetime) -> type[ValidationRule]:
    class PolicyRule(ValidationRule):
        def enter_field(self, node: FieldNode, *_args: Any) -> None:
            parent = self.context.get_parent_type()
            name = node.name.value
            if parent is None or name.startswith("__") or parent.name.startswith("__"):
                return  # introspection: governed by the API limits, not by roles
            access = access_for(parent.name, name)
            read_only = bool(principal.roles) and principal.roles <= READ_ONLY
            writes = parent.name == "Mutation"
            if access is None or not access.admits(principal) or (read_only and writes):
                code = "FORBIDDEN" if principal.is_authenticated else "UNAUTHENTICATED"
                self.report_error(
                    GraphQLError(
                        f"{parent.name}.{name} is not open to "
                        + ("your roles" if principal.is_authenticated else "anonymous callers"),
                        node,
                        extensions={"code": code, "field": f"{parent.name}.{name}"},
                    )
                )
            elif access.step_up and not principal.stepped_up_within(STEP_UP_MAX_AGE, now):
                self.report_error(
                    GraphQLError(
                        f"{parent.name}.{name} needs a second factor proven in the last "
                        f"{int(STEP_UP_MAX_AGE.total_seconds())} seconds: call stepUp first",
                        node,
                        extensions={
                            "code": "STEP_UP_REQUIRED",
                            "acceptedMethods": list(STEP_UP_METHODS),
                            "maxAge": int(STEP_UP_MAX_AGE.total_seconds()),
                        },
                    )
                )

    return PolicyRule


STEP_UP_CHALLENGE = (
    'Bearer error="insufficient_user_authentication", '
    f"max_age={int(STEP_UP_MAX_AGE.total_seconds())}"
)
"""RFC 9470's answer when a fresher authentication is needed."""


def denial_headers(errors: list[GraphQLError]) -> dict[str, str]:
    codes = {(e.extensions or {}).get("code") for e in errors}
    if "STEP_UP_REQUIRED" in codes:
        return {"WWW-Authenticate": STEP_UP_CHALLENGE}
    return {"WWW-Authenticate": "Bearer"} if "UNAUTHENTICATED" in codes else {}


def denial_status(errors: list[GraphQLError]) -> int:
    """401 when the caller must (re)authenticate, else 403."""
    codes = {(e.extensions or {}).get("code") for e in errors}
    return 401 if codes & {"UNAUTHENTICATED", "STEP_UP_REQUIRED"} else 403
