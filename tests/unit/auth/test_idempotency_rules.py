"""Idempotency rules without a database (SEC-04, ORD-03): which keys are well formed, whose
keys they are, and what counts as the same input."""

import json
import uuid
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from src.auth.principal import ANONYMOUS, Principal
from src.auth.tokens import SigningKey
from src.controls.idempotency import Fingerprints, IdempotencyKeyInvalid, checked_key, scope_of
from tests.strategies import ANY_TEXT

fingerprint = Fingerprints(SigningKey("k", b"k" * 32)).of
VISIBLE_ASCII = st.characters(min_codepoint=0x21, max_codepoint=0x7E)
ANY_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | ANY_TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ANY_TEXT, inner, max_size=3),
    max_leaves=10,
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=10,
)


@given(st.text(VISIBLE_ASCII, min_size=1, max_size=255))
def test_sec_04_keys_of_1_to_255_visible_ascii_characters_are_accepted(key: str) -> None:
    assert checked_key(key) == key


@given(
    st.text(min_size=1, max_size=300).filter(
        lambda key: len(key) > 255 or any(not "!" <= c <= "~" for c in key)
    )
)
def test_sec_04_any_other_key_is_refused(key: str) -> None:
    with pytest.raises(IdempotencyKeyInvalid):
        checked_key(key)


def test_sec_04_an_empty_key_is_refused() -> None:
    with pytest.raises(IdempotencyKeyInvalid):
        checked_key("")


def test_sec_04_keys_belong_to_the_principal_or_to_an_anonymous_callers_address() -> None:
    account = Principal(account_id=uuid.uuid4())
    assert scope_of(account, "192.0.2.1") == scope_of(account, "192.0.2.2") == account.key
    assert scope_of(Principal(account_id=uuid.uuid4()), "192.0.2.1") != account.key
    assert scope_of(Principal(client_id="bank-a"), None) == "client:bank-a"
    assert scope_of(ANONYMOUS, "192.0.2.1") == "ip:192.0.2.1"
    assert scope_of(ANONYMOUS, "192.0.2.1") != scope_of(ANONYMOUS, "192.0.2.2")


@given(st.dictionaries(st.text(), JSON_VALUES, max_size=6))
def test_ord_03_the_fingerprint_ignores_the_order_of_variables(variables: dict[str, Any]) -> None:
    reordered = dict(reversed(list(variables.items())))
    assert fingerprint("mutation { x }", "M", variables) == fingerprint(
        "mutation { x }", "M", reordered
    )


def test_ord_03_the_fingerprint_changes_with_the_document_the_operation_and_the_variables() -> None:
    base = fingerprint("mutation { x }", "M", {"a": 1})
    assert fingerprint("mutation { y }", "M", {"a": 1}) != base
    assert fingerprint("mutation { x }", "N", {"a": 1}) != base
    assert fingerprint("mutation { x }", "M", {"a": 2}) != base
    assert fingerprint("mutation { x }", None, None) == fingerprint("mutation { x }", None, {})


def test_sec_06_fingerprints_are_keyed_so_records_do_not_give_away_the_input() -> None:
    """A plain hash of an ID or card number can be reversed by trying them all."""
    other_key = Fingerprints(SigningKey("other", b"o" * 32)).of
    assert fingerprint("mutation { x }", None, {"card": "6228480012345678903"}) != other_key(
        "mutation { x }", None, {"card": "6228480012345678903"}
    )


@given(ANY_TEXT, st.none() | ANY_TEXT, ANY_JSON_VALUES)
def test_ord_03_every_json_input_has_a_fingerprint(
    document: str, operation_name: str | None, variables: Any
) -> None:
    """Lone surrogates included: JSON lets a request escape one (``"\\ud800"``)."""
    assert len(fingerprint(document, operation_name, variables)) == 64


def test_ord_03_a_lone_surrogate_is_fingerprinted_as_itself() -> None:
    lone = json.loads('{"name": "\\ud800"}')
    assert fingerprint("mutation { x }", None, lone) != fingerprint(
        "mutation { x }", None, {"name": "\ufffd"}
    )
    assert fingerprint("mutation { x }", None, lone) == fingerprint(
        "mutation { x }", None, json.loads('{"name":"\\ud800"}')
    )
