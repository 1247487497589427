"""Text typed by people, read where only ASCII is meant. One policy for every code and
digit-string identifier (ID numbers, bank cards and accounts, phones, credit codes, one-time
and TOTP codes): full-width and other compatibility forms count as the plain character,
digits of other scripts do not count as digits."""

import unicodedata


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
