"""Checked identifiers (PARTY-01, PARTY-03): each invalid form gets its own typed error."""

import contextlib
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import luhn
from stdnum.cn import ric, uscc

from src.domain.parties.identifiers import (
    PROVINCES,
    BankAccount,
    BankCardNumber,
    CreditCode,
    IdNumber,
    InvalidBankAccount,
    InvalidBankCard,
    InvalidCreditCode,
    InvalidIdNumber,
    InvalidPhone,
    Phone,
)
from src.domain.shared.errors import InvalidInput
from tests.strategies import ANY_TEXT

VALID_ID = "110105199003070017"
VALID_CREDIT_CODE = "91110000600037341L"
TODAY = date(2026, 3, 1)
FULL_WIDTH = str.maketrans("0123456789+-LX", "０１２３４５６７８９＋－ＬＸ")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")


def with_id_check_digit(body: str) -> str:
    return body + ric.calc_check_digit(body + "0")


def other_check_digit(number: str) -> str:
    wrong = "0" if number[-1] != "0" else "1"
    return number[:-1] + wrong


class TestCreditCode:
    def test_party_01_a_valid_credit_code_is_kept_in_canonical_form(self) -> None:
        assert CreditCode(" 9111 0000 6000 3734 1l ").value == VALID_CREDIT_CODE

    @pytest.mark.parametrize(
        "bad",
        [
            other_check_digit(VALID_CREDIT_CODE),
            VALID_CREDIT_CODE[:-1],
            "A1110000600037341L",
            "91110000I0003734XL",
            "",
        ],
    )
    def test_party_01_invalid_credit_codes_are_refused(self, bad: str) -> None:
        with pytest.raises(InvalidCreditCode) as caught:
            CreditCode(bad)
        assert caught.value.code == "INVALID_CREDIT_CODE"

    @given(st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=10, max_size=10))
    def test_any_code_with_its_computed_check_character_is_accepted(self, tail: str) -> None:
        body = "91310104" + tail[:9]
        code = body + uscc.calc_check_digit(body)
        assert CreditCode(code).value == code
        wrong = next(c for c in "0123456789" if c != code[-1])
        with pytest.raises(InvalidCreditCode):
            CreditCode(code[:-1] + wrong)


class TestIdNumber:
    def test_party_03_a_valid_id_number_knows_its_birth_date_and_mask(self) -> None:
        number = IdNumber(VALID_ID)
        assert str(number.birth_date) == "1990-03-07"
        assert number.masked() == "110105********0017"

    def test_a_lower_case_x_check_digit_is_normalised(self) -> None:
        body = next(
            b
            for b in (f"11010519900307{n:03d}" for n in range(1000))
            if ric.calc_check_digit(b + "0") == "X"
        )
        assert IdNumber(body + "x").value == body + "X"

    def test_a_wrong_check_digit_is_refused(self) -> None:
        with pytest.raises(InvalidIdNumber, match="check digit"):
            IdNumber(other_check_digit(VALID_ID))

    @pytest.mark.parametrize("date", ["19900230", "19901301", "20230229"])
    def test_an_impossible_birth_date_is_refused_even_with_a_right_check_digit(
        self, date: str
    ) -> None:
        with pytest.raises(InvalidIdNumber, match="birth date"):
            IdNumber(with_id_check_digit(f"110105{date}001"))

    @pytest.mark.parametrize("province", ["00", "10", "16", "47", "72", "83", "99"])
    def test_party_03_a_code_that_is_no_province_is_refused(self, province: str) -> None:
        with pytest.raises(InvalidIdNumber, match="province"):
            IdNumber(with_id_check_digit(f"{province}010519900307001"))

    @pytest.mark.parametrize(
        "body",
        [
            "11011219850307001",  # Tongzhou District: its code dates from 1997, after the birth
            "11010319900307001",  # Chongwen District, abolished in 2010
            "11011019750307001",  # Yanshan District, renamed Fangshan (110111) in 1986
            "46010019800307001",  # Hainan became a province (46) only in 1988
        ],
    )
    def test_party_03_the_county_part_is_not_checked(self, body: str) -> None:
        """A number keeps the code of the county that issued it: county tables with dates
        (python-stdnum's refuses the first) would refuse real people's numbers."""
        number = with_id_check_digit(body)
        assert IdNumber.parse(number, TODAY).value == number

    def test_party_03_a_birth_date_before_1900_is_refused(self) -> None:
        with pytest.raises(InvalidIdNumber, match="before 1900"):
            IdNumber(with_id_check_digit("11010518991231001"))
        assert IdNumber(with_id_check_digit("11010519000101001")).birth_date == date(1900, 1, 1)

    def test_party_03_a_birth_date_after_today_is_refused(self) -> None:
        born_today = with_id_check_digit(f"110105{TODAY:%Y%m%d}001")
        assert IdNumber.parse(born_today, TODAY).birth_date == TODAY
        with pytest.raises(InvalidIdNumber, match="in the future") as caught:
            IdNumber.parse(born_today, TODAY - timedelta(days=1))
        assert caught.value.code == "INVALID_ID_NUMBER"

    def test_party_03_full_width_characters_are_read_and_the_ascii_form_kept(self) -> None:
        assert IdNumber(VALID_ID.translate(FULL_WIDTH)).value == VALID_ID
        body = "11010519900307005"
        assert with_id_check_digit(body) == body + "X"
        assert IdNumber(f"{body}ｘ").value == IdNumber(f"{body}Ｘ").value == body + "X"

    @pytest.mark.parametrize("digits", [ARABIC_INDIC, DEVANAGARI])
    def test_party_03_digits_of_other_scripts_are_refused(self, digits: dict[int, str]) -> None:
        with pytest.raises(InvalidIdNumber, match="17 digits"):
            IdNumber(VALID_ID.translate(digits))

    @given(
        st.sampled_from(sorted(PROVINCES)),
        st.integers(min_value=0, max_value=9999),
        st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
        st.integers(min_value=0, max_value=999),
    )
    def test_party_03_every_valid_number_is_accepted(
        self, province: int, county: int, born: date, serial: int
    ) -> None:
        number = with_id_check_digit(f"{province}{county:04d}{born:%Y%m%d}{serial:03d}")
        parsed = IdNumber.parse(number, TODAY)
        assert (parsed.value, parsed.birth_date) == (number, born)

    def test_issue_7_a_trusted_number_is_rebuilt_without_checking(self) -> None:
        assert IdNumber.trusted(VALID_ID) == IdNumber(VALID_ID)
        assert IdNumber.trusted(VALID_ID).masked() == "110105********0017"

    def test_the_legacy_15_digit_form_is_refused_with_its_own_message(self) -> None:
        with pytest.raises(InvalidIdNumber, match="15-digit"):
            IdNumber("110105900307001")

    @pytest.mark.parametrize("bad", ["", "11010519900307001", "1101051990030700AB"])
    def test_malformed_numbers_are_refused(self, bad: str) -> None:
        with pytest.raises(InvalidIdNumber):
            IdNumber(bad)

    @given(
        st.dates(min_value=date(1950, 1, 1), max_value=date(2025, 12, 31)),
        st.integers(min_value=0, max_value=999),
    )
    def test_check_digit_property(self, born: date, serial: int) -> None:
        number = with_id_check_digit(f"310104{born:%Y%m%d}{serial:03d}")
        assert IdNumber(number).value == number
        assert IdNumber(number).birth_date == born
        with pytest.raises(InvalidIdNumber):
            IdNumber(other_check_digit(number))


class TestBankCard:
    def test_party_03_a_luhn_valid_card_is_accepted_and_masked(self) -> None:
        card = BankCardNumber("6222 0212 3456 7890 128")
        assert card.value == "6222021234567890128"
        assert card.masked() == "**** 0128"

    @pytest.mark.parametrize("bad", ["6222021234567890127", "62220212345", "6222a21234567890128"])
    def test_invalid_cards_are_refused(self, bad: str) -> None:
        with pytest.raises(InvalidBankCard) as caught:
            BankCardNumber(bad)
        assert caught.value.code == "INVALID_BANK_CARD"

    @given(st.text(alphabet="0123456789", min_size=15, max_size=18))
    def test_luhn_property(self, body: str) -> None:
        card = body + luhn.calc_check_digit(body)
        assert BankCardNumber(card).value == card
        for digit in "0123456789":
            if digit != card[-1]:
                with pytest.raises(InvalidBankCard):
                    BankCardNumber(card[:-1] + digit)


class TestPhoneAndAccount:
    @pytest.mark.parametrize("given_", ["13812345678", "+86 138 1234 5678", "138-1234-5678"])
    def test_mobile_numbers_are_normalised_and_masked(self, given_: str) -> None:
        phone = Phone(given_)
        assert phone.value == "13812345678"
        assert phone.masked() == "138****5678"

    @pytest.mark.parametrize("bad", ["12812345678", "1381234567", "010-12345678", ""])
    def test_other_numbers_are_refused(self, bad: str) -> None:
        with pytest.raises(InvalidPhone):
            Phone(bad)

    def test_full_width_numbers_are_read_and_other_scripts_refused(self) -> None:
        assert Phone("＋８６ １３８－１２３４－５６７８").value == "13812345678"
        assert BankCardNumber("6222021234567890128".translate(FULL_WIDTH)).value == (
            "6222021234567890128"
        )
        assert BankAccount("招商银行", "１１００７９１９００００").account_number == "110079190000"
        assert CreditCode(VALID_CREDIT_CODE.translate(FULL_WIDTH)).value == VALID_CREDIT_CODE
        with pytest.raises(InvalidPhone):
            Phone("13" + "812345678".translate(ARABIC_INDIC))
        with pytest.raises(InvalidBankCard):
            BankCardNumber("6222021234567890128".translate(ARABIC_INDIC))
        with pytest.raises(InvalidBankAccount):
            BankAccount("招商银行", "110079190000".translate(DEVANAGARI))
        with pytest.raises(InvalidCreditCode):
            CreditCode(VALID_CREDIT_CODE.translate(ARABIC_INDIC))

    def test_an_account_needs_a_bank_and_8_to_32_digits(self) -> None:
        assert BankAccount(" 招商银行 ", "1100 7919 0000").account_number == "110079190000"
        with pytest.raises(InvalidBankAccount) as no_bank:
            BankAccount(" ", "110079190000")
        assert no_bank.value.field == "bank_name"
        with pytest.raises(InvalidBankAccount) as short:
            BankAccount("招商银行", "1234567")
        assert short.value.field == "account_number"


STORED_FORMS: list[Callable[[str], str]] = [
    lambda value: CreditCode(value).value,
    lambda value: IdNumber(value).value,
    lambda value: IdNumber.parse(value, TODAY).value,
    lambda value: BankCardNumber(value).value,
    lambda value: BankAccount("招商银行", value).account_number,
    lambda value: Phone(value).value,
]
DIGIT_LIKE = st.text(
    st.sampled_from("0123456789X０１２３４５６７８９Ｘ٠١٢٣٤٥٦٧٨٩०१२३४५६७८९²①𝟙 -+"),
    min_size=11,
    max_size=19,
)


@pytest.mark.parametrize("stored_form", STORED_FORMS)
@given(value=ANY_TEXT | DIGIT_LIKE)
def test_party_01_03_no_string_makes_a_parser_raise_anything_but_its_typed_error(
    stored_form: Callable[[str], str], value: str
) -> None:
    """What is accepted is kept in ASCII."""
    with contextlib.suppress(InvalidInput):
        assert stored_form(value).isascii()
