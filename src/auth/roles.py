"""Roles, by their glossary names, and the groups the policy speaks of."""

from enum import StrEnum


class Role(StrEnum):
    WORKER = "worker"
    ENTERPRISE_ADMIN = "enterprise_admin"
    ENTERPRISE_OPERATOR = "enterprise_operator"
    BANK_ADMIN = "bank_admin"
    BANK_OPERATOR = "bank_operator"
    INSURER_ADMIN = "insurer_admin"
    INSURER_OPERATOR = "insurer_operator"
    GUARANTOR_ADMIN = "guarantor_admin"
    GUARANTOR_OPERATOR = "guarantor_operator"
    OPERATOR = "operator"
    """Platform staff."""
    REVIEWER = "reviewer"
    RISK_OFFICER = "risk_officer"
    SYSADMIN = "sysadmin"
    """Separation of duties (SEC-08): runs the system, reads no business PII."""
    SECADMIN = "secadmin"
    """Grants roles and unlocks accounts; cannot approve their own grant."""
    AUDITOR = "auditor"
    """The only reader of the audit trail."""
    TAX_AUTHORITY = "tax_authority"
    """Read-only (GOV-01)."""
    REGULATOR = "regulator"
    """Read-only aggregates."""
    PARTNER = "partner"
    """A partner bank's system, machine to machine (CARD-4)."""


ENTERPRISE_STAFF = frozenset({Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_OPERATOR})
INSTITUTION_STAFF = frozenset(
    {
        Role.BANK_ADMIN,
        Role.BANK_OPERATOR,
        Role.INSURER_ADMIN,
        Role.INSURER_OPERATOR,
        Role.GUARANTOR_ADMIN,
        Role.GUARANTOR_OPERATOR,
    }
)
PLATFORM_STAFF = frozenset({Role.OPERATOR, Role.REVIEWER, Role.RISK_OFFICER})
READ_ONLY = frozenset({Role.TAX_AUTHORITY, Role.REGULATOR})
"""Roles that may run no mutation at all."""
