"""The FastAPI application."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import Engine

from api.auth.ratelimit import FailureLimiter
from api.db import make_engine
from api.errors import install_error_handlers
from api.limits_middleware import BodySizeLimit
from api.registry.router import router as registry_router
from api.routers import ROUTERS
from api.settings import Settings, get_settings

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
    engine = engine or make_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(
        title="Qijiang green-manufacturing and carbon accounting",
        version="1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.auth_limiter = FailureLimiter(settings.auth_failure_limit)

    def limit_for(path: str) -> int:
        return settings.max_batch_bytes if path in BATCH_PATHS else settings.max_body_bytes

    app.add_middleware(BodySizeLimit, limit_for=limit_for)
    install_error_handlers(app)

    @app.get("/health", tags=["service"], summary="Liveness check")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    app.include_router(registry_router)
    for router in ROUTERS:
        app.include_router(router)
    return app


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
