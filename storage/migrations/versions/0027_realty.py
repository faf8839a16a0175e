"""realty: buyers' requests and their matches with properties

Matching a published property reads the open requests of its city, deal format and type through a
partial index (open requests only) and checks the other criteria, all ranges or optional ones, on the
rows found: with the three equalities a city's bucket is a small part of the open requests.

`realty_catch_up` keeps how far the worker's catch-up has matched the market's properties (the
`PropertyPublished` events no realty worker was running to take).

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

OPEN = sa.text("status = 'open'")
UNTOLD = sa.text("buyer_told_at IS NULL OR owner_told_at IS NULL")


def upgrade() -> None:
    op.create_table(
        "realty_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("city", sa.String(200), nullable=False),
        sa.Column("city_id", sa.Integer(), nullable=True),
        sa.Column("district", sa.String(100), nullable=True),
        sa.Column("district_key", sa.String(100), nullable=True),
        sa.Column("deal_format", sa.String(16), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("subtype", sa.String(16), nullable=True),
        sa.Column("condition", sa.String(16), nullable=True),
        sa.Column("construction_year", sa.SmallInteger(), nullable=True),
        sa.Column("construction_quarter", sa.SmallInteger(), nullable=True),
        sa.Column("total_rooms", sa.String(64), nullable=True),
        sa.Column("rooms_min", sa.SmallInteger(), nullable=True),
        sa.Column("rooms_max", sa.SmallInteger(), nullable=True),
        sa.Column("total_area_min", sa.Float(), nullable=True),
        sa.Column("total_area_max", sa.Float(), nullable=True),
        sa.Column("budget_min", sa.Float(), nullable=True),
        sa.Column("budget_max", sa.Float(), nullable=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("purchase_purpose", sa.String(16), nullable=True),
        sa.Column("urgency", sa.Text(), nullable=True),
        sa.Column("purchase_method", sa.Text(), nullable=True),
        sa.Column("mortgage_approved", sa.Boolean(), nullable=True),
        sa.Column("wishes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name="fk_realty_requests_owner_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_realty_requests"),
    )
    op.create_index(
        "ix_realty_requests_open_match", "realty_requests", ["city_id", "deal_format", "type"],
        postgresql_where=OPEN, sqlite_where=OPEN,
    )  # fmt: skip
    op.create_index("ix_realty_requests_owner_id_id", "realty_requests", ["owner_id", "id"])
    op.create_table(
        "realty_matches",
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("property_id", sa.Integer(), nullable=False),
        sa.Column("buyer_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("buyer_told_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("owner_told_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["realty_requests.id"],
            name="fk_realty_matches_request_id_realty_requests",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["property_id"],
            ["market_listings.id"],
            name="fk_realty_matches_property_id_market_listings",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("request_id", "property_id", name="pk_realty_matches"),
    )
    op.create_index("ix_realty_matches_property_id", "realty_matches", ["property_id"])
    op.create_index(
        "ix_realty_matches_untold", "realty_matches", ["created_at"],
        postgresql_where=UNTOLD, sqlite_where=UNTOLD,
    )  # fmt: skip

    op.create_table(
        "realty_catch_up",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("property_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_realty_catch_up"),
    )


def downgrade() -> None:
    op.drop_table("realty_catch_up")
    op.drop_table("realty_matches")
    op.drop_table("realty_requests")
