"""Every table, imported here so that Alembic and the app see one complete metadata."""

from api.models.base import metadata
from api.models.registry import ApiToken, Certification, Enterprise, IntensityLimit, Park
from api.models.reports import ReportLine, ReportMonth, ReportRevision

__all__ = [
    "ApiToken",
    "Certification",
    "Enterprise",
    "IntensityLimit",
    "Park",
    "ReportLine",
    "ReportMonth",
    "ReportRevision",
    "metadata",
]
