"""The two scheduled checks, as jobs: intensity-check and missing-reports.

Both read everything they need in a few whole-table queries, compute on columns with the rules
of :mod:`carbon.intensity`, and return their alerts without writing anything; the runner writes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sqlmodel import Session

from api.jobs import data
from api.jobs.base import Job, JobContext, JobResult
from api.limits.repository import explicit_limits
from carbon import intensity
from carbon.periods import Period
from factors.quotas import default_quotas

MISSING_REPORT = "missing_report"
#: Columns of every job's alert frame.
ALERT_FRAME_COLUMNS = (
    "uscc",
    "kind",
    "severity",
    "value",
    "limit",
    "unit",
    "ratio",
    "limit_source",
    "detail",
)


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in ALERT_FRAME_COLUMNS})


def _num(x: Any) -> float | None:
    v = float(x)
    return None if np.isnan(v) else round(v, 6)


def intensity_check(session: Session, period: Period, context: JobContext) -> JobResult:
    """Energy-intensity overruns (year to date) and product energy-quota overruns (the month).

    For every above-size enterprise that reported for ``period``: intensity = Σ energy [tce]
    ÷ Σ value added [万元] over January…``period``, against the
    explicit limit for the year, else the enterprise's own path from its first full year since
    2020 (:func:`carbon.intensity.intensity_overruns`). Then, for the month alone, electricity
    per tonne of each product with a national quota (GB 21346-2022 for primary aluminium;
    :func:`carbon.intensity.product_quota_overruns`), the worst quota per enterprise kept.

    References
    ----------
    .. [1] shared/DOMAIN.md, "Energy-intensity overrun (the scheduled check)".
    .. [2] GB 21346-2022 电解铝和氧化铝单位产品能源消耗限额, 表1.
    """
    ents = data.enterprises_frame(session, context.settings.timezone)
    above = ents[ents["above_designated_size"]]
    quotas = default_quotas()
    # This month alone: who reported, and electricity and products for the quota check.
    month = data.range_totals(
        session, period, period, ids=above["id"], products={q.product for q in quotas}
    )
    # Only enterprises that reported for the month are judged for it: a missing month would
    # repeat the previous one's figure (the missing-reports job flags it instead).
    judged = above[above["uscc"].isin(list(month.totals["uscc"]))]
    ytd = data.range_totals(session, Period(period.year, 1), period, ids=judged["id"]).totals
    explicit = explicit_limits(session, period.year)
    need_base = judged.loc[~judged["uscc"].isin(list(explicit["uscc"])), "id"]
    bases = data.find_bases(session, need_base, before_year=period.year)
    overruns = intensity.intensity_overruns(ytd, period, explicit, bases)
    if len(overruns):
        facts = ytd.set_index("uscc").loc[overruns["uscc"]]
        base_year = bases.set_index("uscc")["base_year"].reindex(overruns["uscc"])
        details = [
            {
                "energy_tce_ytd": _num(e),
                "value_added_ytd": _num(v),
                "months_reported": int(m),
                "base_year": None if pd.isna(b) or src != "own_path" else int(b),
            }
            for e, v, m, b, src in zip(
                facts["energy_tce"],
                facts["value_added"],
                facts["months"],
                base_year,
                overruns["limit_source"],
                strict=True,
            )
        ]
        overruns["detail"] = pd.Series(details, index=overruns.index, dtype=object)
    production = month.production.assign(period=str(period))
    electricity = month.totals[["uscc", "electricity_kwh"]].assign(period=str(period))
    quota = intensity.product_quota_overruns(production, electricity, quotas)
    if len(quota):
        quota = quota.sort_values("ratio", ascending=False).drop_duplicates(["uscc", "kind"])
        kwh = month.totals.set_index("uscc")["electricity_kwh"]
        tonnes = production.groupby(["uscc", "product"])["quantity"].sum()
        quota_details = [
            {
                "product": p,
                "electricity_kwh": _num(kwh.get(u, np.nan)),
                "production": _num(tonnes.get((u, p), np.nan)),
            }
            for u, p in zip(quota["uscc"], quota["product"], strict=True)
        ]
        quota["detail"] = pd.Series(quota_details, index=quota.index, dtype=object)
    frames_out = [f for f in (overruns, quota) if len(f)]
    alerts = (
        pd.concat([f[list(ALERT_FRAME_COLUMNS)] for f in frames_out], ignore_index=True)
        if frames_out
        else _empty()
    )
    return JobResult(alerts=alerts, checked=len(judged))


def missing_reports(session: Session, period: Period, context: JobContext) -> JobResult:
    """Above-size enterprises with no report for ``period`` once its due date has passed.

    A report is due by the 10th of the following month; from the 11th an enterprise without one
    is flagged ``missing_report`` (severity ``warning``; ``value`` = days overdue). Before the
    due date has passed nothing is flagged. No report is owed for months before the enterprise
    was registered or first reported, whichever is earlier.

    References
    ----------
    .. [1] shared/DOMAIN.md, "Energy-intensity overrun" (the second job).
    """
    ents = data.enterprises_frame(session, context.settings.timezone)
    reported = data.reported_in(session, period)
    overdue = intensity.missing_reports(
        ents[["uscc", "above_designated_size", "first_period"]], reported, period, context.today
    )
    owing = ents["above_designated_size"] & (ents["first_period"] <= str(period))
    checked = int(owing.sum())
    if overdue.empty:
        return JobResult(alerts=_empty(), checked=checked)
    due = intensity.due_date(period).isoformat()
    alerts = pd.DataFrame(
        {
            "uscc": overdue["uscc"].astype(str),
            "kind": MISSING_REPORT,
            "severity": "warning",
            "value": overdue["days_overdue"].astype(float),
            "limit": np.nan,
            "unit": "d",
            "ratio": np.nan,
            "limit_source": "due " + due,
            "detail": [{"due": due} for _ in range(len(overdue))],
        }
    )
    return JobResult(alerts=alerts, checked=checked)


INTENSITY_CHECK = Job(
    name="intensity-check",
    description=(
        "Year-to-date energy intensity of each above-size enterprise against its limit, and "
        "electricity per tonne of products with a national energy quota (GB 21346-2022)"
    ),
    kinds=(intensity.OVERRUN, intensity.PRODUCT_OVERRUN),
    compute=intensity_check,
    schedule_setting="scheduler_intensity_cron",
)

MISSING_REPORTS = Job(
    name="missing-reports",
    description="Above-size enterprises with no report for the month after the 10th of the next",
    kinds=(MISSING_REPORT,),
    compute=missing_reports,
    schedule_setting="scheduler_missing_cron",
)
