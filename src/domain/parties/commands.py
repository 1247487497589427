"""The parties module's commands: the only input objects of its use cases (PARTY-01, PARTY-03,
PARTY-05). They carry what the caller typed; the handlers in ``service.py`` check it.

The GraphQL inputs subclass these (plain dataclasses, so that they can), adding at most the id
of the record a change is for: a field is declared once, here.
"""

from dataclasses import dataclass

from .model import InstitutionKind


@dataclass
class EnterpriseProfileDetails:
    name: str
    legal_representative: str
    address: str
    business_scope: str
    phone: str


@dataclass
class BankAccountDetails:
    bank_name: str
    account_number: str


@dataclass
class OnboardEnterprise:
    credit_code: str
    profile: EnterpriseProfileDetails
    paying_account: BankAccountDetails


@dataclass
class ChangeEnterpriseProfile:
    profile: EnterpriseProfileDetails


@dataclass
class ChangeEnterprisePayingAccount:
    paying_account: BankAccountDetails


@dataclass
class CloseEnterprise:
    reason: str


@dataclass
class RegisterWorker:
    name: str
    id_number: str
    phone: str
    bank_card: str
    address: str


@dataclass
class ChangeWorkerContact:
    phone: str
    address: str


@dataclass
class ChangeWorkerBankCard:
    bank_card: str


@dataclass
class RegisterInstitution:
    kind: InstitutionKind
    name: str
    credit_code: str
    address: str
    phone: str
