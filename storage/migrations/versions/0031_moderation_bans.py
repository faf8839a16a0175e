"""moderation: the bans given through it, in force or ended (lifted, replaced or run out)

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "moderation_bans",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("reason", sa.String(100), nullable=False),
        sa.Column("admin_notes", sa.Text(), nullable=True),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("banned_by", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("banned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("banned_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_moderation_bans"),
    )
    op.create_index("ix_moderation_bans_user_id", "moderation_bans", ["user_id"])
    op.create_index(
        "ix_moderation_bans_ended_at_banned_until", "moderation_bans", ["ended_at", "banned_until"]
    )


def downgrade() -> None:
    op.drop_index("ix_moderation_bans_ended_at_banned_until", table_name="moderation_bans")
    op.drop_index("ix_moderation_bans_user_id", table_name="moderation_bans")
    op.drop_table("moderation_bans")
