"""Monthly reports: every revision kept, its lines as sent and normalised, and a head pointer.

``report_months`` holds one row per enterprise and month: the number of its latest revision,
bumped atomically (``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``) so that concurrent
submissions get gapless, distinct revision numbers; and the id of that revision, so that the
aggregates join the latest lines without a ``MAX()`` subquery.
``report_revisions`` is append-only; ``report_lines`` belong to one revision and never change.
``report_month_items`` holds the lines of each month's latest revision summed by item: it is
replaced, in the transaction that moves the head, for every month whose head moved.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from api.models.base import created_at_column


class ReportRevision(SQLModel, table=True):
    """One submitted version of one enterprise's month (a PUT, or one report of a batch)."""

    __tablename__ = "report_revisions"
    __table_args__ = (
        UniqueConstraint("enterprise_id", "period", "revision"),
        CheckConstraint("revision >= 1", name="revision_positive"),
        CheckConstraint("channel IN ('api', 'batch')", name="channel"),
    )

    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprises.id", nullable=False)
    period: str = Field(max_length=7, description="YYYY-MM")
    revision: int = Field(description="1 for the month's first submission, then 2, 3 ...")
    submitted_at: datetime = created_at_column()
    submitted_by_token_id: int | None = Field(default=None, foreign_key="api_tokens.id")
    channel: str = Field(max_length=8, description="api (a PUT) or batch")
    batch_id: str | None = Field(default=None, max_length=32, index=True)
    line_count: int = Field(default=0)


class ReportLine(SQLModel, table=True):
    """One line of a revision: what was sent and its value in the canonical unit.

    Non-waste lines carry ``quantity``; solid-waste lines carry the five balance columns
    (``quantity`` is null) and ``canonical_quantity`` is their canonical ``generated``.
    """

    __tablename__ = "report_lines"
    __table_args__ = (
        # Lists a revision's lines in the order they are summed (section, item, unit): storing a
        # revision sums them into report_month_items without sorting them, and the aggregates
        # "as of" an earlier instant read the sums' keys and quantities from this index alone.
        Index(
            "ix_report_lines_aggregate",
            "revision_id",
            "section",
            "item",
            "canonical_unit",
            "canonical_quantity",
        ),
    )

    revision_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("report_revisions.id"), primary_key=True, nullable=False
        )
    )
    section: str = Field(sa_column=Column(String(16), primary_key=True, nullable=False))
    position: int = Field(
        sa_column=Column(Integer, primary_key=True, nullable=False, autoincrement=False),
        description="Index of the line within its section, as sent",
    )
    item: str = Field(max_length=100)
    quantity: float | None = None
    unit: str = Field(max_length=32)
    canonical_quantity: float
    canonical_unit: str = Field(max_length=32)
    generated: float | None = None
    from_storage: float | None = None
    utilised: float | None = None
    disposed: float | None = None
    stored: float | None = None
    canonical_generated: float | None = None
    canonical_from_storage: float | None = None
    canonical_utilised: float | None = None
    canonical_disposed: float | None = None
    canonical_stored: float | None = None


class ReportMonth(SQLModel, table=True):
    """The head of an enterprise's month: its latest revision number and id."""

    __tablename__ = "report_months"

    enterprise_id: int = Field(foreign_key="enterprises.id", primary_key=True)
    period: str = Field(max_length=7, primary_key=True, index=True)
    latest_revision: int
    latest_revision_id: int | None = Field(default=None, foreign_key="report_revisions.id")


class ReportMonthItem(SQLModel, table=True):
    """A month's latest revision summed by line kind: what every "latest" aggregate reads.

    One row per month, enterprise, section, item and canonical unit (a product sent both by
    mass and by count is two rows). Written only in the transaction that moves the month's
    head (:func:`api.reports.repository.store_revisions`), which holds the head row's lock, so
    it always agrees with ``report_months.latest_revision_id``. Audit views ("as of" an
    earlier instant) read ``report_lines`` instead.

    Each row names the revision it sums (the month's head when written). The primary key leads
    with the month and is the table's only index: district and park aggregates read a range
    of months, and one enterprise's months are a seek per month (``period IN (...) AND
    enterprise_id = ...``). On SQLite the table is stored in that order (``WITHOUT ROWID``), so
    a range of months is read without a lookup per row. The revision belongs to the key so that
    on PostgreSQL a month's new rows never meet, in the unique index, the old rows their
    transaction has just deleted (each such meeting costs a visit to the old row); one month
    holds one revision's rows because only the transaction that holds the month's head row
    writes them, deleting the month's rows first. There is no foreign key: every row derives
    from a head row whose enterprise and revision are checked already, and a check per row
    would cost about as much as writing the row.
    """

    __tablename__ = "report_month_items"
    __table_args__ = ({"sqlite_with_rowid": False},)

    period: str = Field(max_length=7, primary_key=True, description="YYYY-MM")
    enterprise_id: int = Field(primary_key=True)
    revision_id: int = Field(
        sa_column=Column(Integer, primary_key=True, nullable=False, autoincrement=False),
        description="The revision summed: the month's latest",
    )
    section: str = Field(sa_column=Column(String(16), primary_key=True, nullable=False))
    item: str = Field(sa_column=Column(String(100), primary_key=True, nullable=False))
    canonical_unit: str = Field(sa_column=Column(String(32), primary_key=True, nullable=False))
    quantity: float = Field(description="Sum of canonical_quantity [canonical_unit]")
    generated: float | None = Field(default=None, description="Sum of canonical generated [t]")
    from_storage: float | None = Field(default=None, description="Sum [t]")
    utilised: float | None = Field(default=None, description="Sum [t]")
    disposed: float | None = Field(default=None, description="Sum [t]")
    stored: float | None = Field(default=None, description="Sum [t]")
