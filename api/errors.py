"""Map domain and HTTP errors to problem+json responses (RFC 9457).

A 500 means a bug, never bad input: only the errors below become 4xx.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from carbon.errors import Conflict, InvalidInput, NotFound, ValidationFailed

log = logging.getLogger("carbon.api")

PROBLEM_JSON = "application/problem+json"


class Unauthorized(Exception):
    """Missing or bad credentials."""


class Forbidden(Exception):
    """Valid credentials that do not reach this resource or action."""


class PayloadTooLarge(Exception):
    """A request body over the size limit."""


class TooManyRequests(Exception):
    """Too many failed authentications from one client."""


_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
}


def problem(
    status: int,
    detail: str,
    *,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A problem+json response."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def invalid_input_errors(exc: InvalidInput | ValidationFailed) -> list[dict[str, Any]]:
    items = exc.errors if isinstance(exc, ValidationFailed) else [exc]
    return [{"loc": list(e.loc), "msg": e.msg, "type": type(e).__name__} for e in items]


def _pydantic_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors():
        out.append(
            {
                "loc": list(err.get("loc", ())),
                "msg": err.get("msg", ""),
                "type": err.get("type", ""),
            }
        )
    return out


def install_error_handlers(app: FastAPI) -> None:
    """Register every mapping on ``app``."""

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _pydantic_errors(exc)
        fields = ", ".join(".".join(str(p) for p in e["loc"]) for e in errors[:5])
        return problem(422, f"invalid request: {fields}", errors=errors)

    @app.exception_handler(ValidationFailed)
    async def _failed(_: Request, exc: ValidationFailed) -> JSONResponse:
        errors = invalid_input_errors(exc)
        fields = ", ".join(".".join(str(p) for p in e["loc"]) for e in errors[:5])
        return problem(422, f"invalid request: {fields}", errors=errors)

    @app.exception_handler(InvalidInput)
    async def _invalid(_: Request, exc: InvalidInput) -> JSONResponse:
        return problem(422, exc.msg, errors=invalid_input_errors(exc))

    @app.exception_handler(NotFound)
    async def _not_found(_: Request, exc: NotFound) -> JSONResponse:
        return problem(404, str(exc))

    @app.exception_handler(Conflict)
    async def _conflict(_: Request, exc: Conflict) -> JSONResponse:
        return problem(409, str(exc))

    @app.exception_handler(Unauthorized)
    async def _unauthorized(_: Request, exc: Unauthorized) -> JSONResponse:
        return problem(401, str(exc), headers={"WWW-Authenticate": "Bearer"})

    @app.exception_handler(Forbidden)
    async def _forbidden(_: Request, exc: Forbidden) -> JSONResponse:
        return problem(403, str(exc))

    @app.exception_handler(PayloadTooLarge)
    async def _too_large(_: Request, exc: PayloadTooLarge) -> JSONResponse:
        return problem(413, str(exc))

    @app.exception_handler(TooManyRequests)
    async def _too_many(_: Request, exc: TooManyRequests) -> JSONResponse:
        return problem(429, str(exc), headers={"Retry-After": "60"})

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem(exc.status_code, str(exc.detail), headers=getattr(exc, "headers", None))

    @app.exception_handler(DataError)
    async def _unstorable(request: Request, exc: DataError) -> JSONResponse:
        # The database refused a value the schemas let through: a NUL character in text
        # (PostgreSQL text cannot hold one) or a number beyond the column's range. Bad input,
        # and the transaction is rolled back, so nothing is written; logged so that the
        # schema missing the bound can be found.
        reason = str(getattr(exc, "orig", exc)).splitlines()[0]
        log.warning(
            "value refused by the database on %s %s: %s", request.method, request.url.path, reason
        )
        return problem(422, f"a value in the request cannot be stored: {reason}")

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem(500, "internal error; it has been logged")
