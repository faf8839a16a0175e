"""dashboard time indexes: accounts by creation, messages by sending, raw telemetry samples by time

The console's dashboard counts what happened in a recent window (new users, messages per hour, samples
per minute); without these, each count read the whole table. A new row's time is about the newest, so
each index grows at its end.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_users_created_at", "users", "created_at"),
    ("ix_chat_messages_created_at", "chat_messages", "created_at"),
    ("ix_telemetry_samples_t", "telemetry_samples", "t"),
)


def upgrade() -> None:
    for name, table, column in INDEXES:
        op.create_index(name, table, [column])


def downgrade() -> None:
    for name, table, _column in INDEXES:
        op.drop_index(name, table)
