"""Queries behind the plan targets: the registry's attributes, reports and certifications.

Each function is one query; the report sums run in SQL through
:func:`api.reports.repository.aggregate_latest`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from api.models import Certification, Enterprise, Park
from api.reports.repository import aggregate_latest

__all__ = ["certifications_frame", "enterprise_attributes", "monthly_sums"]


def enterprise_attributes(session: Session) -> pd.DataFrame:
    """Every enterprise: ``uscc, name, park_code, counts_as_park, above_designated_size``.

    ``counts_as_park`` is false for an enterprise outside every park and for one in a park
    that does not count (a town cluster).
    """
    stmt = sa_select(
        col(Enterprise.uscc),
        col(Enterprise.name),
        col(Enterprise.park_code),
        col(Park.counts_as_park),
        col(Enterprise.above_designated_size),
    ).join(Park, col(Park.code) == col(Enterprise.park_code), isouter=True)
    rows = session.execute(stmt).all()
    return pd.DataFrame(
        {
            "uscc": pd.Series([r[0] for r in rows], dtype="str"),
            "name": pd.Series([r[1] for r in rows], dtype="str"),
            "park_code": pd.Series([r[2] for r in rows], dtype=object),
            "counts_as_park": pd.Series([bool(r[3]) for r in rows], dtype=bool),
            "above_designated_size": pd.Series([bool(r[4]) for r in rows], dtype=bool),
        }
    )


def certifications_frame(session: Session) -> pd.DataFrame:
    """Every certification: ``uscc, kind, level, year``."""
    stmt = select(
        Enterprise.uscc, Certification.kind, Certification.level, Certification.year
    ).join(Enterprise, col(Enterprise.id) == col(Certification.enterprise_id))
    rows = session.exec(stmt).all()
    return pd.DataFrame(
        {
            "uscc": pd.Series([r[0] for r in rows], dtype="str"),
            "kind": pd.Series([r[1] for r in rows], dtype="str"),
            "level": pd.Series([r[2] for r in rows], dtype="str"),
            "year": pd.Series([int(r[3]) for r in rows], dtype=np.int64),
        }
    )


def monthly_sums(
    session: Session, *, year_from: int, year_to: int, usccs: list[str] | None = None
) -> pd.DataFrame:
    """Monthly sums of the latest revisions (:func:`aggregate_latest`), one query."""
    return aggregate_latest(session, year_from=year_from, year_to=year_to, usccs=usccs)
