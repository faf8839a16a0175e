"""market lifecycle: the notices of expired ads still to be sent to their owners, and the dealers'
company profiles (identity's)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def _time(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "market_expiry_notices",
        sa.Column("id", sa.Integer(), autoincrement=True, primary_key=True),
        sa.Column(
            "listing_id",
            sa.Integer(),
            sa.ForeignKey("market_listings.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        _time("expired_at"),
    )
    op.create_index("ix_market_expiry_notices_listing_id", "market_expiry_notices", ["listing_id"])
    op.create_table(
        "identity_dealer_profiles",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("company_name", sa.String(200), nullable=False),
        sa.Column("address", sa.String(300)),
        sa.Column("phone", sa.String(20)),
        sa.Column("logo_url", sa.String(512)),
        _time("updated_at"),
    )


def downgrade() -> None:
    op.drop_table("identity_dealer_profiles")
    op.drop_index("ix_market_expiry_notices_listing_id", "market_expiry_notices")
    op.drop_table("market_expiry_notices")
