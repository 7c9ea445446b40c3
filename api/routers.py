"""Every resource router beyond the registry, in the order they appear in the docs."""

from __future__ import annotations

from fastapi import APIRouter

from api.alerts.router import router as alerts_router
from api.assessment.router import router as assessment_router
from api.certifications.router import router as certifications_router
from api.inventory.router import router as inventory_router
from api.jobs.router import router as jobs_router
from api.limits.router import router as limits_router
from api.reports.router import router as reports_router
from api.targets.router import router as targets_router

ROUTERS: list[APIRouter] = [
    reports_router,
    certifications_router,
    inventory_router,
    targets_router,
    assessment_router,
    limits_router,
    alerts_router,
    jobs_router,
]
