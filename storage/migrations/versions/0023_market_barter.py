"""market barter: FreeMarket's barter lists and items beside the listings, and the catalog category
`barter` (inactive: MillionAvto's category lists never show it) that every barter listing is filed under

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

BARTER_CATEGORY_SLUG = "barter"  # storage.models.market_barter's, as of this revision


def upgrade() -> None:
    op.create_table(
        "market_barter_lists",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name="fk_market_barter_lists_owner_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_market_barter_lists"),
    )
    op.create_index("ix_market_barter_lists_owner_id_id", "market_barter_lists", ["owner_id", "id"])
    op.create_table(
        "market_barter_items",
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(8), nullable=False),
        sa.Column("exchange_type", sa.String(16), nullable=False),
        sa.Column("category", sa.String(64), nullable=True),
        sa.Column("duration_days", sa.SmallInteger(), nullable=True),
        sa.Column("city", sa.String(100), nullable=True),
        sa.Column("archived_for", sa.String(120), nullable=True),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["market_listings.id"],
            name="fk_market_barter_items_listing_id_market_listings",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["market_barter_lists.id"],
            name="fk_market_barter_items_list_id_market_barter_lists",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("listing_id", name="pk_market_barter_items"),
    )
    op.create_index("ix_market_barter_items_list_id", "market_barter_items", ["list_id"])
    categories = sa.table(
        "catalog_categories",
        sa.column("name", sa.String),
        sa.column("slug", sa.String),
        sa.column("position", sa.Integer),
        sa.column("is_active", sa.Boolean),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        categories,
        [{"name": "Бартер (FreeMarket)", "slug": BARTER_CATEGORY_SLUG, "position": 1000, "is_active": False,
          "created_at": now, "updated_at": now}],
    )  # fmt: skip


def downgrade() -> None:
    op.drop_table("market_barter_items")
    op.drop_table("market_barter_lists")
    op.execute("DELETE FROM market_listings WHERE kind = 'barter'")
    op.execute(f"DELETE FROM catalog_categories WHERE slug = '{BARTER_CATEGORY_SLUG}'")
