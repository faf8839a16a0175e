"""matching: the engine's runs, the exchanges it proposes, their participants' legs and timelines

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def _user(column: str, table: str, *, nullable: bool, ondelete: str) -> list[sa.SchemaItem]:
    return [
        sa.Column(column, sa.Integer(), nullable=nullable),
        sa.ForeignKeyConstraint([column], ["users.id"], name=f"fk_{table}_{column}_users", ondelete=ondelete),
    ]


def _exchange(table: str) -> list[sa.SchemaItem]:
    return [
        sa.Column("exchange_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["exchange_id"],
            ["matching_exchanges.id"],
            name=f"fk_{table}_exchange_id_matching_exchanges",
            ondelete="CASCADE",
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "matching_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("trigger", sa.String(16), nullable=False),
        sa.Column("scope_user_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("bilateral_matches", sa.Integer(), nullable=False),
        sa.Column("chains_discovered", sa.Integer(), nullable=False),
        sa.Column("participants_notified", sa.Integer(), nullable=False),
        sa.Column("items_traded", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_matching_runs"),
    )
    op.create_index("ix_matching_runs_started_at", "matching_runs", ["started_at"])
    op.create_table(
        "matching_exchanges",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("public_id", sa.String(120), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agreed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dissolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["matching_runs.id"],
            name="fk_matching_exchanges_run_id_matching_runs",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_matching_exchanges"),
        sa.UniqueConstraint("public_id", name="uq_matching_exchanges_public_id"),
    )
    op.create_index(
        "ix_matching_exchanges_kind_status_created_at", "matching_exchanges", ["kind", "status", "created_at"]
    )
    op.create_table(
        "matching_exchange_legs",
        *_exchange("matching_exchange_legs"),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        *_user("user_id", "matching_exchange_legs", nullable=False, ondelete="CASCADE"),
        sa.Column("gives_item_id", sa.Integer(), nullable=False),
        sa.Column("receives_item_id", sa.Integer(), nullable=False),
        sa.Column("fills_want_id", sa.Integer(), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("declined_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("exchange_id", "position", name="pk_matching_exchange_legs"),
    )
    op.create_index(
        "ix_matching_exchange_legs_user_id_exchange_id", "matching_exchange_legs", ["user_id", "exchange_id"]
    )
    op.create_index("ix_matching_exchange_legs_gives_item_id", "matching_exchange_legs", ["gives_item_id"])
    op.create_table(
        "matching_exchange_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        *_exchange("matching_exchange_events"),
        sa.Column("event_type", sa.String(16), nullable=False),
        *_user("user_id", "matching_exchange_events", nullable=True, ondelete="SET NULL"),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("details", sa.String(500), nullable=True),
        sa.Column("told_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_matching_exchange_events"),
    )
    op.create_index(
        "ix_matching_exchange_events_exchange_id_at", "matching_exchange_events", ["exchange_id", "at"]
    )
    op.create_table(
        "matching_item_claims",
        sa.Column("item_id", sa.Integer(), autoincrement=False, nullable=False),
        *_exchange("matching_item_claims"),
        sa.PrimaryKeyConstraint("item_id", name="pk_matching_item_claims"),
    )
    op.create_index("ix_matching_item_claims_exchange_id", "matching_item_claims", ["exchange_id"])


def downgrade() -> None:
    op.drop_table("matching_item_claims")
    op.drop_table("matching_exchange_events")
    op.drop_table("matching_exchange_legs")
    op.drop_table("matching_exchanges")
    op.drop_table("matching_runs")
