"""Domain errors.

They know nothing of HTTP. Each inherits the built-in exception it resembles, so that
callers who do not know this module can still catch them sensibly. ``api/errors.py`` maps
them to problem+json responses.
"""

from __future__ import annotations

from collections.abc import Sequence

Loc = tuple[str | int, ...]


class CarbonError(Exception):
    """Base of every error raised by the domain."""


class InvalidInput(CarbonError, ValueError):
    """One bad value, located by ``loc`` (the path of the field, as in pydantic)."""

    def __init__(self, msg: str, loc: Loc = ()) -> None:
        super().__init__(msg)
        self.msg = msg
        self.loc: Loc = tuple(loc)

    def at(self, *prefix: str | int) -> InvalidInput:
        """Return a copy of this error located under ``prefix``."""
        err = type(self)(self.msg, (*prefix, *self.loc))
        return err


class UnknownUnitError(InvalidInput):
    """A unit that the registry does not know."""


class DimensionMismatchError(InvalidInput):
    """A unit of the wrong dimension for its line (electricity in tonnes)."""


class UnknownItemError(InvalidInput):
    """An unknown carrier, water kind, waste category or other catalogue item."""


class InvalidPeriodError(InvalidInput):
    """A malformed period, or one in the future."""


class InvalidQuantityError(InvalidInput):
    """A negative, NaN or infinite quantity, or an inconsistent balance."""


class ValidationFailed(CarbonError, ValueError):
    """Several bad values at once; ``errors`` lists each one with its location."""

    def __init__(self, errors: Sequence[InvalidInput]) -> None:
        self.errors = list(errors)
        first = self.errors[0].msg if self.errors else "invalid input"
        super().__init__(f"{len(self.errors)} invalid value(s); first: {first}")


class NotFound(CarbonError, LookupError):
    """A domain object that does not exist."""


class FactorNotFoundError(NotFound):
    """No factor matches the activity, region and year asked for."""


class Conflict(CarbonError, ValueError):
    """The request conflicts with what is stored (a duplicate key, say)."""
