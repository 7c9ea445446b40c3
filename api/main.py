"""The FastAPI application."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from api.auth.ratelimit import FailureLimiter
from api.auth.tokens import PrincipalCache
from api.db import make_engine
from api.deps import get_principal, use_handler_threads
from api.errors import install_error_handlers
from api.limits_middleware import BodySizeLimit
from api.openapi import Problem
from api.routers import DOCUMENTED, MATCHED
from api.settings import Settings, get_settings
from factors import load_factor_set

BATCH_PATHS = ("/api/v1/reports/batch",)

DESCRIPTION = """
Monthly energy, water, solid-waste, production and output reports of the district's
enterprises; carbon inventories; the plan's green-manufacturing targets; alerts.

Authenticate with `Authorization: Bearer <token>`; tokens come from `carbon token create`.
Errors are `application/problem+json`; validation errors list each bad field in `errors`.
"""


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """Build the application for ``settings`` (from the environment by default)."""
    settings = settings or get_settings()
    if engine is None and make_url(settings.database_url).database not in (None, "", ":memory:"):
        # GETs read on a pool of their own whose connections stay in autocommit: switching a
        # pooled connection to autocommit for a GET and back costs about 0.1 ms a request
        # (checkout, SELECT 1 and checkin on PostgreSQL: 290-310 µs against 380-400 µs).
        # Each pool holds up to 15 connections, the 30 per worker that one pool had.
        engine = make_engine(settings.database_url, pool_size=5, max_overflow=10)
        read_engine = make_engine(
            settings.database_url, isolation_level="AUTOCOMMIT", pool_size=5, max_overflow=10
        )
    else:
        engine = engine or make_engine(settings.database_url)
        read_engine = engine.execution_options(isolation_level="AUTOCOMMIT")

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # What exists once the application is up (modules, the factor library, the app)
        # lives as long as the process: out of the collector's sight, a full collection no
        # longer scans it (about 200,000 objects: 0.1 s, a pause every few hundred requests).
        load_factor_set()  # read and validated once, before the first inventory asks
        gc.collect()
        gc.freeze()
        yield
        engine.dispose()
        read_engine.dispose()

    app = FastAPI(
        title="Qijiang green-manufacturing and carbon accounting",
        version="1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        telemetry=None
        if settings.opentelemetry
        else {"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.read_engine = read_engine
    app.state.auth_limiter = FailureLimiter(settings.auth_failure_limit)
    app.state.principals = PrincipalCache(settings.token_cache_seconds)
    use_handler_threads(settings.handler_threads)

    def limit_for(path: str) -> int:
        return settings.max_batch_bytes if path in BATCH_PATHS else settings.max_body_bytes

    app.add_middleware(BodySizeLimit, limit_for=limit_for)
    install_error_handlers(app)

    @app.get("/health", tags=["service"], summary="Liveness check")
    async def health() -> dict[str, str]:
        # A coroutine: FastAPI would send a plain function to its thread pool, and there is
        # nothing here to wait for (served: 0.12 ms of CPU a call against 0.42 ms).
        return {"status": "ok"}

    for router in MATCHED:
        app.include_router(router)
    app.openapi = _documenting_every_error(_in_docs_order(app.openapi))  # type: ignore[method-assign]
    return app


def _in_docs_order(openapi: Callable[[], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
    """Wrap FastAPI's schema builder so that the paths come in the order of
    :data:`~api.routers.DOCUMENTED` (routers are included in the order requests are matched)."""
    rank: dict[str, int] = {}
    for router in DOCUMENTED:
        for route in router.routes:
            rank.setdefault(getattr(route, "path", ""), len(rank))

    def build() -> dict[str, Any]:
        schema = openapi()
        paths = schema.get("paths", {})
        schema["paths"] = dict(sorted(paths.items(), key=lambda kv: rank.get(kv[0], -1)))
        return schema

    return build


# Answers that the service gives on any route, whatever the route declares: the body-size
# middleware (413), the body parser (400 for a body that is not what its media type says),
# the bearer-token check (401, 429). Documented on every operation they can reach.
_TRANSPORT_ERRORS: dict[str, tuple[str, str]] = {
    "400": ("body", "The body cannot be parsed as its content type says (e.g. not UTF-8)"),
    "413": ("body", "Request body too large"),
    "401": ("auth", "Missing or invalid bearer token"),
    "429": ("auth", "Too many failed authentications from this client"),
}


def _documenting_every_error(openapi: Callable[[], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
    """Wrap FastAPI's schema builder so that every error answer is documented as it is sent.

    Errors go out as ``application/problem+json`` with a :class:`~api.openapi.Problem` body;
    FastAPI lists a response model under ``application/json``, so the schema is moved under
    the media type actually sent. Codes the middleware and dependencies can answer on any
    route (:data:`_TRANSPORT_ERRORS`) are added where they apply.
    """
    done: dict[str, dict[str, Any]] = {}

    def build() -> dict[str, Any]:
        if "schema" in done:
            return done["schema"]
        schema = openapi()
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas.setdefault(
            "Problem", Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        )
        problem_ref = {"$ref": "#/components/schemas/Problem"}
        # The bearer scheme that HandlerRoute checks itself (api.deps.BearerPrincipal).
        schema["components"].setdefault("securitySchemes", {}).setdefault(
            get_principal.scheme_name,
            get_principal.model.model_dump(mode="json", by_alias=True, exclude_none=True),
        )
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                responses: dict[str, Any] = operation.setdefault("responses", {})
                applies = {
                    "body": "requestBody" in operation,
                    "auth": bool(operation.get("security")),
                }
                for code, (when, description) in _TRANSPORT_ERRORS.items():
                    if applies[when] and code not in responses:
                        responses[code] = {"description": description}
                for code, response in responses.items():
                    if not code.isdigit() or int(code) < 400:
                        continue
                    content = response.setdefault("content", {})
                    plain = content.pop("application/json", None)
                    sent = content.setdefault("application/problem+json", {})
                    if "schema" not in sent:
                        sent["schema"] = (plain or {}).get("schema", problem_ref)
        done["schema"] = schema
        return schema

    return build


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
