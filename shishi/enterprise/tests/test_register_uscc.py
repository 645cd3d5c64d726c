"""USCC (GB 32100) properties: the generator's codes are valid, the check character is the
one the weighted sum gives, and any single-character change is caught."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from shishi.core.uscc import CHARS, WEIGHTS, check_character, is_valid_uscc, normalize_uscc
from shishi.enterprise.register_generate import uscc_for

body = st.text(alphabet=CHARS, min_size=17, max_size=17)


def test_a_known_code_is_valid() -> None:
    # The public example of GB 32100 (a well-known registration).
    assert is_valid_uscc("91350100M000100Y43")
    assert not is_valid_uscc("91350100M000100Y44")


@given(body)
def test_the_check_character_completes_a_valid_code(first17: str) -> None:
    code = first17 + check_character(first17)
    total = sum(CHARS.index(c) * w for c, w in zip(code[:17], WEIGHTS, strict=True))
    assert (total + CHARS.index(code[17])) % 31 == 0
    if code[2:8].isdigit():  # the division code is six digits
        assert normalize_uscc(code.lower()) == code


@given(body, st.integers(0, 17), st.sampled_from(CHARS))
def test_any_single_character_change_is_caught(first17: str, at: int, char: str) -> None:
    code = first17 + check_character(first17)
    changed = code[:at] + char + code[at + 1 :]
    if changed != code:
        assert not is_valid_uscc(changed)


@given(st.integers(0, 31**8 - 1), st.integers(0, 5))
def test_generated_codes_are_valid(index: int, seed: int) -> None:
    assert is_valid_uscc(uscc_for(index, seed=seed))


def test_generated_codes_are_distinct() -> None:
    codes = {uscc_for(i) for i in range(20_000)}
    assert len(codes) == 20_000
