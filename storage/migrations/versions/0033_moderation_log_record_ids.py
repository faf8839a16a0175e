"""moderation log record ids: the console's id for each staff action it records

`RecordStaffAction` is idempotent by this id, so the bus may send a record again (its first copy or
the answer lost with a NATS node) without a second entry. Entries written before it have none; a
unique index lets any number of rows leave it empty on SQLite and PostgreSQL alike.

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("moderation_log") as table:
        table.add_column(sa.Column("record_id", sa.String(36), nullable=True))
    op.create_index("ix_moderation_log_record_id", "moderation_log", ["record_id"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_moderation_log_record_id", "moderation_log")
    with op.batch_alter_table("moderation_log") as table:
        table.drop_column("record_id")
