"""Covering index on report lines for the aggregates (inventories, targets, checks).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 13:04:38
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_report_lines_aggregate",
        "report_lines",
        ["revision_id", "section", "item", "canonical_quantity"],
    )


def downgrade() -> None:
    op.drop_index("ix_report_lines_aggregate", table_name="report_lines")
