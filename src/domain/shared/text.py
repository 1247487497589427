"""Text rules: what a string from outside must be before anything stores or compares it
(issue 6, SEC-11: no input crashes the server).

A ``TextRule`` accepts well-formed Unicode (no lone surrogates) without control characters
(C0, DEL, C1, and the line and paragraph separators U+2028/U+2029; a ``multiline`` rule lets
``\\n`` and ``\\t`` through), puts it in its normal form (NFC, or NFKC for codes typed on
phones' full-width keyboards; ``None`` leaves secrets such as passwords byte for byte) and
refuses it when the normal form is longer than ``max_length`` code points."""

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
