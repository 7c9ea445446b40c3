"""The application's HTTP operations, walked from ``app.routes``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.routing import APIRoute


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    route: APIRoute


def api_routes(app: FastAPI) -> Iterator[tuple[str, APIRoute]]:
    """Every APIRoute with its full path, through included routers.

    FastAPI 0.16x keeps included routers nested (``app.routes`` holds one entry per router);
    :func:`fastapi.routing.iter_route_contexts` walks them with the paths they are served at.
    """
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # older FastAPI: included routes are copied into app.routes
        for route in app.routes:
            if isinstance(route, APIRoute):
                yield route.path, route
        return
    for ctx in iter_route_contexts(app.routes):
        route = ctx.original_route
        if isinstance(route, APIRoute) and ctx.path is not None:
            yield ctx.path, route


def api_operations(app: FastAPI, prefix: str = "/api/v1/") -> list[Operation]:
    """Every (method, path) served under ``prefix``, sorted."""
    found = {
        (method, path): route
        for path, route in api_routes(app)
        if path.startswith(prefix)
        for method in route.methods - {"HEAD", "OPTIONS"}
    }
    return [Operation(m, p, r) for (m, p), r in sorted(found.items())]
