"""SEC-06: the field cipher seals personal data so that it opens only in its own column and
row, under a configured key, unaltered; anything else fails closed with UnreadableField."""

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from src.adapters.crypto import FieldCipher, UnreadableField

KEY_A = ("A", bytes(range(32)))
KEY_B = ("B", bytes(range(32, 64)))
HASH_KEY = b"h" * 32
ROW = uuid.UUID("0190f0e4-7f3a-7c1e-9a40-000000000001")
FIELD = "workers.bank_card"


def cipher(*keys: tuple[str, bytes], hash_key: bytes = HASH_KEY) -> FieldCipher:
    return FieldCipher(keys or (KEY_A,), hash_key)


@given(st.text(), st.uuids())
def test_sec_06_decrypt_inverts_encrypt_and_no_two_encryptions_are_equal(
    plaintext: str, row: uuid.UUID
) -> None:
    fields = cipher()
    first = fields.encrypt(plaintext, field=FIELD, row=row)
    second = fields.encrypt(plaintext, field=FIELD, row=row)
    assert first != second
    assert fields.decrypt(first, field=FIELD, row=row) == plaintext
    assert fields.decrypt(second, field=FIELD, row=row) == plaintext


def test_sec_06_a_sealed_value_carries_its_key_id_and_no_plaintext() -> None:
    sealed = cipher().encrypt("6222021234567890128", field=FIELD, row=ROW)
    assert cipher().key_id(sealed) == "A"
    assert sealed.startswith(cipher().active_header)
    assert b"6222021234567890128" not in sealed
    assert b"7890128" not in sealed


@given(st.data())
def test_sec_06_altering_any_byte_fails_closed(data: st.DataObject) -> None:
    sealed = bytearray(cipher().encrypt("13812345678", field=FIELD, row=ROW))
    position = data.draw(st.integers(0, len(sealed) - 1))
    sealed[position] ^= data.draw(st.integers(1, 255))
    with pytest.raises(UnreadableField):
        cipher().decrypt(bytes(sealed), field=FIELD, row=ROW)


@pytest.mark.parametrize(
    ("field", "row"),
    [("workers.phone", ROW), (FIELD, uuid.UUID(int=ROW.int + 1))],
    ids=["moved to another column", "moved to another row"],
)
def test_sec_06_a_value_moved_elsewhere_does_not_open(field: str, row: uuid.UUID) -> None:
    sealed = cipher().encrypt("6222021234567890128", field=FIELD, row=ROW)
    with pytest.raises(UnreadableField, match="altered, or moved"):
        cipher().decrypt(sealed, field=field, row=row)


@pytest.mark.parametrize(
    "sealed", [b"", b"\x01", b"\x02\x01A" + bytes(40), b"\x01\x01A" + bytes(5)]
)
def test_sec_06_garbage_and_truncated_values_fail_closed(sealed: bytes) -> None:
    with pytest.raises(UnreadableField):
        cipher().decrypt(sealed, field=FIELD, row=ROW)


def test_sec_06_old_keys_still_open_and_removed_keys_are_named() -> None:
    under_a = cipher(KEY_A).encrypt("110105199003070011", field=FIELD, row=ROW)
    rotated = cipher(KEY_B, KEY_A)
    assert rotated.decrypt(under_a, field=FIELD, row=ROW) == "110105199003070011"
    assert rotated.key_id(rotated.encrypt("x", field=FIELD, row=ROW)) == "B"
    with pytest.raises(UnreadableField, match="under key 'A', which is not set"):
        cipher(KEY_B).decrypt(under_a, field=FIELD, row=ROW)


def test_sec_06_a_key_of_the_same_id_but_other_bytes_does_not_open() -> None:
    sealed = cipher(KEY_A).encrypt("13812345678", field=FIELD, row=ROW)
    with pytest.raises(UnreadableField):
        cipher(("A", KEY_B[1])).decrypt(sealed, field=FIELD, row=ROW)


def test_sec_06_the_blind_index_is_keyed_deterministic_and_labelled() -> None:
    index = cipher().blind_index("110105199003070011", purpose="id_number")
    assert len(index) == 32
    assert index == cipher(KEY_B).blind_index("110105199003070011", purpose="id_number")
    assert index != cipher().blind_index("110105199003070029", purpose="id_number")
    assert index != cipher().blind_index("110105199003070011", purpose="phone")
    other_key = cipher(hash_key=b"k" * 32)
    assert index != other_key.blind_index("110105199003070011", purpose="id_number")


@pytest.mark.parametrize(
    ("keys", "hash_key", "problem"),
    [
        ((), HASH_KEY, "at least one"),
        ((("A", bytes(31)),), HASH_KEY, "exactly 32 bytes"),
        ((("A", bytes(33)),), HASH_KEY, "exactly 32 bytes"),
        ((("bad:kid", bytes(32)),), HASH_KEY, "key id"),
        ((("", bytes(32)),), HASH_KEY, "key id"),
        ((KEY_A,), b"short", "blind-index key"),
    ],
)
def test_unusable_keys_are_refused(
    keys: tuple[tuple[str, bytes], ...], hash_key: bytes, problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        FieldCipher(keys, hash_key)
