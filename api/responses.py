"""JSON answers written straight from database rows."""

from __future__ import annotations

from typing import Any

import pydantic_core
from fastapi import Response


def json_answer(content: Any) -> Response:
    """``content`` (dicts, lists, strings, numbers, datetimes) as a JSON answer.

    Serialised by pydantic-core as a response model's fields are (ISO 8601 datetimes, ``Z``
    for UTC, NaN and infinities as ``null``), without validating the content again: for rows
    read from the service's own tables, whose columns are the response model's fields. The
    route still declares its ``response_model`` for the documentation.
    """
    return Response(
        pydantic_core.to_json(content, inf_nan_mode="null"), media_type="application/json"
    )
