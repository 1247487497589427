"""Hypothesis strategies shared by the property tests."""

from hypothesis import strategies as st

ANY_TEXT = st.lists(st.integers(0xD800, 0xDFFF).map(chr) | st.characters()).map("".join)
"""Any Python string, lone surrogates included: JSON can escape one (``"\\ud800"``), and
``st.text()`` all but never draws them."""
