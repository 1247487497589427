"""Refusals of access. The audit trail records their codes (``DENIALS`` in auditing.py)
with the outcome ``denied``."""

from ..domain.shared.errors import DomainError


class Forbidden(DomainError):
    """The principal may not do this (SEC-07)."""

    code = "FORBIDDEN"
    default_message = "your roles do not allow this"
