"""Checked identifiers of the parties: each value object validates on construction and
knows its masked form (SEC-06). Input is read by the shared text policy
(``domain.shared.text``): full-width characters count as their ASCII forms and the ASCII
form is kept; digits of other scripts are refused.

- ``CreditCode``: unified social credit code, GB 32100-2015 check character.
- ``IdNumber``: resident ID number, GB 11643-1999 check digit, a province of GB/T 2260 and a
  real birth date from 1900 on (and, as input, not after today: ``IdNumber.parse``). The
  county part is not checked: a number keeps the code of the county that first issued it,
  even when that county was created after the birth date, renamed or abolished since. The
  15-digit legacy form (no check digit, two-digit year) is rejected: cards with it were
  withdrawn in 2013 and it cannot be verified.
- ``BankCardNumber``: a debit card for payouts, 16–19 digits with the Luhn check.
- ``BankAccount``: an enterprise's settlement account (bank name and account number; corporate
  account numbers carry no public check digit, so only their shape is checked).
- ``Phone``: a mainland mobile number.
"""

import re
from dataclasses import dataclass
from datetime import date
from typing import Self

from stdnum import luhn
from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidLength, ValidationError

from ..shared.errors import InvalidInput
from ..shared.text import is_ascii_digits, normalized


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
    return re.sub(r"[\s-]", "", normalized(value)).upper()


class _Identifier:
    """A value object holding one checked string, ``value``."""

    __slots__ = ()
    value: str

    @classmethod
    def trusted(cls, value: str) -> Self:
        """Rebuild a value the app itself checked and wrote (a database row) without checking
        it again: re-validation was 41% of a list request's CPU (issue 7). Never for input."""
        identifier = object.__new__(cls)
        object.__setattr__(identifier, "value", value)
        return identifier

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class CreditCode(_Identifier):
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


PROVINCES = frozenset(
    {
        *(11, 12, 13, 14, 15),  # North China
        *(21, 22, 23),  # North-east
        *(31, 32, 33, 34, 35, 36, 37),  # East
        *(41, 42, 43, 44, 45, 46),  # Central south
        *(50, 51, 52, 53, 54),  # South-west
        *(61, 62, 63, 64, 65),  # North-west
        *(71, 81, 82),  # Taiwan, Hong Kong, Macao
    }
)
"""Province-level codes of GB/T 2260: the first two digits of a resident ID number."""
EARLIEST_BIRTH_DATE = date(1900, 1, 1)
_ID_NUMBER_WEIGHTS = tuple(pow(2, 17 - position, 11) for position in range(17))


def _id_check_digit(body: str) -> str:
    """GB 11643 (ISO 7064 MOD 11-2) check character of an ID number's first 17 digits."""
    remainder = (1 - sum(int(d) * w for d, w in zip(body, _ID_NUMBER_WEIGHTS, strict=True))) % 11
    return "X" if remainder == 10 else str(remainder)


def _birth_date(number: str) -> date:
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidIdNumber("the ID number's birth date is not a real date") from None
    if born < EARLIEST_BIRTH_DATE:
        raise InvalidIdNumber("the ID number's birth date is before 1900")
    return born


@dataclass(frozen=True, slots=True)
class IdNumber(_Identifier):
    value: str

    def __post_init__(self) -> None:
        number = _compact(self.value)
        if len(number) == 15 and is_ascii_digits(number):
            raise InvalidIdNumber(
                "the 15-digit legacy ID number is not accepted; give the 18-digit number"
            )
        if len(number) != 18:
            raise InvalidIdNumber("a resident ID number has 18 characters")
        if not (is_ascii_digits(number[:17]) and number[17] in "0123456789X"):
            raise InvalidIdNumber("an ID number is 17 digits and a check digit or X")
        if number[17] != _id_check_digit(number[:17]):
            raise InvalidIdNumber("the ID number's check digit is wrong")
        if int(number[:2]) not in PROVINCES:
            raise InvalidIdNumber("the ID number's first two digits are not a province's code")
        _birth_date(number)
        object.__setattr__(self, "value", number)

    @classmethod
    def parse(cls, value: str, today: date) -> Self:
        """An ID number given as input on ``today``: valid, and its holder born by then."""
        number = cls(value)
        if number.birth_date > today:
            raise InvalidIdNumber("the ID number's birth date is in the future")
        return number

    @property
    def birth_date(self) -> date:
        return _birth_date(self.value)

    def age_on(self, day: date) -> int:
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    def masked(self) -> str:
        return f"{self.value[:6]}********{self.value[-4:]}"


@dataclass(frozen=True, slots=True)
class BankCardNumber(_Identifier):
    value: str

    def __post_init__(self) -> None:
        number = _compact(self.value)
        if not (is_ascii_digits(number) and 16 <= len(number) <= 19):
            raise InvalidBankCard("a bank card number has 16 to 19 digits")
        if not luhn.is_valid(number):
            raise InvalidBankCard("the bank card number fails its check digit")
        object.__setattr__(self, "value", number)

    def masked(self) -> str:
        return f"**** {self.value[-4:]}"


@dataclass(frozen=True, slots=True)
class BankAccount:
    bank_name: str
    account_number: str

    def __post_init__(self) -> None:
        name = self.bank_name.strip()
        number = _compact(self.account_number)
        if not 2 <= len(name) <= 100:
            raise InvalidBankAccount("give the bank's name", field="bank_name")
        if not (is_ascii_digits(number) and 8 <= len(number) <= 32):
            raise InvalidBankAccount(
                "a bank account number has 8 to 32 digits", field="account_number"
            )
        object.__setattr__(self, "bank_name", name)
        object.__setattr__(self, "account_number", number)

    @classmethod
    def trusted(cls, bank_name: str, account_number: str) -> Self:
        """Like ``_Identifier.trusted``: for rows the app itself checked and wrote."""
        account = object.__new__(cls)
        object.__setattr__(account, "bank_name", bank_name)
        object.__setattr__(account, "account_number", account_number)
        return account

    def masked_number(self) -> str:
        return f"**** {self.account_number[-4:]}"


_MOBILE = re.compile(r"1[3-9][0-9]{9}")


@dataclass(frozen=True, slots=True)
class Phone(_Identifier):
    value: str

    def __post_init__(self) -> None:
        number = _compact(self.value).removeprefix("+86")
        if not _MOBILE.fullmatch(number):
            raise InvalidPhone("a mainland mobile number has 11 digits starting 13–19")
        object.__setattr__(self, "value", number)

    def masked(self) -> str:
        return f"{self.value[:3]}****{self.value[-4:]}"
