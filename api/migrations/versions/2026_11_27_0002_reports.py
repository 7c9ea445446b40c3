"""reports: revisions of monthly reports, their lines, and each month's head revision

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 12:26:42.807698
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_by_token_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("batch_id", sa.String(length=32), nullable=True),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.CheckConstraint("channel IN ('api', 'batch')", name=op.f("ck_report_revisions_channel")),
        sa.CheckConstraint("revision >= 1", name=op.f("ck_report_revisions_revision_positive")),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_report_revisions_enterprise_id_enterprises"),
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_token_id"],
            ["api_tokens.id"],
            name=op.f("fk_report_revisions_submitted_by_token_id_api_tokens"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_revisions")),
        sa.UniqueConstraint(
            "enterprise_id",
            "period",
            "revision",
            name=op.f("uq_report_revisions_enterprise_id_period_revision"),
        ),
    )
    with op.batch_alter_table("report_revisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_report_revisions_batch_id"), ["batch_id"], unique=False
        )

    op.create_table(
        "report_lines",
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("section", sa.String(length=16), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("item", sa.String(length=100), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=True),
        sa.Column("unit", sa.String(length=32), nullable=False),
        sa.Column("canonical_quantity", sa.Float(), nullable=False),
        sa.Column("canonical_unit", sa.String(length=32), nullable=False),
        sa.Column("generated", sa.Float(), nullable=True),
        sa.Column("from_storage", sa.Float(), nullable=True),
        sa.Column("utilised", sa.Float(), nullable=True),
        sa.Column("disposed", sa.Float(), nullable=True),
        sa.Column("stored", sa.Float(), nullable=True),
        sa.Column("canonical_generated", sa.Float(), nullable=True),
        sa.Column("canonical_from_storage", sa.Float(), nullable=True),
        sa.Column("canonical_utilised", sa.Float(), nullable=True),
        sa.Column("canonical_disposed", sa.Float(), nullable=True),
        sa.Column("canonical_stored", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["report_revisions.id"],
            name=op.f("fk_report_lines_revision_id_report_revisions"),
        ),
        sa.PrimaryKeyConstraint("revision_id", "section", "position", name=op.f("pk_report_lines")),
    )
    op.create_table(
        "report_months",
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("latest_revision", sa.Integer(), nullable=False),
        sa.Column("latest_revision_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_report_months_enterprise_id_enterprises"),
        ),
        sa.ForeignKeyConstraint(
            ["latest_revision_id"],
            ["report_revisions.id"],
            name=op.f("fk_report_months_latest_revision_id_report_revisions"),
        ),
        sa.PrimaryKeyConstraint("enterprise_id", "period", name=op.f("pk_report_months")),
    )
    with op.batch_alter_table("report_months", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_months_period"), ["period"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("report_months", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_months_period"))

    op.drop_table("report_months")
    op.drop_table("report_lines")
    with op.batch_alter_table("report_revisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_revisions_batch_id"))

    op.drop_table("report_revisions")
