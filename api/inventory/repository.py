"""Queries of inventories: the enterprises at a level, and their activity summed in SQL.

An inventory is linear in activity and its factors depend on the item, the year and the
enterprise's region only, never on the month or the line. So the database sums exactly what
the inventory needs and no more:

* :func:`activity_by_enterprise`: quantities by enterprise and item (the enterprise breakdown,
  the rows by source, what is not covered);
* :func:`activity_by_month`: quantities by month, region and item (the month breakdown);
* :func:`reported_months`: one bit per month reported, per enterprise (the coverage).

Each answer has at most (enterprises × items) rows, however many lines and revisions lie
behind it, so time beyond the scan and memory stay flat as data grows.

Which revision counts is decided in one place: the reports repository's ``_latest_heads``
(the latest revision of each month, or the latest submitted by ``as_of``), exactly as for
:func:`api.reports.repository.aggregate_latest`. That function returns every section at the
(enterprise, month, item, unit) grain with texts for keys; these queries read only what emits
(``energy``, and ``production`` of the products with process emissions) and group on integer
ids.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    cast,
    func,
    literal_column,
    or_,
    select,
    text,
)
from sqlalchemy.sql import Executable
from sqlmodel import Session, col

from api.models import Enterprise
from api.reports.repository import _latest_heads, enterprises_t, lines_t
from carbon.catalog import PROCESS_PRODUCTS, Section

ENTERPRISE_COLUMNS = ("id", "uscc", "name", "park_code", "above_designated_size", "region")
_PRODUCTS = np.array(list(PROCESS_PRODUCTS), dtype=object)


def enterprises_at(
    session: Session, *, uscc: str | None = None, park_code: str | None = None
) -> pd.DataFrame:
    """Every enterprise of one USCC, one park, or (neither given) the whole district.

    One row per enterprise, ordered by USCC, columns :data:`ENTERPRISE_COLUMNS`.
    """
    stmt = select(
        col(Enterprise.id),
        col(Enterprise.uscc),
        col(Enterprise.name),
        col(Enterprise.park_code),
        col(Enterprise.above_designated_size),
        col(Enterprise.region),
    ).order_by(col(Enterprise.uscc))
    if uscc is not None:
        stmt = stmt.where(col(Enterprise.uscc) == uscc)
    if park_code is not None:
        stmt = stmt.where(col(Enterprise.park_code) == park_code)
    frame = pd.DataFrame(session.execute(stmt).all(), columns=list(ENTERPRISE_COLUMNS))
    frame["id"] = frame["id"].astype(np.int64)
    frame["above_designated_size"] = frame["above_designated_size"].astype(bool)
    return frame


class Scope:
    """Which months and enterprises a query reads, and as of when.

    Parameters
    ----------
    year : int
        Calendar year.
    month : int, optional
        Only this month of the year.
    enterprise_id, park_code : optional
        Only this enterprise (registry id) or this park's enterprises; neither: the district.
    as_of : datetime, optional
        Count the latest revision submitted at or before this instant (aware) of each month.
    """

    def __init__(
        self,
        *,
        year: int,
        month: int | None = None,
        enterprise_id: int | None = None,
        park_code: str | None = None,
        as_of: Any = None,
    ) -> None:
        first, last = (month, month) if month is not None else (1, 12)
        self.heads = _latest_heads(
            period_from=f"{year:04d}-{first:02d}", period_to=f"{year:04d}-{last:02d}", as_of=as_of
        ).subquery("heads")
        self.enterprise_id = enterprise_id
        self.park_code = park_code

    def restrict(self, stmt: Select[Any], *, joined: bool = False) -> Select[Any]:
        """``stmt`` limited to the scope's enterprises (``joined``: enterprises is joined)."""
        heads = self.heads
        if self.enterprise_id is not None:
            stmt = stmt.where(heads.c.enterprise_id == self.enterprise_id)
        if self.park_code is not None:
            if not joined:
                stmt = stmt.join(enterprises_t, enterprises_t.c.id == heads.c.enterprise_id)
            stmt = stmt.where(enterprises_t.c.park_code == self.park_code)
        return stmt

    def emitting_lines(self, stmt: Select[Any]) -> Select[Any]:
        """``stmt`` joined to the counting revisions' lines that emit."""
        emitting = or_(
            lines_t.c.section == Section.ENERGY.value,
            and_(
                lines_t.c.section == Section.PRODUCTION.value,
                lines_t.c.item.in_(list(PROCESS_PRODUCTS)),
            ),
        )
        return stmt.join(lines_t, (lines_t.c.revision_id == self.heads.c.revision_id) & emitting)


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Pause the cyclic garbage collector while plain rows are read.

    Many new tuples trigger full collections that scan every object of the process (~80 ms
    each here), although tuples of numbers and texts hold no cycles; reference counting still
    frees everything. Only the caller that paused it resumes it, so overlapping callers in
    other threads never leave it paused.
    """
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _tune(session: Session) -> None:
    """On PostgreSQL, for this transaction: no JIT (it costs more than it saves on these
    one-off aggregates) and memory enough to hash the groups instead of sorting on disk."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL jit = off"))
        session.execute(text("SET LOCAL work_mem = '64MB'"))


def _columns(session: Session, stmt: Executable, n: int) -> list[tuple[Any, ...]]:
    """The ``n`` columns of ``stmt``'s rows, as the driver returns them.

    Reading the DB-API cursor directly skips building a SQLAlchemy ``Row`` per row, which for
    many rows of plain numbers and texts costs as much as the query.
    """
    result = session.execute(stmt)
    try:
        with _no_cycle_collection():
            rows = result.cursor.fetchall()  # type: ignore[attr-defined]
            return list(zip(*rows, strict=True)) if rows else [()] * n
    finally:
        result.close()


def _month_number(period: ColumnElement[Any]) -> ColumnElement[Any]:
    """The month of a ``YYYY-MM`` column, as an integer.

    The positions are written into the SQL rather than bound, so that PostgreSQL sees the
    same expression in the select list and in ``GROUP BY``.
    """
    return cast(func.substr(period, literal_column("6"), literal_column("2")), Integer)


def _item_columns(item: tuple[Any, ...]) -> dict[str, pd.Categorical]:
    """``section`` and ``item`` categoricals: items named in PROCESS_PRODUCTS are products."""
    items = pd.Categorical(np.asarray(item, dtype=object))
    is_product = np.append(np.isin(np.asarray(items.categories, dtype=object), _PRODUCTS), False)
    section = pd.Categorical.from_codes(
        is_product[items.codes].astype(np.int8),
        categories=pd.Index([Section.ENERGY.value, Section.PRODUCTION.value]),
    )
    return {"section": section, "item": items}


def activity_by_enterprise(session: Session, scope: Scope) -> pd.DataFrame:
    """Emitting quantities of the scope summed by enterprise and item.

    Returns
    -------
    DataFrame
        Columns ``enterprise_id`` (int), ``section``, ``item`` (categoricals) and
        ``quantity`` [canonical unit of the item].
    """
    _tune(session)
    heads = scope.heads
    group = (heads.c.enterprise_id, lines_t.c.item)
    stmt = select(*group, func.sum(lines_t.c.canonical_quantity)).select_from(heads)
    stmt = scope.restrict(scope.emitting_lines(stmt)).group_by(*group)
    ent, item, qty = _columns(session, stmt, 3)
    return pd.DataFrame(
        {
            "enterprise_id": np.asarray(ent, dtype=np.int64),
            **_item_columns(item),
            "quantity": np.asarray(qty, dtype=np.float64),
        }
    )


def activity_by_month(session: Session, scope: Scope, *, by_region: bool) -> pd.DataFrame:
    """Emitting quantities of the scope summed by month, item and (``by_region``) region.

    Without ``by_region`` (every enterprise of the scope in one region) the registry is not
    joined and ``region`` is ``None``.

    Returns
    -------
    DataFrame
        Columns ``month`` (int 1-12), ``region``, ``section``, ``item`` and ``quantity``
        [canonical unit of the item].
    """
    _tune(session)
    heads = scope.heads
    month = _month_number(heads.c.period)
    keys: tuple[ColumnElement[Any], ...] = (month, lines_t.c.item)
    if by_region:
        keys = (*keys, enterprises_t.c.region)
    stmt = select(*keys, func.sum(lines_t.c.canonical_quantity)).select_from(heads)
    if by_region:
        stmt = stmt.join(enterprises_t, enterprises_t.c.id == heads.c.enterprise_id)
    stmt = scope.restrict(scope.emitting_lines(stmt), joined=by_region).group_by(*keys)
    if by_region:
        months, item, regions, qty = _columns(session, stmt, 4)
    else:
        months, item, qty = _columns(session, stmt, 3)
        regions = (None,) * len(months)
    return pd.DataFrame(
        {
            "month": np.asarray(months, dtype=np.int64),
            "region": np.asarray(regions, dtype=object),
            **_item_columns(item),
            "quantity": np.asarray(qty, dtype=np.float64),
        }
    )


def reported_months(session: Session, scope: Scope) -> pd.DataFrame:
    """The months each enterprise of the scope has a counting revision for (any section).

    Returns
    -------
    DataFrame
        Columns ``enterprise_id`` and ``months``: bit ``m`` (1-12) set when month ``m`` is
        reported (periods are unique per enterprise, so their sum is their union).
    """
    heads = scope.heads
    bits = func.sum(literal_column("1").op("<<")(_month_number(heads.c.period)))
    stmt = select(heads.c.enterprise_id, bits).select_from(heads)
    stmt = scope.restrict(stmt).group_by(heads.c.enterprise_id)
    ent, mask = _columns(session, stmt, 2)
    return pd.DataFrame(
        {
            "enterprise_id": np.asarray(ent, dtype=np.int64),
            "months": np.asarray(mask, dtype=np.int64),
        }
    )


def month_bits(months: Sequence[int]) -> int:
    """The bit mask of ``months`` (1-12), as :func:`reported_months` writes them."""
    return sum(1 << m for m in months)


def months_of(mask: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """Whether each month 1-12 is set in each mask: shape (len(mask), 12)."""
    return ((mask[:, None] >> np.arange(1, 13)) & 1).astype(bool)
