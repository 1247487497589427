"""Text from outside, in one place (issue 6, SEC-11: no input crashes the server).

A ``TextRule`` is what every string argument of the API must be before anything stores or
compares it: well-formed Unicode (no lone surrogates) without control characters (C0, DEL,
C1, and the line and paragraph separators U+2028/U+2029; a ``multiline`` rule lets ``\n`` and
``\t`` through), put in its normal form (NFC, or NFKC for codes typed on phones' full-width
keyboards; ``None`` leaves secrets such as passwords byte for byte), and refused when the
normal form is longer than ``max_length`` code points.

``normalized`` and ``is_ascii_digits`` are the policy for every code and digit-string
identifier (ID numbers, bank cards and accounts, phones, credit codes, one-time and TOTP
codes): full-width and other compatibility forms count as the plain character, digits of
other scripts do not count as digits. ``utf8`` encodes any string, lone surrogates included,
for hashing and comparing."""

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from .errors import InvalidInput

LONE_SURROGATE = re.compile("[\ud800-\udfff]")
"""In a Python string decoded from UTF-8 or JSON, any surrogate is a lone one."""
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_BUT_LINES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


class InvalidText(InvalidInput):
    code = "INVALID_TEXT"


class TooLong(InvalidInput):
    code = "TOO_LONG"


@dataclass(frozen=True, slots=True)
class TextRule:
    max_length: int
    multiline: bool = False
    """``\\n`` and ``\\t`` allowed (free text such as reasons); other controls never are."""
    normal_form: Literal["NFC", "NFKC"] | None = "NFC"

    @property
    def description(self) -> str:
        lines = " Line breaks and tabs allowed." if self.multiline else ""
        return f"At most {self.max_length} characters.{lines}"

    def applied(self, value: str, field: str) -> str:
        """``value`` in its normal form, or ``InvalidText``/``TooLong`` naming ``field``."""
        if LONE_SURROGATE.search(value):
            raise InvalidText(f"{field} is not well-formed Unicode (a lone surrogate)", field=field)
        text = unicodedata.normalize(self.normal_form, value) if self.normal_form else value
        control = (_CONTROL_BUT_LINES if self.multiline else _CONTROL).search(text)
        if control:
            raise InvalidText(
                f"{field} contains the control character U+{ord(control.group()):04X}",
                field=field,
            )
        if len(text) > self.max_length:
            raise TooLong(f"{field} is longer than {self.max_length} characters", field=field)
        return text


def normalized(value: str) -> str:
    """``value`` in Unicode NFKC form, trimmed: full-width and other compatibility characters
    become their plain forms (``"１２Ｘ－"`` → ``"12X-"``, the ideographic space → a space).
    Digits of other scripts (Arabic-Indic ``"٣"``, Devanagari ``"३"``) have no such mapping
    and stay as they are, so ``is_ascii_digits`` refuses them."""
    return unicodedata.normalize("NFKC", value).strip()


def is_ascii_digits(value: str) -> bool:
    """Non-empty and only 0–9 (``str.isdigit`` and ``int`` accept any script's digits)."""
    return value.isascii() and value.isdigit()


def utf8(value: str) -> bytes:
    """The UTF-8 bytes of any string, lone surrogates included (``surrogatepass``), for
    hashing and comparing input that may hold them: JSON can escape one (``"\\ud800"``)."""
    return value.encode("utf-8", "surrogatepass")
