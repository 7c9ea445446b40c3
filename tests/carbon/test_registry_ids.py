"""USCC check characters worked by hand from GB 32100-2015, and the other registry identifiers.

GB 32100-2015 Appendix B: the 31 code characters are ``0123456789ABCDEFGHJKLMNPQRTUWXY``
(I, O, Z, S, V are not used) with values 0..30; the weights of positions 1..17 are
1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28; the check character is the one whose value is
31 − (Σ value × weight mod 31), with 31 written as 0.
"""

from __future__ import annotations

import pytest

from carbon.errors import InvalidInput
from carbon.registry import validate_industry_code, validate_park_code, validate_uscc


def test_uscc_check_character_worked_by_hand() -> None:
    # 9 1 5 0 0 1 1 0 M A 5 U 5 K 7 X 4  → values 9 1 5 0 0 1 1 0 21 10 5 27 5 19 7 29 4
    # products with the weights: 9 3 45 0 0 26 16 0 420 290 125 351 40 456 70 870 112
    # sum 2833; 2833 mod 31 = 12; 31 − 12 = 19 → the 20th character, "K".
    assert validate_uscc("91500110MA5U5K7X4K") == "91500110MA5U5K7X4K"


def test_uscc_check_character_that_is_a_digit() -> None:
    # 91500000202823123: values 9 1 5 0 0 0 0 0 2 0 2 8 2 3 1 2 3; products
    # 9 3 45 0 0 0 0 0 40 0 50 104 16 72 10 60 84, sum 493; 493 mod 31 = 28; 31 − 28 = 3 → "3".
    assert validate_uscc("915000002028231233") == "915000002028231233"


def test_uscc_is_normalised_from_lower_case_and_spaces() -> None:
    assert validate_uscc(" 91500110ma5u5k7x4k ") == "91500110MA5U5K7X4K"


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("91500110MA5U5K7X4A", "check"),  # check character must be K (see above)
        ("915000002028231234", "check"),  # must be 3
        ("91500110MA5U5K7X4", "length"),  # 17 characters
        ("91500110MA5U5K7X4KK", "length"),  # 19 characters
        ("91500110MA5U5I7X4K", "character"),  # I is not a code character
    ],
)
def test_invalid_uscc_refused_naming_the_field(text: str, why: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        validate_uscc(text)
    assert exc.value.loc == ("uscc",)


@pytest.mark.parametrize("code", ["3216", "3011", "1391", "0111", "9700"])
def test_industry_class_codes_accepted(code: str) -> None:
    assert validate_industry_code(code) == code


@pytest.mark.parametrize("code", ["321", "32160", "abcd", "9800", "0011", ""])
def test_industry_codes_outside_gbt4754_refused(code: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        validate_industry_code(code)
    assert exc.value.loc == ("industry_code",)


@pytest.mark.parametrize("code", ["beidu", "B", "北渡", "1BEIDU", "BEI-DU"])
def test_bad_park_codes_refused(code: str) -> None:
    with pytest.raises(InvalidInput):
        validate_park_code(code)
