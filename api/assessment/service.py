"""The green-factory self-assessment of one enterprise's year, within the caller's scope."""

from __future__ import annotations

import functools

from sqlmodel import Session

from api.assessment.schemas import (
    AssessmentOut,
    CertificationHeld,
    ComparisonOut,
    IndicatorOut,
)
from api.auth.principal import Principal
from api.certifications.repository import list_certifications
from api.registry.service import read_enterprise
from api.reports.repository import aggregate_latest
from carbon.green_factory import GBT36132, assess_year
from carbon.intensity import ProductQuota
from factors import load_factor_set
from factors.quotas import load_quotas

__all__ = ["assess", "sector_benchmarks"]


@functools.cache
def sector_benchmarks() -> tuple[ProductQuota, ...]:
    """Per-product benchmarks the assessment compares with: GB 21346-2022, 表1, levels 1–3
    of 铝锭综合交流电耗 and 铝锭综合能耗 (whole-site figures; the other rows of 表1 have
    narrower boundaries than a monthly report)."""
    wanted = {"al_ingot_comprehensive_ac", "al_ingot_comprehensive_energy"}
    return tuple(q for q in load_quotas("gb21346", "2022") if q.indicator in wanted)


def assess(session: Session, principal: Principal, uscc: str, year: int) -> AssessmentOut:
    """The assessment of ``uscc``'s ``year``; 404 for an enterprise outside the scope.

    Reads the enterprise's monthly sums in one query and computes on whole columns
    (:func:`carbon.green_factory.assess_year`).
    """
    ent = read_enterprise(session, principal, uscc)
    monthly = aggregate_latest(session, year_from=year, year_to=year, usccs=[ent.uscc])
    result = assess_year(
        monthly,
        load_factor_set(),
        uscc=ent.uscc,
        year=year,
        region=ent.region,
        quotas=sector_benchmarks(),
    )
    held = list_certifications(session, principal, uscc=ent.uscc)
    return AssessmentOut(
        uscc=ent.uscc,
        name=ent.name,
        park_code=ent.park_code,
        year=year,
        months_reported=result.months_reported,
        standard=GBT36132,
        indicators=[
            IndicatorOut(
                id=i.id,
                name=i.name_zh,
                name_en=i.name_en,
                product=i.product,
                value=i.value,
                unit=i.unit,
                formula=i.formula,
                definition=i.definition,
                reference=i.reference,
                reference_confirmed=i.reference_confirmed,
                reference_note=i.reference_note,
                inputs=i.inputs,
                comparisons=[ComparisonOut(**vars(c)) for c in i.comparisons],
                note=i.note,
            )
            for i in result.indicators
        ],
        emissions=result.emissions,
        factors_used=[dict(f) for f in result.factors_used],
        certifications=[
            CertificationHeld(kind=c.kind, level=c.level, year=c.year) for c, _ in held
        ],
        notes=result.notes,
    )
