"""market engagement: users' favourites and comparison (one table, a slot per compared ad), their
browsing history (one row per user and ad), and promotional banners

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _time(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _user() -> sa.Column[object]:
    return sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)


def _listing() -> sa.Column[object]:
    return sa.Column(
        "listing_id", sa.Integer(), sa.ForeignKey("market_listings.id", ondelete="CASCADE"), primary_key=True
    )


def upgrade() -> None:
    op.create_table(
        "market_saved_ads",
        _user(),
        sa.Column("list_name", sa.String(16), primary_key=True),
        _listing(),
        sa.Column("slot", sa.SmallInteger()),
        _time("added_at"),
        sa.UniqueConstraint(
            "user_id", "list_name", "slot", name="uq_market_saved_ads_user_id_list_name_slot"
        ),
    )
    op.create_index(
        "ix_market_saved_ads_user_id_list_name_added_at",
        "market_saved_ads",
        ["user_id", "list_name", "added_at"],
    )
    op.create_index("ix_market_saved_ads_listing_id", "market_saved_ads", ["listing_id"])

    op.create_table("market_view_history", _user(), _listing(), _time("viewed_at"))
    op.create_index(
        "ix_market_view_history_user_id_viewed_at", "market_view_history", ["user_id", "viewed_at"]
    )
    op.create_index("ix_market_view_history_listing_id", "market_view_history", ["listing_id"])

    op.create_table(
        "market_banners",
        sa.Column("id", sa.Integer(), autoincrement=True, primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("image_url", sa.String(512), nullable=False),
        sa.Column("link_url", sa.String(512)),
        sa.Column("location", sa.String(32), nullable=False),
        _time("starts_at", nullable=True),
        _time("ends_at", nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        _time("created_at"),
        _time("updated_at"),
    )
    op.create_index(
        "ix_market_banners_location_is_active_position",
        "market_banners",
        ["location", "is_active", "position"],
    )


def downgrade() -> None:
    for table in ("market_banners", "market_view_history", "market_saved_ads"):
        op.drop_table(table)
