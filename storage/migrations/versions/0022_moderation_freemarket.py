"""moderation for FreeMarket: a report's contract words, its subject, evidence and resolution; bans

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

OPEN_ONCE = "unique_open AND status IN ('pending', 'reviewed')"


def upgrade() -> None:
    with op.batch_alter_table("moderation_reports") as batch:
        batch.add_column(sa.Column("contract", sa.String(16), nullable=True))
        batch.add_column(sa.Column("contract_reason", sa.String(32), nullable=True))
        batch.add_column(sa.Column("subject_user_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("evidence_urls", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("unique_open", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("resolution", sa.String(16), nullable=True))
        batch.add_column(sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("admin_notes", sa.Text(), nullable=True))
    # Whom the reports filed so far are about: the reported user, or the reported ad's owner.
    op.execute("UPDATE moderation_reports SET subject_user_id = target_id WHERE target_type = 'user'")
    op.execute(
        "UPDATE moderation_reports SET subject_user_id = (SELECT owner_id FROM market_listings"
        " WHERE market_listings.id = moderation_reports.target_id) WHERE target_type = 'ad'"
    )
    op.execute(
        "UPDATE moderation_reports SET resolved_at = updated_at WHERE status IN ('resolved', 'dismissed')"
    )
    op.create_index(
        "ix_moderation_reports_subject_user_id_status", "moderation_reports", ["subject_user_id", "status"]
    )
    op.create_index("ix_moderation_reports_resolved_at", "moderation_reports", ["resolved_at"])
    op.create_index(
        "ux_moderation_reports_open_once", "moderation_reports", ["reporter_id", "target_type", "target_id"],
        unique=True, sqlite_where=sa.text(OPEN_ONCE), postgresql_where=sa.text(OPEN_ONCE),
    )  # fmt: skip

    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("banned_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("ban_reason", sa.String(100), nullable=True))
    op.create_index("ix_users_banned_until", "users", ["banned_until"])


def downgrade() -> None:
    op.drop_index("ix_users_banned_until", "users")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("ban_reason")
        batch.drop_column("banned_until")
    for index in (
        "ux_moderation_reports_open_once",
        "ix_moderation_reports_resolved_at",
        "ix_moderation_reports_subject_user_id_status",
    ):
        op.drop_index(index, "moderation_reports")
    with op.batch_alter_table("moderation_reports") as batch:
        for column in (
            "admin_notes", "resolved_at", "resolution", "unique_open", "evidence_urls", "subject_user_id",
            "contract_reason", "contract",
        ):  # fmt: skip
            batch.drop_column(column)
