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
revision submitted by then (``latest_heads``), whose lines are joined and summed here, exactly
as for :func:`api.reports.repository.aggregate_latest`. That function returns every section at
the (enterprise, month, item, unit) grain with texts for keys; these queries read only what
emits (``energy``, and ``production`` of the products with process emissions) and group on
integer ids.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    bindparam,
    cast,
    func,
    literal_column,
    or_,
    select,
    tuple_,
)
from sqlalchemy.sql import Executable, Subquery
from sqlmodel import Session

from api.reports.repository import (
    enterprises_t,
    latest_heads,
    latest_items_of,
    lines_t,
    paused_cycle_collection,
)
from carbon.catalog import PROCESS_PRODUCTS, Section

ENTERPRISE_COLUMNS = ("id", "uscc", "name", "park_code", "above_designated_size", "region")


@dataclass(frozen=True)
class Enterprises:
    """The enterprises at a level, ordered by USCC: one entry per enterprise in each field."""

    id: npt.NDArray[np.int64]
    uscc: list[str]
    name: list[str]
    park_code: list[str | None]
    above_designated_size: list[bool]
    region: list[str]

    def __len__(self) -> int:
        return len(self.uscc)

    def positions(self, ids: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """The position of each registry id here, -1 for an id not among these enterprises."""
        ids = np.asarray(ids, dtype=np.int64)
        order = np.argsort(self.id, kind="stable")
        ranked = self.id[order]
        at = np.minimum(np.searchsorted(ranked, ids), max(len(ranked) - 1, 0))
        if not len(ranked):
            return np.full(len(ids), -1, dtype=np.int64)
        return np.where(ranked[at] == ids, order[at], -1).astype(np.int64)


@dataclass(frozen=True)
class Sums:
    """Emitting quantities summed by a key: ``key`` is the registry id of the enterprise (sums by
    enterprise) or the month 1-12 (sums by month); ``region`` is the enterprises' region where
    the sums by month were split by region, else ``None``; ``quantity`` is in the canonical
    unit of the item."""

    key: npt.NDArray[np.int64]
    region: list[str | None]
    item: list[str]
    quantity: npt.NDArray[np.float64]


@dataclass(frozen=True)
class Reported:
    """Per enterprise (registry id), bit ``m`` (1-12) of ``months`` is set when month ``m`` has
    a counting revision (periods are unique per enterprise, so their sum is their union)."""

    enterprise_id: npt.NDArray[np.int64]
    months: npt.NDArray[np.int64]


def enterprises_at(
    session: Session, *, uscc: str | None = None, park_code: str | None = None
) -> Enterprises:
    """Every enterprise of one USCC, one park, or (neither given) the whole district,
    ordered by USCC."""
    stmt = _enterprises_statement(uscc is not None, park_code is not None)
    params = {k: v for k, v in (("uscc", uscc), ("park_code", park_code)) if v is not None}
    ids, usccs, names, parks, above, regions = _columns(
        session, stmt, len(ENTERPRISE_COLUMNS), params
    )
    return Enterprises(
        id=np.asarray(ids, dtype=np.int64),
        uscc=list(usccs),
        name=list(names),
        park_code=list(parks),
        above_designated_size=[bool(a) for a in above],
        region=list(regions),
    )


@functools.lru_cache(maxsize=4)
def _enterprises_statement(by_uscc: bool, by_park: bool) -> Select[Any]:
    stmt = select(*(enterprises_t.c[c] for c in ENTERPRISE_COLUMNS)).order_by(enterprises_t.c.uscc)
    if by_uscc:
        stmt = stmt.where(enterprises_t.c.uscc == bindparam("uscc"))
    if by_park:
        stmt = stmt.where(enterprises_t.c.park_code == bindparam("park_code"))
    return stmt


@dataclass(frozen=True)
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

    The statements depend only on the scope's :class:`Shape` (which of these are given);
    the values go in as bound parameters (:attr:`params`), so that one statement of each
    shape is built and compiled once per process.
    """

    year: int
    month: int | None = None
    enterprise_id: int | None = None
    park_code: str | None = None
    as_of: Any = None

    @property
    def shape(self) -> Shape:
        return Shape(
            enterprise=self.enterprise_id is not None,
            park=self.park_code is not None,
            as_of=self.as_of is not None,
        )

    @property
    def params(self) -> dict[str, Any]:
        months = [self.month] if self.month is not None else list(range(1, 13))
        periods = [f"{self.year:04d}-{m:02d}" for m in months]
        params: dict[str, Any] = {"period_from": periods[0], "period_to": periods[-1]}
        if self.as_of is None:
            params["periods"] = periods
        else:
            params["as_of"] = self.as_of
        if self.enterprise_id is not None:
            params["enterprise_id"] = self.enterprise_id
        if self.park_code is not None:
            params["park_code"] = self.park_code
        return params


@dataclass(frozen=True)
class Shape:
    """What a :class:`Scope` restricts, which decides its statements.

    ``heads`` has one row per counting month (``enterprise_id``, ``period``, ``revision_id``);
    ``activity`` one row per counting month and line kind (``enterprise_id``, ``period``,
    ``section``, ``item``, ``quantity``): the latest revisions' sums kept in
    ``report_month_items``, or, ``as_of`` an earlier instant, the lines of the revisions that
    counted then.
    """

    enterprise: bool
    park: bool
    as_of: bool

    @cached_property
    def heads(self) -> Subquery:
        heads = latest_heads(
            period_from=bindparam("period_from"),
            period_to=bindparam("period_to"),
            as_of=bindparam("as_of") if self.as_of else None,
        )
        return heads.subquery("heads")

    @cached_property
    def activity(self) -> Subquery:
        if not self.as_of:
            return latest_items_of(bindparam("periods", expanding=True)).subquery("activity")
        heads = self.heads
        return (
            select(
                heads.c.enterprise_id,
                heads.c.period,
                lines_t.c.section,
                lines_t.c.item,
                lines_t.c.canonical_quantity.label("quantity"),
            )
            .select_from(heads)
            .join(lines_t, lines_t.c.revision_id == heads.c.revision_id)
            .subquery("activity")
        )

    def restrict(self, stmt: Select[Any], rows: Any, *, joined: bool = False) -> Select[Any]:
        """``stmt`` over ``rows`` (``heads`` or ``activity``) limited to the scope's enterprises
        (``joined``: enterprises is joined already)."""
        if self.enterprise:
            stmt = stmt.where(rows.c.enterprise_id == bindparam("enterprise_id"))
        if self.park:
            if not joined:
                stmt = stmt.join(enterprises_t, enterprises_t.c.id == rows.c.enterprise_id)
            stmt = stmt.where(enterprises_t.c.park_code == bindparam("park_code"))
        return stmt

    def emitting(self, stmt: Select[Any]) -> Select[Any]:
        """``stmt`` over ``activity`` limited to the line kinds that emit."""
        section, item = self.activity.c.section, self.activity.c.item
        return stmt.where(
            section.in_([Section.ENERGY.value, Section.PRODUCTION.value]),
            or_(section == Section.ENERGY.value, item.in_(list(PROCESS_PRODUCTS))),
        )


def _columns(
    session: Session, stmt: Executable, n: int, params: dict[str, Any] | None = None
) -> list[tuple[Any, ...]]:
    """The ``n`` columns of ``stmt``'s rows, as the driver returns them.

    Reading the DB-API cursor directly skips building a SQLAlchemy ``Row`` per row, which for
    many rows of plain numbers and texts costs as much as the query.
    """
    result = session.connection().execute(stmt, params)
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


@functools.lru_cache(maxsize=64)
def _sum_statements(scope: Shape, by_region: bool, postgresql: bool) -> tuple[Select[Any], ...]:
    """The statements of :func:`activity_sums`: one with grouping sets on PostgreSQL, else
    the sums by enterprise and by month. Built once per shape of scope: building one costs
    more than running it on a small scope."""
    rows = scope.activity
    ent, item, month = rows.c.enterprise_id, rows.c.item, _month_number(rows.c.period)
    region = enterprises_t.c.region
    total = func.sum(rows.c.quantity)
    join_registry = by_region or scope.park

    def base(*columns: ColumnElement[Any]) -> Select[Any]:
        stmt = select(*columns).select_from(rows)
        if join_registry:
            stmt = stmt.join(enterprises_t, enterprises_t.c.id == rows.c.enterprise_id)
        return scope.restrict(scope.emitting(stmt), rows, joined=join_registry)

    month_keys = (month, item, region) if by_region else (month, item)
    if postgresql:
        region_col = region if by_region else literal_column("NULL")
        stmt = base(func.grouping(ent), ent, month, region_col, item, total).group_by(
            func.grouping_sets(tuple_(ent, item), tuple_(*month_keys))
        )
        return (stmt,)
    return (
        base(ent, item, total).group_by(ent, item),
        base(*month_keys, total).group_by(*month_keys),
    )


def activity_sums(session: Session, scope: Scope, *, by_region: bool) -> tuple[Sums, Sums]:
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
    by_enterprise, by_month : Sums
        Keyed by the enterprise's registry id, and by month (and region if ``by_region``).
    """
    postgresql = session.get_bind().dialect.name == "postgresql"
    statements = _sum_statements(scope.shape, by_region, postgresql)
    params = scope.params
    if postgresql:
        (stmt,) = statements
        flag, ents, months, regions, items, qty = _columns(session, stmt, 6, params)
        m = np.asarray(flag, dtype=bool)
        e = ~m
        cols = [np.asarray(c, dtype=object) for c in (ents, months, regions, items, qty)]
        return (
            Sums(
                key=cols[0][e].astype(np.int64),
                region=[None] * int(e.sum()),
                item=cols[3][e].tolist(),
                quantity=cols[4][e].astype(np.float64),
            ),
            Sums(
                key=cols[1][m].astype(np.int64),
                region=cols[2][m].tolist(),
                item=cols[3][m].tolist(),
                quantity=cols[4][m].astype(np.float64),
            ),
        )
    by_ent_stmt, by_month_stmt = statements
    ents, items, qty = _columns(session, by_ent_stmt, 3, params)
    by_enterprise = Sums(
        key=np.asarray(ents, dtype=np.int64),
        region=[None] * len(ents),
        item=list(items),
        quantity=np.asarray(qty, dtype=np.float64),
    )
    if by_region:
        months, items, regions, qty = _columns(session, by_month_stmt, 4, params)
    else:
        months, items, qty = _columns(session, by_month_stmt, 3, params)
        regions = (None,) * len(months)
    by_month = Sums(
        key=np.asarray(months, dtype=np.int64),
        region=list(regions),
        item=list(items),
        quantity=np.asarray(qty, dtype=np.float64),
    )
    return by_enterprise, by_month


def reported_months(session: Session, scope: Scope) -> Reported:
    """The months each enterprise of the scope has a counting revision for (any section)."""
    params = {k: v for k, v in scope.params.items() if k != "periods"}
    ent, mask = _columns(session, _reported_statement(scope.shape), 2, params)
    return Reported(np.asarray(ent, dtype=np.int64), np.asarray(mask, dtype=np.int64))


@functools.lru_cache(maxsize=16)
def _reported_statement(scope: Shape) -> Select[Any]:
    heads = scope.heads
    bits = func.sum(literal_column("1").op("<<")(_month_number(heads.c.period)))
    stmt = select(heads.c.enterprise_id, bits).select_from(heads)
    return scope.restrict(stmt, heads).group_by(heads.c.enterprise_id)


def months_of(mask: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """Whether each month 1-12 is set in each mask: shape (len(mask), 12)."""
    return ((mask[:, None] >> np.arange(1, 13)) & 1).astype(bool)
