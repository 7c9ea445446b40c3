"""Small helpers shared by the tests."""

from __future__ import annotations

from stdnum.cn import uscc as _uscc


def make_uscc(n: int, region: str = "500110") -> str:
    """A valid USCC for test enterprise ``n`` (check character by python-stdnum, GB 32100-2015)."""
    base = f"91{region}{n:09d}"
    return base + _uscc.calc_check_digit(base)
