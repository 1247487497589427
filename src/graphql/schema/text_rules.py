"""THE text rule table (issue 6, SEC-11): every String and ID a caller can send, named
``InputType.field`` for input-object fields and ``Type.field(argument)`` for arguments, with
its ``TextRule`` (src/domain/shared/text.py): maximum length, line breaks, normal form.

A module that adds a String or ID input adds its entry here: the schema refuses to build
without one (``inputs.declare_text_rules``), and a test checks the table names only inputs
that exist. Each limit fits its column (src/adapters/postgres/tables.py) and equals the
domain's own limit where it has one, so the "At most N characters." the schema describes is
the truth. Identifiers the domain parses (credit code, ID number, phone, bank card, account
number) get NFC only: the domain normalises their digits itself, in one place, and stores
them compacted (a credit code's 18 characters fit varchar(18) whatever separators came in).
"""

from collections.abc import Mapping
from types import MappingProxyType

from ...domain.shared.text import TextRule

NAME = TextRule(200)
"""Enterprise and institution names (the domain's ``required_text`` default)."""
PERSON_NAME = TextRule(50)
"""A worker's name, an enterprise's legal representative (the domain's limit)."""
ADDRESS = TextRule(200)
BANK_NAME = TextRule(100)
IDENTIFIER = TextRule(32)
"""Credit code (18), ID number (18), phone (11, or 14 with +86), bank card (16–19), with
room for the spaces and hyphens the domain strips."""
ACCOUNT_NUMBER = TextRule(64)
"""8–32 digits, with room for separators."""
BUSINESS_SCOPE = TextRule(2000, multiline=True)
REASON = TextRule(500, multiline=True)
LOGIN = TextRule(64)
"""``accounts.login`` is varchar(64); the lockout key ``login:<name>`` must fit varchar(160)."""
PASSWORD = TextRule(128, normal_form=None)
"""SEC-01's maximum; argon2 hashes it byte for byte, so it is never normalised."""
CODE = TextRule(16, normal_form="NFKC")
"""One-time codes and challenge answers: full-width digits and letters become ASCII."""
GLOBAL_ID = TextRule(100)
"""A global id is 64 characters for an 11-letter type name; a raw UUID 36."""
CURSOR = TextRule(100)
"""A cursor is 58 characters."""
TOKEN = TextRule(256)
"""A refresh token is 43 characters."""
OPERATION_NAME = TextRule(100)

CONNECTIONS = (
    "enterprises",
    "workers",
    "institutions",
    "mySessions",
    "myLoginLog",
    "pendingRoleGrants",
    "auditRecords",
)

TEXT_RULES: Mapping[str, TextRule] = MappingProxyType(
    {
        # --- Relay plumbing ---
        "Query.node(id)": GLOBAL_ID,
        "Query.nodes(ids)": GLOBAL_ID,
        **{f"Query.{connection}(after)": CURSOR for connection in CONNECTIONS},
        # --- parties (PARTY-01, PARTY-03, PARTY-05) ---
        "Query.workerPersonalData(id)": GLOBAL_ID,
        "EnterpriseFilterInput.nameContains": NAME,
        "EnterpriseFilterInput.creditCode": IDENTIFIER,
        "WorkerFilterInput.nameContains": PERSON_NAME,
        "WorkerFilterInput.idNumber": IDENTIFIER,
        "InstitutionFilterInput.nameContains": NAME,
        "OnboardEnterpriseInput.creditCode": IDENTIFIER,
        "EnterpriseProfileInput.name": NAME,
        "EnterpriseProfileInput.legalRepresentative": PERSON_NAME,
        "EnterpriseProfileInput.address": ADDRESS,
        "EnterpriseProfileInput.businessScope": BUSINESS_SCOPE,
        "EnterpriseProfileInput.phone": IDENTIFIER,
        "BankAccountInput.bankName": BANK_NAME,
        "BankAccountInput.accountNumber": ACCOUNT_NUMBER,
        "ChangeEnterpriseProfileInput.id": GLOBAL_ID,
        "ChangeEnterprisePayingAccountInput.id": GLOBAL_ID,
        "CloseEnterpriseInput.id": GLOBAL_ID,
        "CloseEnterpriseInput.reason": REASON,
        "RegisterWorkerInput.name": PERSON_NAME,
        "RegisterWorkerInput.idNumber": IDENTIFIER,
        "RegisterWorkerInput.phone": IDENTIFIER,
        "RegisterWorkerInput.bankCard": IDENTIFIER,
        "RegisterWorkerInput.address": ADDRESS,
        "ChangeWorkerContactInput.id": GLOBAL_ID,
        "ChangeWorkerContactInput.phone": IDENTIFIER,
        "ChangeWorkerContactInput.address": ADDRESS,
        "ChangeWorkerBankCardInput.id": GLOBAL_ID,
        "ChangeWorkerBankCardInput.bankCard": IDENTIFIER,
        "RegisterInstitutionInput.name": NAME,
        "RegisterInstitutionInput.creditCode": IDENTIFIER,
        "RegisterInstitutionInput.address": ADDRESS,
        "RegisterInstitutionInput.phone": IDENTIFIER,
        # --- identity and access (SEC-01…SEC-09) ---
        "LoginInput.login": LOGIN,
        "LoginInput.password": PASSWORD,
        "LoginInput.challengeId": GLOBAL_ID,
        "LoginInput.challengeAnswer": CODE,
        "RefreshSessionInput.refreshToken": TOKEN,
        "RevokeSessionInput.id": GLOBAL_ID,
        "UnlockAccountInput.login": LOGIN,
        "ConfirmTotpInput.code": CODE,
        "SetTransactionPasswordInput.currentPassword": PASSWORD,
        "SetTransactionPasswordInput.transactionPassword": PASSWORD,
        "StepUpInput.code": PASSWORD,  # a TOTP or SMS code, or the transaction password
        "RequestRoleGrantInput.login": LOGIN,
        "DecideRoleGrantInput.id": GLOBAL_ID,
        # --- audit (SEC-07, SEC-08) ---
        "AuditRecordFilterInput.operation": OPERATION_NAME,
    }
)
