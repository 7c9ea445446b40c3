"""Queries of inventories: the enterprises at a level, and their activity summed in SQL.

An inventory is linear in activity and its factors depend on the item, the year and the
enterprise's region only, never on the month or the line. So the database sums exactly what
the inventory needs and no more:

* :func:`activity_sums`: quantities by enterprise and item (the enterprise breakdown, the rows
  by source, what is not covered) and by month, region and item (the month breakdown);
* :func:`reported_months`: one bit per month reported, per enterprise (the coverage).

Each answer has at most (enterprises × items) rows, however many lines and revisions lie
behind it, so time beyond the scan and memory stay flat as data grows.

Which revision counts is decided in one place, the reports repository: the latest revision of
each month, whose lines ``report_month_items`` holds already summed by item (kept up in the
transaction that moves the month's head), or, ``as_of`` an earlier instant, the latest
revision submitted by then (``_latest_heads``), whose lines are joined and summed here, exactly
as for :func:`api.reports.repository.aggregate_latest`. That function returns every section at
the (enterprise, month, item, unit) grain with texts for keys; these queries read only what
emits (``energy``, and ``production`` of the products with process emissions) and group on
integer ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    cast,
    func,
    literal_column,
    or_,
    select,
    text,
    tuple_,
)
from sqlalchemy.sql import Executable
from sqlmodel import Session, col

from api.models import Enterprise
from api.reports.repository import (
    _latest_heads,
    enterprises_t,
    latest_items,
    lines_t,
    paused_cycle_collection,
)
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
    ids, usccs, names, parks, above, regions = _columns(session, stmt, len(ENTERPRISE_COLUMNS))
    return pd.DataFrame(
        {
            "id": np.asarray(ids, dtype=np.int64),
            "uscc": np.asarray(usccs, dtype=object),
            "name": np.asarray(names, dtype=object),
            "park_code": np.asarray(parks, dtype=object),
            "above_designated_size": np.asarray(above, dtype=bool),
            "region": np.asarray(regions, dtype=object),
        }
    )


class Scope:
    """Which months and enterprises a query reads, and as of when.

    ``heads`` has one row per counting month (``enterprise_id``, ``period``, ``revision_id``);
    ``activity`` one row per counting month and line kind (``enterprise_id``, ``period``,
    ``section``, ``item``, ``quantity``): the latest revisions' sums kept in
    ``report_month_items``, or, ``as_of`` an earlier instant, the lines of the revisions that
    counted then.

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
        period_from, period_to = f"{year:04d}-{first:02d}", f"{year:04d}-{last:02d}"
        self.heads = _latest_heads(
            period_from=period_from, period_to=period_to, as_of=as_of
        ).subquery("heads")
        if as_of is None:
            self.activity = latest_items(period_from=period_from, period_to=period_to).subquery(
                "activity"
            )
        else:
            self.activity = (
                select(
                    self.heads.c.enterprise_id,
                    self.heads.c.period,
                    lines_t.c.section,
                    lines_t.c.item,
                    lines_t.c.canonical_quantity.label("quantity"),
                )
                .select_from(self.heads)
                .join(lines_t, lines_t.c.revision_id == self.heads.c.revision_id)
                .subquery("activity")
            )
        self.enterprise_id = enterprise_id
        self.park_code = park_code

    def restrict(self, stmt: Select[Any], rows: Any, *, joined: bool = False) -> Select[Any]:
        """``stmt`` over ``rows`` (``heads`` or ``activity``) limited to the scope's enterprises
        (``joined``: enterprises is joined already)."""
        if self.enterprise_id is not None:
            stmt = stmt.where(rows.c.enterprise_id == self.enterprise_id)
        if self.park_code is not None:
            if not joined:
                stmt = stmt.join(enterprises_t, enterprises_t.c.id == rows.c.enterprise_id)
            stmt = stmt.where(enterprises_t.c.park_code == self.park_code)
        return stmt

    def emitting(self, stmt: Select[Any]) -> Select[Any]:
        """``stmt`` over ``activity`` limited to the line kinds that emit."""
        section, item = self.activity.c.section, self.activity.c.item
        return stmt.where(
            section.in_([Section.ENERGY.value, Section.PRODUCTION.value]),
            or_(section == Section.ENERGY.value, item.in_(list(PROCESS_PRODUCTS))),
        )


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
    result = session.connection().execute(stmt)
    try:
        with paused_cycle_collection():
            rows = result.cursor.fetchall()
            columns = list(zip(*rows, strict=True)) if rows else [()] * n
            del rows  # freed before collection resumes, so that it finds nothing to scan
    finally:
        result.close()
    return columns


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


def _enterprise_frame(ent: Sequence[Any], item: Sequence[Any], qty: Sequence[Any]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "enterprise_id": np.asarray(ent, dtype=np.int64),
            **_item_columns(tuple(item)),
            "quantity": np.asarray(qty, dtype=np.float64),
        }
    )


def _month_frame(
    month: Sequence[Any], region: Sequence[Any], item: Sequence[Any], qty: Sequence[Any]
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "month": np.asarray(month, dtype=np.int64),
            "region": np.asarray(region, dtype=object),
            **_item_columns(tuple(item)),
            "quantity": np.asarray(qty, dtype=np.float64),
        }
    )


def activity_sums(
    session: Session, scope: Scope, *, by_region: bool
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Emitting quantities of the scope summed by enterprise and item, and by month and item.

    PostgreSQL computes both sums in one pass over the lines (``GROUPING SETS``); SQLite,
    which has no grouping sets, in two queries.

    Parameters
    ----------
    by_region : bool
        Split the sums by month further by the enterprises' region (needed only where the
        scope's enterprises lie in more than one region; otherwise ``region`` is ``None``).

    Returns
    -------
    by_enterprise : DataFrame
        Columns ``enterprise_id`` (int), ``section``, ``item`` (categoricals) and
        ``quantity`` [canonical unit of the item].
    by_month : DataFrame
        Columns ``month`` (int 1-12), ``region``, ``section``, ``item`` and ``quantity``.
    """
    _tune(session)
    rows = scope.activity
    ent, item, month = rows.c.enterprise_id, rows.c.item, _month_number(rows.c.period)
    region = enterprises_t.c.region
    total = func.sum(rows.c.quantity)
    join_registry = by_region or scope.park_code is not None

    def base(*columns: ColumnElement[Any]) -> Select[Any]:
        stmt = select(*columns).select_from(rows)
        if join_registry:
            stmt = stmt.join(enterprises_t, enterprises_t.c.id == rows.c.enterprise_id)
        return scope.restrict(scope.emitting(stmt), rows, joined=join_registry)

    month_keys = (month, item, region) if by_region else (month, item)
    if session.get_bind().dialect.name == "postgresql":
        region_col = region if by_region else literal_column("NULL")
        stmt = base(func.grouping(ent), ent, month, region_col, item, total).group_by(
            func.grouping_sets(tuple_(ent, item), tuple_(*month_keys))
        )
        flag, ents, months, regions, items, qty = _columns(session, stmt, 6)
        is_month = np.asarray(flag, dtype=bool)
        cols = [np.asarray(c, dtype=object) for c in (ents, months, regions, items, qty)]
        e, m = ~is_month, is_month
        return (
            _enterprise_frame(cols[0][e], cols[3][e], cols[4][e]),
            _month_frame(cols[1][m], cols[2][m], cols[3][m], cols[4][m]),
        )
    ents, items, qty = _columns(session, base(ent, item, total).group_by(ent, item), 3)
    by_enterprise = _enterprise_frame(ents, items, qty)
    if by_region:
        months, items, regions, qty = _columns(
            session, base(*month_keys, total).group_by(*month_keys), 4
        )
    else:
        months, items, qty = _columns(session, base(*month_keys, total).group_by(*month_keys), 3)
        regions = (None,) * len(months)
    return by_enterprise, _month_frame(months, regions, items, qty)


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
    stmt = scope.restrict(stmt, heads).group_by(heads.c.enterprise_id)
    ent, mask = _columns(session, stmt, 2)
    return pd.DataFrame(
        {
            "enterprise_id": np.asarray(ent, dtype=np.int64),
            "months": np.asarray(mask, dtype=np.int64),
        }
    )


def months_of(mask: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """Whether each month 1-12 is set in each mask: shape (len(mask), 12)."""
    return ((mask[:, None] >> np.arange(1, 13)) & 1).astype(bool)
