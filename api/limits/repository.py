"""Every query on energy-intensity limits."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from sqlmodel import Session, col, select

from api.models import ApiToken, Enterprise, IntensityLimit


def get(session: Session, enterprise_id: int, year: int) -> IntensityLimit | None:
    stmt = select(IntensityLimit).where(
        IntensityLimit.enterprise_id == enterprise_id, IntensityLimit.year == year
    )
    return session.exec(stmt).first()


def list_for(session: Session, enterprise_id: int) -> Sequence[IntensityLimit]:
    stmt = (
        select(IntensityLimit)
        .where(IntensityLimit.enterprise_id == enterprise_id)
        .order_by(col(IntensityLimit.year))
    )
    return session.exec(stmt).all()


def setter_role(session: Session, token_id: int | None) -> str | None:
    if token_id is None:
        return None
    return session.exec(select(ApiToken.role).where(ApiToken.id == token_id)).first()


def explicit_limits(session: Session, year: int) -> pd.DataFrame:
    """Every explicit limit of ``year``: columns ``uscc, year, limit`` [tce/万元]."""
    stmt = (
        select(Enterprise.uscc, IntensityLimit.year, IntensityLimit.tce_per_10k_cny)
        .join(Enterprise, col(Enterprise.id) == col(IntensityLimit.enterprise_id))
        .where(IntensityLimit.year == year)
    )
    rows = session.exec(stmt).all()
    return pd.DataFrame(
        {
            "uscc": pd.Series([r[0] for r in rows], dtype="str"),
            "year": pd.Series([r[1] for r in rows], dtype="int64"),
            "limit": pd.Series([r[2] for r in rows], dtype="float64"),
        }
    )
