"""How deep a JSON text nests, measured without parsing it (issue 6): ``json.loads`` recurses
once per level and hits the interpreter's recursion limit near 1,000 levels, so the endpoint
measures first and refuses anything deeper than ``MAX_JSON_DEPTH`` (docs/api.md)."""

import re
from itertools import accumulate

MAX_JSON_DEPTH = 64

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def json_depth(text: str) -> int:
    """The deepest bracket nesting outside strings: ``{"a": [1]}`` is 2. Iterative, linear in
    the text's length; a malformed text gets some number, and json.loads refuses it after."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)
