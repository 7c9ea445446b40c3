"""Every table, imported here so that Alembic and the app see one complete metadata."""

from api.models.alerts import Alert, JobRun
from api.models.base import metadata
from api.models.registry import ApiToken, Certification, Enterprise, IntensityLimit, Park
from api.models.reports import ReportLine, ReportMonth, ReportMonthItem, ReportRevision

__all__ = [
    "Alert",
    "ApiToken",
    "Certification",
    "Enterprise",
    "IntensityLimit",
    "JobRun",
    "Park",
    "ReportLine",
    "ReportMonth",
    "ReportMonthItem",
    "ReportRevision",
    "metadata",
]
