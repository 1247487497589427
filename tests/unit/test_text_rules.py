"""The input boundary's rules (issue 6, SEC-11): the text rule itself, property-tested; the
table, checked against the schema (every String and ID input has a rule, and no rule names
an input that is gone); the limits in the schema's descriptions; JSON nesting measured."""

import json
import unicodedata

import pytest
import strawberry
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import String

from src.adapters.postgres.tables import metadata
from src.domain.shared.text import InvalidText, TextRule, TooLong
from src.graphql.schema import build_schema, graphql_core_schema
from src.graphql.schema.inputs import declare_text_rules, text_inputs
from src.graphql.schema.text_rules import LOGIN, TEXT_RULES
from src.graphql.transport.limits.nesting import json_depth

SCHEMA = graphql_core_schema(build_schema())
ANY_CHARACTER = st.characters(codec=None, exclude_categories=())  # lone surrogates too
RULES = st.builds(
    TextRule,
    max_length=st.integers(0, 40),
    multiline=st.booleans(),
    normal_form=st.sampled_from(["NFC", "NFKC", None]),
)


@given(rule=RULES, value=st.text(ANY_CHARACTER, max_size=60))
def test_a_rule_accepts_clean_normal_text_within_its_limit_or_raises_its_error(
    rule: TextRule, value: str
) -> None:
    try:
        accepted = rule.applied(value, "input.name")
    except (InvalidText, TooLong) as refusal:
        refused_field = refusal.field
        assert refused_field == "input.name"
        return
    assert len(accepted) <= rule.max_length
    accepted.encode("utf-8")  # well-formed: no lone surrogate
    allowed = "\n\t" if rule.multiline else ""
    assert not any(
        (unicodedata.category(c) == "Cc" and c not in allowed) or c in "\u2028\u2029"
        for c in accepted
    )
    if rule.normal_form:
        assert unicodedata.is_normalized(rule.normal_form, accepted)
    assert rule.applied(accepted, "input.name") == accepted


@pytest.mark.parametrize(
    ("rule", "value", "accepted"),
    [
        (TextRule(10), "Zoe\u0301", "Zo\u00e9"),
        (TextRule(10, normal_form="NFKC"), "１２３４５６", "123456"),
        (TextRule(10, normal_form=None), "e\u0301", "e\u0301"),
        (TextRule(10, multiline=True), "a\n\tb", "a\n\tb"),
        (TextRule(2), "王芳", "王芳"),
    ],
)
def test_normal_forms_and_line_breaks(rule: TextRule, value: str, accepted: str) -> None:
    assert rule.applied(value, "f") == accepted


@pytest.mark.parametrize(
    ("rule", "value", "error"),
    [
        (TextRule(10), "\ud800", InvalidText),
        (TextRule(10), "a\x00", InvalidText),
        (TextRule(10), "a\nb", InvalidText),
        (TextRule(10, multiline=True), "a\r\nb", InvalidText),
        (TextRule(10, multiline=True), "a\u2028b", InvalidText),
        (TextRule(10), "\x85", InvalidText),
        (TextRule(3), "王小芳!", TooLong),
        (TextRule(3, normal_form="NFKC"), "\ufdfa", TooLong),  # one character, 18 in NFKC
    ],
)
def test_refusals(rule: TextRule, value: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        rule.applied(value, "f")


def test_every_string_and_id_input_of_the_schema_has_a_rule_and_every_rule_an_input() -> None:
    inputs = {coordinate for coordinate, _ in text_inputs(SCHEMA)}
    assert sorted(inputs - TEXT_RULES.keys()) == [], "declare them in text_rules.py"
    assert sorted(TEXT_RULES.keys() - inputs) == [], "rules for inputs that are gone"


def test_a_schema_with_an_undeclared_text_input_does_not_build() -> None:
    @strawberry.type
    class Query:
        @strawberry.field
        def echo(self, words: str) -> str:
            return words

    with pytest.raises(LookupError, match=r"Query\.echo\(words\)"):
        declare_text_rules(graphql_core_schema(strawberry.Schema(Query)))


def test_every_text_input_states_its_limit_once() -> None:
    for coordinate, holder in text_inputs(SCHEMA):
        limit = TEXT_RULES[coordinate].description
        assert holder.description is not None
        assert holder.description.endswith(limit)
        assert holder.description.count(limit) == 1, coordinate


def test_limits_fit_their_columns() -> None:
    login = metadata.tables["accounts"].c.login.type
    guard_key = metadata.tables["login_guards"].c.key.type
    assert isinstance(login, String)
    assert isinstance(guard_key, String)
    assert login.length is not None
    assert guard_key.length is not None
    assert LOGIN.max_length <= login.length
    assert len("login:") + LOGIN.max_length <= guard_key.length


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("", 0),
        ("1", 0),
        ('{"a": [1]}', 2),
        ('{"a": "[[[{{{"}', 1),
        ('{"a\\"[": [[]]}', 3),
        ("[" * 1000 + "]" * 1000, 1000),
        (json.dumps({"q": "\\" * 3 + "[" * 100}), 1),
    ],
)
def test_json_depth_skips_strings(text: str, depth: int) -> None:
    assert json_depth(text) == depth
