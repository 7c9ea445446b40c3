"""Every query on monthly reports: storing revisions, reading them back, and the aggregates
that inventories, targets and scheduled checks build on.

Revisions are append-only. A month's revision number comes from one atomic statement on its
head row in ``report_months``::

    INSERT INTO report_months (enterprise_id, period, latest_revision) VALUES (:e, :p, :k)
    ON CONFLICT (enterprise_id, period)
    DO UPDATE SET latest_revision = report_months.latest_revision + excluded.latest_revision
    RETURNING latest_revision

which both SQLite (3.35+) and PostgreSQL run as one step: PostgreSQL locks the head row until the
transaction ends, SQLite the whole database, so concurrent submissions to one month get
distinct, gapless numbers and the head's ``latest_revision_id`` always names the newest one.
Lines go in with one executemany (SQLite) or one ``COPY`` (PostgreSQL), never an ORM object per
line; the heads' upsert and update take every month in one statement (``unnest`` arrays on
PostgreSQL, a JSON text read by ``json_each`` on SQLite).

In the same transaction, the months whose head moved get their ``report_month_items``
replaced by the new head's lines summed by item (one DELETE, one ``INSERT ... SELECT``). Every
aggregate over the latest revisions (:func:`aggregate_latest`, :func:`latest_items`, the
inventories and the scheduled checks) reads those sums; only "as of" an earlier instant do
they join ``report_lines`` to the revisions that counted then.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sqlalchemy import BindParameter, Connection, CursorResult, Select, func, insert, select
from sqlmodel import Session

from api.db import fetch
from api.models import Enterprise, ReportLine, ReportMonth, ReportMonthItem, ReportRevision
from api.models.base import utcnow
from carbon.catalog import WASTE_COLUMNS, Section
from carbon.periods import months_between, parse_period

months_t = ReportMonth.__table__  # type: ignore[attr-defined]
revisions_t = ReportRevision.__table__  # type: ignore[attr-defined]
lines_t = ReportLine.__table__  # type: ignore[attr-defined]
items_t = ReportMonthItem.__table__  # type: ignore[attr-defined]
enterprises_t = Enterprise.__table__  # type: ignore[attr-defined]

CANONICAL_WASTE: tuple[str, ...] = tuple(f"canonical_{c}" for c in WASTE_COLUMNS)
STORED_LINE_COLUMNS: tuple[str, ...] = (
    "revision_id",
    "section",
    "position",
    "item",
    "quantity",
    "unit",
    "canonical_quantity",
    "canonical_unit",
    *WASTE_COLUMNS,
    *CANONICAL_WASTE,
)
AGGREGATE_COLUMNS: tuple[str, ...] = (
    "uscc",
    "park_code",
    "year",
    "month",
    "section",
    "item",
    "canonical_unit",
    "quantity",
    *WASTE_COLUMNS,
)
MONTH_ITEM_COLUMNS: tuple[str, ...] = (
    "enterprise_id",
    "period",
    "revision_id",
    "section",
    "item",
    "canonical_unit",
    "quantity",
    *WASTE_COLUMNS,
)
#: What :func:`latest_items` selects: a month's sums by item, without the revision summed.
LATEST_ITEM_COLUMNS: tuple[str, ...] = tuple(c for c in MONTH_ITEM_COLUMNS if c != "revision_id")
_LARGE = 1_000  # reports in one call from which PostgreSQL is tuned for a bulk aggregate
_CHUNK = 900  # bound parameters per IN (...) list, below SQLite's oldest limit of 999


# --- enterprises ------------------------------------------------------------------------------


def enterprises_by_uscc(session: Session, usccs: Sequence[str]) -> pd.DataFrame:
    """``id``, ``uscc``, ``park_code`` of the registered enterprises among ``usccs``."""
    found: list[tuple[int, str, str | None]] = []
    unique = sorted(set(usccs))
    for start in range(0, len(unique), _CHUNK):
        chunk = unique[start : start + _CHUNK]
        stmt = select(enterprises_t.c.id, enterprises_t.c.uscc, enterprises_t.c.park_code).where(
            enterprises_t.c.uscc.in_(chunk)
        )
        found.extend((int(i), str(u), p) for i, u, p in session.execute(stmt).all())
    return pd.DataFrame(found, columns=["id", "uscc", "park_code"])


# --- storing ----------------------------------------------------------------------------------


def _is_postgres(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def _pg_cursor(conn: Connection) -> Any:
    """A psycopg cursor on the session's own connection (inside its transaction)."""
    raw = conn.connection.driver_connection
    assert raw is not None
    return raw.cursor()


def _bump_heads(
    conn: Connection, counts: dict[tuple[int, str], int], n: int
) -> tuple[dict[tuple[int, str], int], list[int]]:
    """Add ``k`` revisions to each (enterprise_id, period); return each month's new head number,
    and ``n`` fresh ids for report_revisions.

    Keys go in sorted order, so that two transactions lock shared heads in the same order.
    PostgreSQL draws the ids from the table's sequence, in the same round trip. SQLite has one
    writer at a time, and this transaction has just written (the head rows), so the ids after
    the current maximum are ours.
    """
    ordered = sorted(counts.items())
    e = [key[0] for key, _ in ordered]
    p = [key[1] for key, _ in ordered]
    k = [n for _, n in ordered]
    if _is_postgres(conn):
        raw = conn.connection.driver_connection
        assert raw is not None
        with raw.pipeline(), raw.cursor() as heads_cur, raw.cursor() as ids_cur:
            heads_cur.execute(
                "INSERT INTO report_months (enterprise_id, period, latest_revision)"
                " SELECT * FROM unnest(%s::integer[], %s::varchar[], %s::integer[])"
                " ORDER BY 1, 2"
                " ON CONFLICT (enterprise_id, period) DO UPDATE"
                " SET latest_revision = report_months.latest_revision"
                " + excluded.latest_revision"
                " RETURNING enterprise_id, period, latest_revision",
                (e, p, k),
            )
            ids_cur.execute(
                "SELECT nextval(pg_get_serial_sequence('report_revisions', 'id'))"
                " FROM generate_series(1, %s)",
                (n,),
            )
            rows = heads_cur.fetchall()
            ids = [int(row[0]) for row in ids_cur.fetchall()]
    else:
        # One statement for every month: the triples travel as one JSON text ("WHERE true"
        # tells SQLite's parser that ON CONFLICT belongs to the INSERT, not to a join).
        rows = fetch(
            conn,
            "INSERT INTO report_months (enterprise_id, period, latest_revision)"
            " SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'),"
            " json_extract(value, '$[2]') FROM json_each(?) WHERE true"
            " ON CONFLICT (enterprise_id, period) DO UPDATE"
            " SET latest_revision = latest_revision + excluded.latest_revision"
            " RETURNING enterprise_id, period, latest_revision",
            (json.dumps(list(zip(e, p, k, strict=True))),),
        )
        ((top,),) = fetch(conn, "SELECT coalesce(max(id), 0) FROM report_revisions", ())
        ids = list(range(int(top) + 1, int(top) + 1 + n))
    return {(int(a), str(b)): int(c) for a, b, c in rows}, ids


def _copy(
    conn: Connection, table: str, names: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """PostgreSQL ``COPY table (names) FROM STDIN`` of ``rows``."""
    sql = f"COPY {table} ({', '.join(names)}) FROM STDIN"
    with _pg_cursor(conn) as cur, cur.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def _insert_revisions(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if _is_postgres(conn):
        names = list(rows[0])
        _copy(conn, "report_revisions", names, ([r[c] for c in names] for r in rows))
        return
    conn.execute(insert(revisions_t), rows)


def _insert_lines(conn: Connection, columns: dict[str, list[Any]]) -> None:
    names = list(STORED_LINE_COLUMNS)
    if not columns[names[0]]:
        return
    rows = zip(*(columns[c] for c in names), strict=True)
    if _is_postgres(conn):
        _copy(conn, "report_lines", names, rows)
        return
    # The session's own sqlite3 connection, inside its transaction: one executemany.
    raw = conn.connection.driver_connection
    assert raw is not None
    placeholders = ", ".join("?" for _ in names)
    cursor = raw.cursor()
    try:
        cursor.executemany(
            f"INSERT INTO report_lines ({', '.join(names)}) VALUES ({placeholders})", rows
        )
    finally:
        cursor.close()


def _point_heads(
    conn: Connection, e: list[int], p: list[str], rid: list[int], *, cursor: Any = None
) -> None:
    """Set each month's ``latest_revision_id`` (on PostgreSQL, with ``cursor`` if given)."""
    if _is_postgres(conn):
        with nullcontext(cursor) if cursor is not None else _pg_cursor(conn) as cur:
            cur.execute(
                "UPDATE report_months AS m SET latest_revision_id = u.rid"
                " FROM unnest(%s::integer[], %s::varchar[], %s::integer[]) AS u(e, p, rid)"
                " WHERE m.enterprise_id = u.e AND m.period = u.p",
                (e, p, rid),
            )
        return
    fetch(
        conn,
        "UPDATE report_months AS m SET latest_revision_id = json_extract(u.value, '$[2]')"
        " FROM json_each(?) AS u"
        " WHERE m.enterprise_id = json_extract(u.value, '$[0]')"
        " AND m.period = json_extract(u.value, '$[1]')",
        (json.dumps(list(zip(e, p, rid, strict=True))),),
    )


_ITEM_SUMS = "l.section, l.item, l.canonical_unit, SUM(l.canonical_quantity), " + ", ".join(
    f"SUM(l.{c})" for c in CANONICAL_WASTE
)
_ITEM_GROUP = "l.section, l.item, l.canonical_unit"


_PG_DELETE_MONTH_ITEMS = "DELETE FROM report_month_items WHERE period = %s AND enterprise_id = %s"
_PG_INSERT_MONTH_ITEMS = (
    f"INSERT INTO report_month_items ({', '.join(MONTH_ITEM_COLUMNS)})"
    f" SELECT %s::integer, %s::varchar, %s::integer, {_ITEM_SUMS}"
    f" FROM report_lines AS l WHERE l.revision_id = %s GROUP BY {_ITEM_GROUP}"
)


def _replace_month_items(
    conn: Connection, e: list[int], p: list[str], rid: list[int], *, cursor: Any = None
) -> None:
    """Replace the ``report_month_items`` of months ``(e, p)`` by revision ``rid``'s lines summed.

    Two set-based statements whatever the number of months: a DELETE of the months' rows and an
    ``INSERT ... SELECT ... GROUP BY`` over the new heads' lines.

    Why this is safe under concurrent writers: the caller already holds each month's head row
    (:func:`_bump_heads` upserted it; PostgreSQL keeps it locked until the transaction ends,
    SQLite has one writer at a time), and only a transaction holding a month's head writes
    that month's rows. So two transactions never replace one month at once: a second writer
    of the month waits in its own :func:`_bump_heads` until the first commits or rolls back.
    Under PostgreSQL's READ COMMITTED every statement takes a fresh snapshot, and the DELETE
    here starts after the head lock was granted, so it sees, and removes, every row the
    previous writer of the month committed; a rollback leaves the previous rows as they were,
    with the head that names them. Writers of different months touch different rows.
    """
    if _is_postgres(conn):
        with nullcontext(cursor) if cursor is not None else _pg_cursor(conn) as cur:
            if len(e) == 1:  # a PUT: one month, by its keys, prepared (planned once)
                cur.execute(_PG_DELETE_MONTH_ITEMS, (p[0], e[0]), prepare=True)
                cur.execute(_PG_INSERT_MONTH_ITEMS, (e[0], p[0], rid[0], rid[0]), prepare=True)
                return
            # Never prepared: a generic plan, not knowing how many months the arrays hold,
            # scans and hashes every line (1.7 ms for one month of the demonstration district
            # instead of 0.2 ms); planned with the arrays in hand it seeks them by index.
            cur.execute(
                "DELETE FROM report_month_items AS i"
                " USING unnest(%s::varchar[], %s::integer[]) AS u(p, e)"
                " WHERE i.period = u.p AND i.enterprise_id = u.e",
                (p, e),
                prepare=False,
            )
            cur.execute(
                f"INSERT INTO report_month_items ({', '.join(MONTH_ITEM_COLUMNS)})"
                f" SELECT u.e, u.p, u.rid, {_ITEM_SUMS}"
                " FROM unnest(%s::varchar[], %s::integer[], %s::integer[]) AS u(p, e, rid)"
                " JOIN report_lines AS l ON l.revision_id = u.rid"
                f" GROUP BY u.rid, {_ITEM_GROUP}, u.p, u.e",
                (p, e, rid),
                prepare=False,
            )
        return
    # SQLite: the months and head ids travel as one JSON text each (no array parameters).
    # The months' periods and enterprises, each listed, let SQLite seek the primary key on
    # both (the pairs alone, on the period only); the pairs then pick the months exactly.
    fetch(
        conn,
        "DELETE FROM report_month_items"
        " WHERE period IN (SELECT json_extract(value, '$[0]') FROM json_each(?1))"
        " AND enterprise_id IN (SELECT json_extract(value, '$[1]') FROM json_each(?1))"
        " AND (period, enterprise_id) IN"
        " (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?1))",
        (json.dumps(list(zip(p, e, strict=True))),),
    )
    # Grouped in ix_report_lines_aggregate's order, so that SQLite sums without sorting; a
    # revision's period and enterprise are the same on all its lines.
    fetch(
        conn,
        f"INSERT INTO report_month_items ({', '.join(MONTH_ITEM_COLUMNS)})"
        f" SELECT r.enterprise_id, r.period, r.id, {_ITEM_SUMS}"
        " FROM report_revisions AS r JOIN report_lines AS l ON l.revision_id = r.id"
        " WHERE r.id IN (SELECT value FROM json_each(?))"
        f" GROUP BY r.id, {_ITEM_GROUP}",
        (json.dumps(rid),),
    )


def rebuild_month_items(conn: Connection) -> None:
    """Recompute every month's ``report_month_items`` from its head revision's lines.

    For data written around :func:`store_revisions` (bulk loads of benchmarks, repairs): one
    DELETE and one ``INSERT ... SELECT``, as the migration that created the table fills it.
    Run it while nothing else writes reports.
    """
    conn.exec_driver_sql("DELETE FROM report_month_items")
    conn.exec_driver_sql(
        f"INSERT INTO report_month_items ({', '.join(MONTH_ITEM_COLUMNS)})"
        f" SELECT m.enterprise_id, m.period, m.latest_revision_id, {_ITEM_SUMS}"
        " FROM report_months AS m JOIN report_lines AS l ON l.revision_id = m.latest_revision_id"
        f" GROUP BY m.period, m.enterprise_id, m.latest_revision_id, {_ITEM_GROUP}"
    )


def _nullable(values: Any) -> list[Any]:
    """Floats as a list for the driver, with NaN as ``None`` (SQL NULL)."""
    array = np.asarray(values, dtype=np.float64)
    out = array.astype(object)
    out[np.isnan(array)] = None
    return list(out.tolist())


def _floats(values: Any) -> npt.NDArray[np.float64]:
    """A column as floats; anything that is not a number (text from a CSV) is read as one."""
    if isinstance(values, np.ndarray) and values.dtype.kind in "fiu":
        return values.astype(np.float64, copy=False)
    return np.asarray(
        pd.to_numeric(pd.Series(np.asarray(values, dtype=object)), errors="coerce"),
        dtype=np.float64,
    )


def _texts(values: Any) -> list[str]:
    return [str(v) for v in np.asarray(values, dtype=object).tolist()]


@dataclass(frozen=True)
class Revisions:
    """What :func:`store_revisions` wrote: one entry per report, in submission order."""

    ids: list[int]
    revision: list[int]
    submitted_at: datetime
    lines: dict[str, list[Any]]
    """Every line as stored, column by column (:data:`STORED_LINE_COLUMNS`)."""


_COPY_FROM = 1_000  # lines from which PostgreSQL is sent a COPY rather than one INSERT

_REVISION_COLUMNS: tuple[str, ...] = (
    "id",
    "enterprise_id",
    "period",
    "revision",
    "submitted_at",
    "submitted_by_token_id",
    "channel",
    "batch_id",
    "line_count",
)


def _from_json(table: str, names: Sequence[str]) -> str:
    """``INSERT INTO table (names)`` from a JSON array of objects keyed by those names."""
    listed = ", ".join(names)
    return (
        f"INSERT INTO {table} ({listed}) SELECT {listed}"
        f" FROM json_populate_recordset(NULL::{table}, %s::json)"
    )


# A submission's revisions, lines and heads in one statement: each part is a data-modifying
# CTE, and the foreign keys are checked when the statement ends. Rows travel as one JSON text
# each (a list of objects), which costs the driver far less than an array per column.
_PG_WRITE = (
    f"WITH revisions AS ({_from_json('report_revisions', _REVISION_COLUMNS)}),"
    f" lines AS ({_from_json('report_lines', STORED_LINE_COLUMNS)})"
    " UPDATE report_months AS m SET latest_revision_id = u.rid"
    " FROM unnest(%s::integer[], %s::varchar[], %s::integer[]) AS u(e, p, rid)"
    " WHERE m.enterprise_id = u.e AND m.period = u.p"
)


def store_revisions(
    session: Session,
    *,
    reports: Mapping[str, Any],
    lines: Mapping[str, Any],
    channel: str,
    token_id: int | None,
    batch_id: str | None = None,
) -> Revisions:
    """Store each report as a new revision of its month, with its normalised lines.

    Parameters
    ----------
    session : sqlmodel.Session
        The request's session; this flushes nothing else and never commits.
    reports : mapping of str to array-like
        One row per report, in submission order: ``enterprise_id`` (int) and ``period``
        (``YYYY-MM``). Several reports of one month become consecutive revisions, in order.
    lines : mapping of str to array-like
        Normalised lines (the input and output columns of
        :func:`carbon.normalise.normalise_columns`) with ``report``, the row number of their
        report in ``reports``, and ``position``. A :class:`pandas.DataFrame` will do.
    channel : str
        ``"api"`` or ``"batch"``.
    token_id : int or None
        The token that submitted them.
    batch_id : str, optional
        The batch they came in.

    Returns
    -------
    Revisions
        Each report's revision id and number, the instant stored, and the lines as stored.
    """
    conn = session.connection()
    # Plain Python over the reports (not the lines): a PUT is one report, and pandas' groupby
    # costs milliseconds on tiny frames; a 100,000-line batch has about 10,000 reports.
    keys = list(
        zip(
            np.asarray(reports["enterprise_id"], dtype=np.int64).tolist(),
            _texts(reports["period"]),
            strict=True,
        )
    )
    counts: dict[tuple[int, str], int] = {}
    rank: list[int] = []
    for key in keys:
        seen = counts.get(key, 0)
        rank.append(seen)
        counts[key] = seen + 1
    heads, ids = _bump_heads(conn, counts, len(keys))
    # The i-th of k reports of a month whose new head is h is revision h - k + i + 1.
    revision = [heads[key] - counts[key] + i + 1 for key, i in zip(keys, rank, strict=True)]
    submitted_at = utcnow()
    report_of_line = np.asarray(lines["report"], dtype=np.intp)
    line_counts = np.bincount(report_of_line, minlength=len(keys)).tolist()

    columns: dict[str, list[Any]] = {
        "revision_id": np.asarray(ids, dtype=np.int64)[report_of_line].tolist(),
        "section": _texts(lines["section"]),
        "position": np.asarray(lines["position"], dtype=np.int64).tolist(),
        "item": _texts(lines["item"]),
        "quantity": _nullable(_floats(lines["quantity"])),
        "unit": _texts(lines["unit"]),
        "canonical_quantity": _nullable(lines["canonical_quantity"]),
        "canonical_unit": _texts(lines["canonical_unit"]),
    }
    is_waste = ~np.isnan(np.asarray(lines["generated_c"], dtype=np.float64))
    for name in WASTE_COLUMNS:
        sent = _floats(lines[name])
        # Waste figures left out count 0 (see normalise_lines); store that 0 as what was sent.
        sent = np.where(is_waste & np.isnan(sent), 0.0, sent)
        columns[name] = _nullable(sent)
        columns[f"canonical_{name}"] = _nullable(lines[f"{name}_c"])

    # Point each month's head at its newest revision (the last of its reports here), and
    # replace those months' sums by item with the new heads' lines summed.
    last = dict(zip(keys, ids, strict=True))  # the last report of a month wins
    moved_e, moved_p, head_ids = [k[0] for k in last], [k[1] for k in last], list(last.values())
    if _is_postgres(conn):
        _pg_write(
            conn,
            revisions=[
                (i, e, p, r, submitted_at, token_id, channel, batch_id, n)
                for i, (e, p), r, n in zip(ids, keys, revision, line_counts, strict=True)
            ],
            columns=columns,
            moved=(moved_e, moved_p, head_ids),
        )
    else:
        _insert_revisions(
            conn,
            [
                {
                    "id": i,
                    "enterprise_id": e,
                    "period": p,
                    "revision": r,
                    "submitted_at": submitted_at,
                    "submitted_by_token_id": token_id,
                    "channel": channel,
                    "batch_id": batch_id,
                    "line_count": n,
                }
                for i, (e, p), r, n in zip(ids, keys, revision, line_counts, strict=True)
            ],
        )
        _insert_lines(conn, columns)
        _point_heads(conn, moved_e, moved_p, head_ids)
        _replace_month_items(conn, moved_e, moved_p, head_ids)
    return Revisions(ids=ids, revision=revision, submitted_at=submitted_at, lines=columns)


def _pg_write(
    conn: Connection,
    *,
    revisions: list[tuple[Any, ...]],
    columns: dict[str, list[Any]],
    moved: tuple[list[int], list[str], list[int]],
) -> None:
    """Write revisions (rows of :data:`_REVISION_COLUMNS`) and lines, point the heads and
    replace the month items, on PostgreSQL.

    A submission of a few lines takes two statements (:data:`_PG_WRITE`, then the month
    items); a batch's revisions and lines go by ``COPY``.
    """
    names = list(STORED_LINE_COLUMNS)
    n_lines = len(columns[names[0]])
    if n_lines >= _COPY_FROM:
        _copy(conn, "report_revisions", _REVISION_COLUMNS, revisions)
        _insert_lines(conn, columns)
        _point_heads(conn, *moved)
        _replace_month_items(conn, *moved)
        return
    revision_rows = [
        {**dict(zip(_REVISION_COLUMNS, row, strict=True)), "submitted_at": row[4].isoformat()}
        for row in revisions
    ]
    line_rows = [
        dict(zip(names, row, strict=True))
        for row in zip(*(columns[c] for c in names), strict=False)
    ]
    with _pg_cursor(conn) as cur:
        cur.execute(
            _PG_WRITE,
            (json.dumps(revision_rows), json.dumps(line_rows), *moved),
            prepare=True,
        )
        _replace_month_items(conn, *moved, cursor=cur)


# --- reading ----------------------------------------------------------------------------------


#: What :func:`read_latest` and :func:`read_month` give: a report's fields, and each line's.
READ_REPORT_COLUMNS: tuple[str, ...] = ("period", "revision", "submitted_at", "channel", "batch_id")
READ_LINE_COLUMNS: tuple[str, ...] = tuple(c for c in STORED_LINE_COLUMNS if c != "revision_id")

_READ_SELECT = "SELECT r.period, r.revision, r.submitted_at, r.channel, r.batch_id, " + ", ".join(
    f"l.{c}" for c in READ_LINE_COLUMNS
)
# The latest revision of each month in a range, and every revision (or one) of a month: one
# statement each, a report's lines together, in the order sent. Written once, with ``?`` for
# parameters (``%s`` on PostgreSQL), and run on the driver's cursor: the statements never
# change, so SQLAlchemy's statement building and result rows would only cost time.
_READ_LATEST = (
    f"{_READ_SELECT} FROM report_months AS m"
    " JOIN report_revisions AS r ON r.id = m.latest_revision_id"
    " JOIN report_lines AS l ON l.revision_id = r.id"
    " WHERE m.enterprise_id = ? AND m.period >= ? AND m.period <= ?"
    " ORDER BY m.period, l.section, l.position"
)
_READ_MONTH = (
    f"{_READ_SELECT} FROM report_revisions AS r"
    " JOIN report_lines AS l ON l.revision_id = r.id"
    " WHERE r.enterprise_id = ? AND r.period = ?"
)
_READ_ALL = f"{_READ_MONTH} ORDER BY r.revision, l.section, l.position"
_READ_ONE = f"{_READ_MONTH} AND r.revision = ? ORDER BY l.section, l.position"


def _utc(value: datetime | str) -> datetime:
    """A stored ``submitted_at`` as an aware UTC datetime (SQLite hands back text, no zone)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _grouped(rows: list[tuple[Any, ...]]) -> list[tuple[dict[str, Any], list[tuple[Any, ...]]]]:
    """Rows of one report after another, as (report fields, its lines) pairs."""
    out: list[tuple[dict[str, Any], list[tuple[Any, ...]]]] = []
    key: tuple[Any, Any] | None = None
    width = len(READ_REPORT_COLUMNS)
    for row in rows:
        if (row[0], row[1]) != key:
            key = (row[0], row[1])
            head = dict(zip(READ_REPORT_COLUMNS, row[:width], strict=True))
            head["submitted_at"] = _utc(head["submitted_at"])
            out.append((head, []))
        out[-1][1].append(row[width:])
    return out


def read_latest(
    conn: Connection,
    enterprise_id: int,
    *,
    period_from: str | None = None,
    period_to: str | None = None,
) -> list[tuple[dict[str, Any], list[tuple[Any, ...]]]]:
    """The latest revision of each month in ``[period_from, period_to]``, by month.

    Each report is its fields (:data:`READ_REPORT_COLUMNS`) and its lines, tuples of
    :data:`READ_LINE_COLUMNS` in the order sent within each section.
    """
    first = "" if period_from is None else period_from
    last = "~" if period_to is None else period_to  # after every digit
    rows = fetch(conn, _READ_LATEST, (enterprise_id, first, last))
    return _grouped(rows)


def read_month(
    conn: Connection, enterprise_id: int, period: str, revision: int | None = None
) -> list[tuple[dict[str, Any], list[tuple[Any, ...]]]]:
    """Every revision of a month, oldest first (or the one numbered ``revision``), as
    :func:`read_latest` gives them."""
    if revision is None:
        rows = fetch(conn, _READ_ALL, (enterprise_id, period))
    else:
        rows = fetch(conn, _READ_ONE, (enterprise_id, period, revision))
    return _grouped(rows)


# --- aggregates for inventories, targets and checks --------------------------------------------


def latest_heads(
    *,
    period_from: str | BindParameter[Any],
    period_to: str | BindParameter[Any],
    as_of: datetime | BindParameter[Any] | None,
) -> Select[Any]:
    """The revision that counts for each month in ``[period_from, period_to]`` (``YYYY-MM``).

    A SELECT of ``enterprise_id``, ``period`` and ``revision_id``, one row per reported month:
    the month's latest revision (from its head row), or with ``as_of`` (aware) the latest
    revision submitted at or before that instant. Use it as a subquery and join
    ``report_lines`` on ``revision_id``. The bounds may be bound parameters, so that one
    statement serves every period.
    """
    if as_of is None:
        return select(
            months_t.c.enterprise_id,
            months_t.c.period,
            months_t.c.latest_revision_id.label("revision_id"),
        ).where(
            months_t.c.period >= period_from,
            months_t.c.period <= period_to,
            months_t.c.latest_revision_id.is_not(None),
        )
    newest = (
        select(
            revisions_t.c.enterprise_id,
            revisions_t.c.period,
            func.max(revisions_t.c.revision).label("revision"),
        )
        .where(
            revisions_t.c.period >= period_from,
            revisions_t.c.period <= period_to,
            revisions_t.c.submitted_at <= as_of,
        )
        .group_by(revisions_t.c.enterprise_id, revisions_t.c.period)
        .subquery("newest")
    )
    return select(
        newest.c.enterprise_id, newest.c.period, revisions_t.c.id.label("revision_id")
    ).join(
        revisions_t,
        (revisions_t.c.enterprise_id == newest.c.enterprise_id)
        & (revisions_t.c.period == newest.c.period)
        & (revisions_t.c.revision == newest.c.revision),
    )


def months_from_to(period_from: str, period_to: str) -> list[str]:
    """Every month (``YYYY-MM``) from ``period_from`` to ``period_to`` inclusive."""
    first, last = (parse_period(p, allow_future=True) for p in (period_from, period_to))
    return [str(p) for p in months_between(first, last)]


def latest_items(*, period_from: str, period_to: str) -> Select[Any]:
    """The latest revisions' sums by item of the months in ``[period_from, period_to]``.

    A SELECT of :data:`LATEST_ITEM_COLUMNS` from ``report_month_items``, one row per enterprise,
    month, section, item and canonical unit. The months are listed (``period IN (...)``) rather
    than bounded, so that one enterprise's months are found by seeks on the primary key.
    """
    return latest_items_of(months_from_to(period_from, period_to))


def latest_items_of(periods: Sequence[str] | BindParameter[Any]) -> Select[Any]:
    """:func:`latest_items` of listed months, or of an expanding bound parameter that lists
    them when the statement runs (``bindparam("periods", expanding=True)``)."""
    return select(*(items_t.c[c] for c in LATEST_ITEM_COLUMNS)).where(items_t.c.period.in_(periods))


def _scoped(stmt: Select[Any], usccs: Sequence[str] | None, park_code: str | None) -> Select[Any]:
    if usccs is not None:
        stmt = stmt.where(enterprises_t.c.uscc.in_(list(usccs)))
    if park_code is not None:
        stmt = stmt.where(enterprises_t.c.park_code == park_code)
    return stmt


@contextmanager
def paused_cycle_collection() -> Iterator[None]:
    """Pause the cyclic garbage collector while many small objects are made.

    Many new tuples, dicts and floats trigger full collections that scan every object of the
    process (~80 ms each here), although rows of numbers and texts hold no cycles; reference
    counting still frees them, and any cycle made meanwhile is collected once resumed. Only
    the caller that paused it resumes it, so overlapping callers (threads, or nested use)
    never leave it paused.
    """
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _columns(session: Session, stmt: Select[Any], n: int) -> list[tuple[Any, ...]]:
    """The result of ``stmt`` as ``n`` columns (tuples), read straight from the driver."""
    result = session.execute(stmt)
    try:
        with paused_cycle_collection():
            rows = result.cursor.fetchall() if isinstance(result, CursorResult) else result.all()
            columns = list(zip(*rows, strict=True)) if rows else [() for _ in range(n)]
            del rows  # freed before collection resumes, so that it finds nothing to scan
    finally:
        result.close()
    return columns


def _enterprise_labels(session: Session) -> pd.DataFrame:
    stmt = select(enterprises_t.c.id, enterprises_t.c.uscc, enterprises_t.c.park_code)
    ids, usccs, parks = _columns(session, stmt, 3)
    return pd.DataFrame(
        {
            "uscc": pd.array(usccs, dtype="str"),
            "park_code": pd.array(parks, dtype=object),
        },
        index=pd.Index(np.asarray(ids, dtype=np.int64), name="enterprise_id"),
    )


def _sort_key(column: pd.Series) -> npt.NDArray[np.int64]:
    """Integers that order ``column`` as Python orders its values (texts by code point)."""
    if (
        isinstance(column.dtype, pd.CategoricalDtype)
        and column.cat.categories.is_monotonic_increasing
    ):
        return np.asarray(column.cat.codes, dtype=np.int64)
    if column.dtype.kind in "iu":
        return column.to_numpy(dtype=np.int64)
    return np.asarray(pd.factorize(column.astype("str"), sort=True)[0], dtype=np.int64)


def _monthly_lines(
    session: Session,
    *,
    period_from: str,
    period_to: str,
    usccs: Sequence[str] | None,
    park_code: str | None,
    as_of: datetime,
) -> pd.DataFrame:
    """The counting revisions' lines as of ``as_of``, summed by enterprise, month and line kind.

    SQL picks each month's revision (a ``MAX(revision) ... GROUP BY`` over the revisions
    submitted by then) and reads its lines through the primary key; they are summed in pandas,
    whose hash grouping is an order of magnitude faster than SQLite's sorting ``GROUP BY`` here.
    """
    heads = latest_heads(period_from=period_from, period_to=period_to, as_of=as_of).subquery(
        "heads"
    )
    keys = (
        heads.c.enterprise_id,
        heads.c.period,
        lines_t.c.section,
        lines_t.c.item,
        lines_t.c.canonical_unit,
    )
    waste_columns = [lines_t.c[f"canonical_{c}"] for c in WASTE_COLUMNS]
    frames = []
    for waste in (False, True):
        on_section = (
            lines_t.c.section == Section.SOLID_WASTE
            if waste
            else lines_t.c.section != Section.SOLID_WASTE
        )
        stmt = (
            select(*keys, lines_t.c.canonical_quantity, *(waste_columns if waste else ()))
            .select_from(heads)
            .join(lines_t, (lines_t.c.revision_id == heads.c.revision_id) & on_section)
        )
        if usccs is not None or park_code is not None:
            stmt = _scoped(
                stmt.join(enterprises_t, enterprises_t.c.id == heads.c.enterprise_id),
                usccs,
                park_code,
            )
        width = len(keys) + 1 + (len(WASTE_COLUMNS) if waste else 0)
        cols = _columns(session, stmt, width)
        n = len(cols[0])
        frame = pd.DataFrame(
            {
                "enterprise_id": np.fromiter(cols[0], dtype=np.int64, count=n),
                "period": pd.Categorical(cols[1]),
                "section": pd.Categorical(cols[2]),
                "item": pd.Categorical(cols[3]),
                "canonical_unit": pd.Categorical(cols[4]),
                "quantity": np.asarray(cols[5], dtype=np.float64),
            }
        )
        for j, name in enumerate(WASTE_COLUMNS):
            frame[name] = np.asarray(cols[6 + j], dtype=np.float64) if waste else np.nan
        frames.append(frame)
    lines = pd.concat(frames, ignore_index=True)
    group = ["enterprise_id", "period", "section", "item", "canonical_unit"]
    sums = lines.groupby(group, observed=True, sort=False)[["quantity", *WASTE_COLUMNS]].sum(
        min_count=1
    )
    return sums.reset_index()


def _monthly_items(
    session: Session,
    *,
    period_from: str,
    period_to: str,
    usccs: Sequence[str] | None,
    park_code: str | None,
) -> pd.DataFrame:
    """The latest revisions' sums by enterprise, month and line kind: ``report_month_items``."""
    stmt = latest_items(period_from=period_from, period_to=period_to)
    if usccs is not None or park_code is not None:
        stmt = _scoped(
            stmt.join(enterprises_t, enterprises_t.c.id == items_t.c.enterprise_id),
            usccs,
            park_code,
        )
    cols = _columns(session, stmt, len(LATEST_ITEM_COLUMNS))
    n = len(cols[0])
    return pd.DataFrame(
        {
            "enterprise_id": np.fromiter(cols[0], dtype=np.int64, count=n),
            "period": pd.Categorical(cols[1]),
            "section": pd.Categorical(cols[2]),
            "item": pd.Categorical(cols[3]),
            "canonical_unit": pd.Categorical(cols[4]),
            **{
                name: np.asarray(cols[5 + j], dtype=np.float64)
                for j, name in enumerate(("quantity", *WASTE_COLUMNS))
            },
        }
    )


def aggregate_latest(
    session: Session,
    *,
    year_from: int,
    year_to: int,
    usccs: Sequence[str] | None = None,
    park_code: str | None = None,
    as_of: datetime | None = None,
) -> pd.DataFrame:
    """Monthly totals per enterprise and line kind, over the revision that counts for each month.

    Lines of one carrier (several meters), water kind, waste category, product or economics
    field add up. The latest revisions are read already summed, from ``report_month_items``
    (kept up by :func:`store_revisions`); with ``as_of`` the revision that counted then is
    picked in SQL and its lines summed here.

    Parameters
    ----------
    session : sqlmodel.Session
        An open session.
    year_from, year_to : int
        First and last calendar year, inclusive.
    usccs : sequence of str, optional
        Only these enterprises.
    park_code : str, optional
        Only enterprises of this park.
    as_of : datetime.datetime, optional
        Count, for each month, the latest revision submitted at or before this instant (aware)
        instead of the latest one: reproduces a figure as it stood then.

    Returns
    -------
    pandas.DataFrame
        Columns ``uscc``, ``park_code`` (missing, NA, outside parks), ``year``, ``month`` (int),
        ``section``, ``item``, ``canonical_unit``, ``quantity`` [canonical_unit] (the sum of
        ``canonical_quantity``; for solid waste the sum of canonical ``generated``) and
        ``generated``, ``from_storage``, ``utilised``, ``disposed``, ``stored`` [t] (summed
        canonical waste figures; NaN on other sections). One row per enterprise, month,
        section, item and canonical unit, ordered by enterprise (registry order), month,
        section, item and unit.
    """
    span = {"period_from": f"{year_from:04d}-01", "period_to": f"{year_to:04d}-12"}
    if as_of is None:
        sums = _monthly_items(session, **span, usccs=usccs, park_code=park_code)
    else:
        sums = _monthly_lines(session, **span, usccs=usccs, park_code=park_code, as_of=as_of)
    group = ["enterprise_id", "period", "section", "item", "canonical_unit"]
    sums = sums.take(np.lexsort([_sort_key(sums[c]) for c in reversed(group)]))
    labels = _enterprise_labels(session).reindex(sums["enterprise_id"].to_numpy())
    period = sums["period"].astype("str")
    return pd.DataFrame(
        {
            "uscc": labels["uscc"].to_numpy(),
            "park_code": labels["park_code"].to_numpy(dtype=object),
            "year": period.str.slice(0, 4).astype(np.int64).to_numpy(),
            "month": period.str.slice(5, 7).astype(np.int64).to_numpy(),
            "section": sums["section"].astype("str").to_numpy(),
            "item": sums["item"].astype("str").to_numpy(),
            "canonical_unit": sums["canonical_unit"].astype("str").to_numpy(),
            "quantity": sums["quantity"].to_numpy(dtype=np.float64),
            **{c: sums[c].to_numpy(dtype=np.float64) for c in WASTE_COLUMNS},
        },
        columns=list(AGGREGATE_COLUMNS),
    ).astype({"uscc": "str", "section": "str", "item": "str", "canonical_unit": "str"})


def reported_periods(
    session: Session,
    year_from: int,
    year_to: int,
    *,
    usccs: Sequence[str] | None = None,
    park_code: str | None = None,
    as_of: datetime | None = None,
) -> pd.DataFrame:
    """The months each enterprise has reported in ``[year_from, year_to]``.

    Returns
    -------
    pandas.DataFrame
        Columns ``uscc``, ``park_code``, ``period`` (``YYYY-MM``) and ``revision`` (the number of
        the revision that counts, as of ``as_of`` if given), sorted by uscc and period.
    """
    heads = latest_heads(
        period_from=f"{year_from:04d}-01", period_to=f"{year_to:04d}-12", as_of=as_of
    ).subquery("heads")
    stmt = (
        select(
            enterprises_t.c.uscc,
            enterprises_t.c.park_code,
            heads.c.period,
            revisions_t.c.revision,
        )
        .select_from(heads)
        .join(enterprises_t, enterprises_t.c.id == heads.c.enterprise_id)
        .join(revisions_t, revisions_t.c.id == heads.c.revision_id)
        .order_by(enterprises_t.c.uscc, heads.c.period)
    )
    stmt = _scoped(stmt, usccs, park_code)
    usccs_, parks, periods, revisions = _columns(session, stmt, 4)
    return pd.DataFrame(
        {
            "uscc": pd.array(usccs_, dtype="str"),
            "park_code": pd.array(parks, dtype=object),
            "period": pd.array(periods, dtype="str"),
            "revision": np.asarray(revisions, dtype=np.int64),
        }
    )
