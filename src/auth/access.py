"""Refusals of access. The audit trail records them with the outcome ``denied``."""

from ..domain.shared.errors import DomainError


class Forbidden(DomainError):
    """The principal may not do this (SEC-07). Subclass it for other refusals (a missing
    step-up, …) so that they too are audited as ``denied``."""

    code = "FORBIDDEN"
    default_message = "your roles do not allow this"
