"""GB 32100 unified social credit codes: published examples, every wrong check character,
the characters the standard leaves out."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shishi.core import uscc

# Valid codes used as examples in public validators' documentation and tests.
VALID = ("91350100M000100Y43", "91310110666007217T", "91310115591693856A")


@pytest.mark.parametrize("code", VALID)
def test_published_examples_are_valid(code: str) -> None:
    assert uscc.is_valid_uscc(code)
    assert uscc.normalize_uscc(" " + code.lower() + " ") == code


@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100Y4A",  # a wrong check character
        "91350211M00013FA1N",  # an early pilot code outside the standard
        "91350100M000100Y4",  # 17 characters
        "9135O100M000100Y43",  # the letter O in the division code
        "",
    ],
)
def test_malformed_codes_are_refused(code: str) -> None:
    assert not uscc.is_valid_uscc(code)
    with pytest.raises(ValueError, match="统一社会信用代码"):
        uscc.normalize_uscc(code)


@given(
    head=st.text(alphabet=uscc.CHARS, min_size=2, max_size=2),
    division=st.text(alphabet="0123456789", min_size=6, max_size=6),
    body=st.text(alphabet=uscc.CHARS, min_size=9, max_size=9),
)
def test_one_check_character_of_31_is_right(head: str, division: str, body: str) -> None:
    first17 = head + division + body
    right = uscc.check_character(first17)
    assert uscc.is_valid_uscc(first17 + right)
    assert sum(uscc.is_valid_uscc(first17 + c) for c in uscc.CHARS) == 1
    for left_out in "IOZSV":
        assert not uscc.is_valid_uscc(first17[:-1] + left_out + right)
