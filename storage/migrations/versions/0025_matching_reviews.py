"""matching: reviews of exchanges' participants, once per exchange and author

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def _user(column: str) -> list[sa.SchemaItem]:
    return [
        sa.Column(column, sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            [column], ["users.id"], name=f"fk_matching_reviews_{column}_users", ondelete="CASCADE"
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "matching_reviews",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("exchange_id", sa.Integer(), nullable=False),
        *_user("author_id"),
        *_user("target_id"),
        sa.Column("rating", sa.SmallInteger(), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("is_public", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["exchange_id"],
            ["matching_exchanges.id"],
            name="fk_matching_reviews_exchange_id_matching_exchanges",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_matching_reviews"),
        sa.UniqueConstraint("exchange_id", "author_id", name="uq_matching_reviews_exchange_id_author_id"),
    )
    op.create_index(
        "ix_matching_reviews_target_id_created_at", "matching_reviews", ["target_id", "created_at"]
    )


def downgrade() -> None:
    op.drop_table("matching_reviews")
