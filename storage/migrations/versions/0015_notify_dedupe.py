"""notify dedupe: a sender's key, so that a notification sent again is given once

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

TABLE = "notify_notifications"
UNIQUE = "ux_notify_notifications_user_id_dedupe_key"


def upgrade() -> None:
    with op.batch_alter_table(TABLE) as table:
        table.add_column(sa.Column("dedupe_key", sa.String(100), nullable=True))
    op.create_index(UNIQUE, TABLE, ["user_id", "dedupe_key"], unique=True)


def downgrade() -> None:
    op.drop_index(UNIQUE, TABLE)
    with op.batch_alter_table(TABLE) as table:
        table.drop_column("dedupe_key")
