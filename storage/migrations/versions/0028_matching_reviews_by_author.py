"""matching: reviews by author and time, for the count of an author's reviews in the last hour

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-05
"""

from __future__ import annotations

from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_matching_reviews_author_id_created_at", "matching_reviews", ["author_id", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_matching_reviews_author_id_created_at", table_name="matching_reviews")
