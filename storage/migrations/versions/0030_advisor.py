"""advisor: the assistant's answers, keyed by the user's message, with the lease of the worker writing

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None

UNSTORED = sa.text("assistant_message_id IS NULL")


def upgrade() -> None:
    op.create_table(
        "advisor_answers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("message_seq", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("cars", sa.JSON(), nullable=True),
        sa.Column("error_code", sa.String(32), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("lease_owner", sa.String(64), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("assistant_message_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_advisor_answers"),
        sa.UniqueConstraint("message_id", name="uq_advisor_answers_message_id"),
        sa.UniqueConstraint("assistant_message_id", name="uq_advisor_answers_assistant_message_id"),
    )
    op.create_index(
        "ix_advisor_answers_unstored_lease",
        "advisor_answers",
        ["lease_until"],
        postgresql_where=UNSTORED,
        sqlite_where=UNSTORED,
    )


def downgrade() -> None:
    op.drop_index("ix_advisor_answers_unstored_lease", table_name="advisor_answers")
    op.drop_table("advisor_answers")
