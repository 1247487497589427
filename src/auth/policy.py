"""The one permission policy (CARD-3, SEC-07): who may select each ``Type.field`` of the
schema, which fields need a fresh second factor (SEC-04), and which rows each role sees.

Default deny: a field with no entry is refused to everyone (a test fails when the schema has
a field this table does not cover). ``Type.*`` covers every field of a type not listed one by
one. Read-only roles (tax authority, regulator) appear in no mutation entry (tested)."""

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from types import MappingProxyType
from uuid import UUID

from .principal import Principal
from .roles import ENTERPRISE_STAFF, INSTITUTION_STAFF, PLATFORM_STAFF, READ_ONLY, Role

STEP_UP_MAX_AGE = timedelta(minutes=5)
STEP_UP_METHODS = ("totp", "sms", "transaction_password")


@dataclass(frozen=True, slots=True)
class Access:
    roles: frozenset[Role] = frozenset()
    public: bool = False
    """Anyone, signed in or not (signing in itself, for instance)."""
    step_up: bool = False
    """SEC-04: the caller must have proven a second factor within ``STEP_UP_MAX_AGE``."""
    idempotent: bool = False
    """SEC-04, ORD-03: a request running it carries an ``Idempotency-Key`` and runs no other
    mutation; its answer is kept and replayed (mark only answers that may be kept a day)."""
    risks: tuple[str, ...] = ()
    """SEC-04: when given, the mutation needs a second confirmation — a preview states these
    risks and returns the token the real request must carry."""

    def admits(self, principal: Principal) -> bool:
        return self.public or bool(self.roles & principal.roles)


SIGNED_IN = frozenset(Role)
PEOPLE = SIGNED_IN - {Role.PARTNER}
WRITERS = PEOPLE - READ_ONLY
"""Read-only roles run no mutation at all; they sign out with ``POST /logout``."""
PARTIES_READERS = (
    PLATFORM_STAFF | ENTERPRISE_STAFF | INSTITUTION_STAFF | {Role.TAX_AUTHORITY, Role.PARTNER}
)
"""Partner banks' systems read enterprise profiles (CARD-4), through trusted documents only."""
WORKER_READERS = PLATFORM_STAFF | {Role.TAX_AUTHORITY, Role.WORKER}
INSTITUTION_READERS = PLATFORM_STAFF | ENTERPRISE_STAFF | INSTITUTION_STAFF
ENTERPRISE_ADMINS = frozenset({Role.OPERATOR, Role.ENTERPRISE_ADMIN})
WORKER_SELF_SERVICE = frozenset({Role.OPERATOR, Role.WORKER})

_POLICY: dict[str, Access] = {
    # --- Relay plumbing: a page is readable by whoever may read its nodes ---
    "Query.node": Access(SIGNED_IN),
    "Query.nodes": Access(SIGNED_IN),
    "Node.id": Access(SIGNED_IN),
    "PageInfo.*": Access(SIGNED_IN),
    # --- parties (PARTY-01, PARTY-03, PARTY-05) ---
    "Query.enterprises": Access(PARTIES_READERS),
    "EnterpriseConnection.*": Access(PARTIES_READERS),
    "EnterpriseEdge.*": Access(PARTIES_READERS),
    "Enterprise.*": Access(PARTIES_READERS),
    "BankAccount.*": Access(PARTIES_READERS),
    "Query.workers": Access(WORKER_READERS),
    "WorkerConnection.*": Access(WORKER_READERS),
    "WorkerEdge.*": Access(WORKER_READERS),
    "Worker.*": Access(WORKER_READERS),
    "Query.workerPersonalData": Access(PLATFORM_STAFF, step_up=True),
    "WorkerPersonalData.*": Access(PLATFORM_STAFF),
    "Query.institutions": Access(INSTITUTION_READERS),
    "InstitutionConnection.*": Access(INSTITUTION_READERS),
    "InstitutionEdge.*": Access(INSTITUTION_READERS),
    "Institution.*": Access(INSTITUTION_READERS),
    "Mutation.onboardEnterprise": Access(frozenset({Role.OPERATOR})),
    "Mutation.changeEnterpriseProfile": Access(ENTERPRISE_ADMINS),
    "Mutation.changeEnterprisePayingAccount": Access(
        ENTERPRISE_ADMINS,
        step_up=True,
        idempotent=True,
        risks=(
            "Payments in are matched against the new account; transfers still arriving from "
            "the old account may not be recognised as this enterprise's.",
        ),
    ),
    "Mutation.closeEnterprise": Access(
        ENTERPRISE_ADMINS,
        step_up=True,
        idempotent=True,
        risks=(
            "The enterprise's account is closed for good: its profile and paying account can "
            "no longer change, and the API offers no way to reopen it.",
        ),
    ),
    "Mutation.registerWorker": Access(frozenset({Role.OPERATOR}) | ENTERPRISE_STAFF),
    "Mutation.changeWorkerContact": Access(WORKER_SELF_SERVICE),
    "Mutation.changeWorkerBankCard": Access(
        WORKER_SELF_SERVICE,
        step_up=True,
        idempotent=True,
        risks=(
            "Every payout from now on goes to the new card; payouts already made stay where "
            "they went.",
            "A card that is not the worker's own sends their income to someone else, and the "
            "platform cannot take it back.",
        ),
    ),
    "Mutation.registerInstitution": Access(frozenset({Role.OPERATOR})),
    # --- identity and access (SEC-01…SEC-09) ---
    "Mutation.loginChallenge": Access(public=True),
    "LoginChallenge.*": Access(public=True),
    "Mutation.login": Access(public=True),
    "Mutation.refreshSession": Access(public=True),
    "AuthPayload.*": Access(public=True),
    "Mutation.logout": Access(WRITERS),
    "Mutation.revokeSession": Access(WRITERS),
    "Query.me": Access(SIGNED_IN),
    "Me.*": Access(public=True),  # reached by signing in (AuthPayload.me) or by Query.me
    "Query.mySessions": Access(PEOPLE),
    "SessionInfo.*": Access(PEOPLE),
    "SessionInfoConnection.*": Access(PEOPLE),
    "SessionInfoEdge.*": Access(PEOPLE),
    "Query.myLoginLog": Access(PEOPLE),
    "LoginEventConnection.*": Access(PEOPLE),
    "LoginEventEdge.*": Access(PEOPLE),
    "LoginEvent.*": Access(PEOPLE),
    "Mutation.unlockAccount": Access(frozenset({Role.SECADMIN})),
    "Query.pendingRoleGrants": Access(frozenset({Role.SECADMIN})),
    "RoleGrant.*": Access(frozenset({Role.SECADMIN})),
    "RoleGrantConnection.*": Access(frozenset({Role.SECADMIN})),
    "RoleGrantEdge.*": Access(frozenset({Role.SECADMIN})),
    "Mutation.requestRoleGrant": Access(frozenset({Role.SECADMIN}), step_up=True),
    "Mutation.decideRoleGrant": Access(frozenset({Role.SECADMIN}), step_up=True),
    # --- the audit trail (SEC-07, SEC-08): the auditor alone reads it ---
    "Query.auditRecords": Access(frozenset({Role.AUDITOR})),
    "AuditRecordConnection.*": Access(frozenset({Role.AUDITOR})),
    "AuditRecordEdge.*": Access(frozenset({Role.AUDITOR})),
    "AuditRecord.*": Access(frozenset({Role.AUDITOR})),
    # --- second factors and step-up (SEC-04) ---
    "Mutation.enrolTotp": Access(WRITERS),
    "TotpEnrolment.*": Access(WRITERS),
    "Mutation.confirmTotp": Access(WRITERS),
    "Mutation.sendStepUpCode": Access(WRITERS),
    "SmsCodeSent.*": Access(WRITERS),
    "Mutation.setTransactionPassword": Access(WRITERS),
    "Mutation.stepUp": Access(WRITERS),
    "StepUpPayload.*": Access(WRITERS),
}
POLICY: Mapping[str, Access] = MappingProxyType(_POLICY)


IDEMPOTENT_MUTATIONS = frozenset(key for key, access in POLICY.items() if access.idempotent)
CONFIRMATION_RISKS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {key: access.risks for key, access in POLICY.items() if access.risks}
)


def access_for(type_name: str, field_name: str) -> Access | None:
    return POLICY.get(f"{type_name}.{field_name}") or POLICY.get(f"{type_name}.*")


class Rows(enum.Enum):
    ALL = "all"
    OWN_ORGANISATION = "own_organisation"
    SELF = "self"


_ROWS: dict[str, dict[Role, Rows]] = {
    # Staff of an enterprise or institution see only their own organisation's rows; a
    # partner's system reads enterprises only through documents an operator registered for it.
    "Enterprise": {
        **dict.fromkeys(PLATFORM_STAFF | {Role.TAX_AUTHORITY, Role.PARTNER}, Rows.ALL),
        **dict.fromkeys(ENTERPRISE_STAFF, Rows.OWN_ORGANISATION),
    },
    "Worker": {
        **dict.fromkeys(PLATFORM_STAFF | {Role.TAX_AUTHORITY}, Rows.ALL),
        Role.WORKER: Rows.SELF,
    },
    "Institution": {
        **dict.fromkeys(PLATFORM_STAFF | ENTERPRISE_STAFF, Rows.ALL),  # the marketplace's lenders
        **dict.fromkeys(INSTITUTION_STAFF, Rows.OWN_ORGANISATION),
    },
}
ROWS: Mapping[str, Mapping[Role, Rows]] = MappingProxyType(_ROWS)


@dataclass(frozen=True, slots=True)
class RowScope:
    """The rows of one type a principal may see: all of them, or only ``ids``."""

    ids: frozenset[UUID] | None

    def admits(self, id: UUID) -> bool:
        return self.ids is None or id in self.ids


def row_scope(principal: Principal, type_name: str) -> RowScope:
    """The union of what the principal's roles see of ``type_name``'s rows."""
    kinds = {ROWS.get(type_name, {}).get(role) for role in principal.roles}
    if Rows.ALL in kinds:
        return RowScope(None)
    ids: set[UUID] = set()
    if Rows.OWN_ORGANISATION in kinds and principal.organisation_id is not None:
        ids.add(principal.organisation_id)
    if Rows.SELF in kinds and principal.worker_id is not None:
        ids.add(principal.worker_id)
    return RowScope(frozenset(ids))
