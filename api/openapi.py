"""Shared OpenAPI pieces: the problem+json schema and the error responses every route has."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ProblemError(BaseModel):
    loc: list[str | int] = Field(
        description='Path of the bad field, e.g. ["body", "energy", 0, "unit"]'
    )
    msg: str
    type: str | None = None


class Problem(BaseModel):
    """An error, as RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[ProblemError] | None = None


def _resp(description: str) -> dict[str, Any]:
    return {
        "model": Problem,
        "description": description,
        "content": {"application/problem+json": {}},
    }


AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: _resp("Missing or invalid bearer token"),
    403: _resp("The token's role or scope does not allow this"),
    429: _resp("Too many failed authentications from this client"),
}
READ_ERRORS: dict[int | str, dict[str, Any]] = {
    **AUTH_ERRORS,
    404: _resp("Not found, or outside the caller's scope"),
    422: _resp("Invalid parameter; `errors` names it"),
}
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    **READ_ERRORS,
    409: _resp("Conflicts with what is stored"),
    413: _resp("Request body too large"),
}
