"""Checked identifiers of the parties: each value object validates on construction and
knows its masked form (SEC-06).

- ``CreditCode``: unified social credit code, GB 32100-2015 check character.
- ``IdNumber``: resident ID number, GB 11643-1999 check digit, a real birth date and a known
  region. The 15-digit legacy form (no check digit, two-digit year) is rejected: cards with it
  were withdrawn in 2013 and it cannot be verified.
- ``BankCardNumber``: a debit card for payouts, 16–19 digits with the Luhn check.
- ``BankAccount``: an enterprise's settlement account (bank name and account number; corporate
  account numbers carry no public check digit, so only their shape is checked).
- ``Phone``: a mainland mobile number.
"""

import re
from dataclasses import dataclass
from datetime import date

from stdnum import luhn
from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidLength, ValidationError

from ..shared.errors import InvalidInput


class InvalidCreditCode(InvalidInput):
    code = "INVALID_CREDIT_CODE"


class InvalidIdNumber(InvalidInput):
    code = "INVALID_ID_NUMBER"


class InvalidBankCard(InvalidInput):
    code = "INVALID_BANK_CARD"


class InvalidBankAccount(InvalidInput):
    code = "INVALID_BANK_ACCOUNT"


class InvalidPhone(InvalidInput):
    code = "INVALID_PHONE"


def _compact(value: str) -> str:
    return re.sub(r"[\s-]", "", value).upper()


@dataclass(frozen=True, slots=True)
class CreditCode:
    value: str

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "value", uscc.validate(_compact(self.value)))
        except InvalidLength:
            raise InvalidCreditCode("a unified social credit code has 18 characters") from None
        except InvalidChecksum:
            raise InvalidCreditCode("the credit code's check character is wrong") from None
        except ValidationError:
            raise InvalidCreditCode(
                "a credit code is 8 digits then 10 digits or capital letters (not I, O, Z, S, V)"
            ) from None

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class IdNumber:
    value: str

    def __post_init__(self) -> None:
        number = _compact(self.value)
        if len(number) == 15 and number.isdigit():
            raise InvalidIdNumber(
                "the 15-digit legacy ID number is not accepted; give the 18-digit number"
            )
        try:
            object.__setattr__(self, "value", ric.validate(number))
        except InvalidLength:
            raise InvalidIdNumber("a resident ID number has 18 characters") from None
        except InvalidChecksum:
            raise InvalidIdNumber("the ID number's check digit is wrong") from None
        except InvalidComponent:
            raise InvalidIdNumber(
                "the ID number has an impossible birth date or an unknown region code"
            ) from None
        except ValidationError:
            raise InvalidIdNumber("an ID number is 17 digits and a check digit or X") from None

    @property
    def birth_date(self) -> date:
        return ric.get_birth_date(self.value)

    def age_on(self, day: date) -> int:
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    def masked(self) -> str:
        return f"{self.value[:6]}********{self.value[-4:]}"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class BankCardNumber:
    value: str

    def __post_init__(self) -> None:
        number = _compact(self.value)
        if not (number.isdigit() and 16 <= len(number) <= 19):
            raise InvalidBankCard("a bank card number has 16 to 19 digits")
        if not luhn.is_valid(number):
            raise InvalidBankCard("the bank card number fails its check digit")
        object.__setattr__(self, "value", number)

    def masked(self) -> str:
        return f"**** {self.value[-4:]}"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class BankAccount:
    bank_name: str
    account_number: str

    def __post_init__(self) -> None:
        name = self.bank_name.strip()
        number = _compact(self.account_number)
        if not 2 <= len(name) <= 100:
            raise InvalidBankAccount("give the bank's name", field="bank_name")
        if not (number.isdigit() and 8 <= len(number) <= 32):
            raise InvalidBankAccount(
                "a bank account number has 8 to 32 digits", field="account_number"
            )
        object.__setattr__(self, "bank_name", name)
        object.__setattr__(self, "account_number", number)

    def masked_number(self) -> str:
        return f"**** {self.account_number[-4:]}"


_MOBILE = re.compile(r"1[3-9]\d{9}")


@dataclass(frozen=True, slots=True)
class Phone:
    value: str

    def __post_init__(self) -> None:
        number = _compact(self.value).removeprefix("+86")
        if not _MOBILE.fullmatch(number):
            raise InvalidPhone("a mainland mobile number has 11 digits starting 13–19")
        object.__setattr__(self, "value", number)

    def masked(self) -> str:
        return f"{self.value[:3]}****{self.value[-4:]}"

    def __str__(self) -> str:
        return self.value
