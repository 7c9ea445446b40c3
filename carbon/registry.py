"""Identifiers of the registry: USCC (GB 32100-2015), GB/T 4754-2017 industry classes, parks."""

from __future__ import annotations

import re

from stdnum.cn import uscc as _uscc
from stdnum.exceptions import InvalidChecksum, ValidationError

from carbon.errors import InvalidInput

_INDUSTRY_CLASS = re.compile(r"^\d{4}$")
_PARK_CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,31}$")


def validate_uscc(text: str) -> str:
    """Return the compact, upper-case USCC, or raise if its form or check character is wrong.

    Parameters
    ----------
    text : str
        An 18-character unified social credit code, spaces and case tolerated.

    Raises
    ------
    InvalidInput
        With ``loc=("uscc",)`` and a message naming the problem (length, characters, check).

    References
    ----------
    GB 32100-2015 法人和其他组织统一社会信用代码编码规则, clause 4 and Appendix B (check
    character: weighted sum modulo 31), as implemented by python-stdnum ``stdnum.cn.uscc``.
    """
    try:
        return str(_uscc.validate(text))
    except InvalidChecksum:
        raise InvalidInput("USCC check character is wrong (GB 32100-2015)", ("uscc",)) from None
    except ValidationError as exc:
        raise InvalidInput(f"not a valid USCC: {exc}", ("uscc",)) from None


def validate_industry_code(text: str) -> str:
    """Return a GB/T 4754-2017 class code (4 digits, division 01–97) or raise.

    References
    ----------
    GB/T 4754-2017 国民经济行业分类: sections A–T, divisions 01–97, classes of four digits.
    """
    if not isinstance(text, str) or not _INDUSTRY_CLASS.match(text) or not 1 <= int(text[:2]) <= 97:
        raise InvalidInput(
            "industry_code must be a GB/T 4754-2017 class code: four digits, division 01-97",
            ("industry_code",),
        )
    return text


def validate_park_code(text: str) -> str:
    """Park codes are upper-case ASCII: a letter, then letters, digits or ``_`` (2–32 chars)."""
    if not isinstance(text, str) or not _PARK_CODE.match(text):
        raise InvalidInput(
            "park code must be 2-32 characters of A-Z, 0-9 and _, starting with a letter",
            ("code",),
        )
    return text
