"""report_month_items: each month's latest revision summed by item, filled from existing data;
the lines' aggregate index lists a revision's lines in that order (canonical_unit added)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 13:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The rows of every month's latest revision, summed by item: what the write path keeps up.
BACKFILL = """
INSERT INTO report_month_items (
    enterprise_id, period, revision_id, section, item, canonical_unit,
    quantity, generated, from_storage, utilised, disposed, stored
)
SELECT m.enterprise_id, m.period, m.latest_revision_id, l.section, l.item, l.canonical_unit,
       SUM(l.canonical_quantity), SUM(l.canonical_generated), SUM(l.canonical_from_storage),
       SUM(l.canonical_utilised), SUM(l.canonical_disposed), SUM(l.canonical_stored)
FROM report_months AS m
JOIN report_lines AS l ON l.revision_id = m.latest_revision_id
GROUP BY m.period, m.enterprise_id, m.latest_revision_id, l.section, l.item, l.canonical_unit
"""


def upgrade() -> None:
    op.create_table(
        "report_month_items",
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("section", sa.String(length=16), nullable=False),
        sa.Column("item", sa.String(length=100), nullable=False),
        sa.Column("canonical_unit", sa.String(length=32), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.Column("generated", sa.Float(), nullable=True),
        sa.Column("from_storage", sa.Float(), nullable=True),
        sa.Column("utilised", sa.Float(), nullable=True),
        sa.Column("disposed", sa.Float(), nullable=True),
        sa.Column("stored", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint(
            "period",
            "enterprise_id",
            "revision_id",
            "section",
            "item",
            "canonical_unit",
            name=op.f("pk_report_month_items"),
        ),
        sqlite_with_rowid=False,
    )
    op.drop_index("ix_report_lines_aggregate", table_name="report_lines")
    op.create_index(
        "ix_report_lines_aggregate",
        "report_lines",
        ["revision_id", "section", "item", "canonical_unit", "canonical_quantity"],
    )
    op.execute(BACKFILL)


def downgrade() -> None:
    op.drop_index("ix_report_lines_aggregate", table_name="report_lines")
    op.create_index(
        "ix_report_lines_aggregate",
        "report_lines",
        ["revision_id", "section", "item", "canonical_quantity"],
    )
    op.drop_table("report_month_items")
