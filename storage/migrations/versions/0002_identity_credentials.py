"""identity: profile extras, rotated refresh tokens, phone codes, email links, signing keys

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("locations", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("attributes", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(sa.Column("avatar_url", sa.String(512), nullable=True))
        batch.add_column(sa.Column("licenses_url", sa.String(512), nullable=True))
        batch.add_column(sa.Column("membership_id", sa.String(32), nullable=True))
        batch.add_column(sa.Column("referral_code", sa.String(32), nullable=True))
        batch.add_column(sa.Column("referred_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("rewards_balance", sa.Integer(), nullable=False, server_default="0"))
        batch.create_unique_constraint("uq_users_referral_code", ["referral_code"])
        batch.create_foreign_key(
            "fk_users_referred_by_id_users", "users", ["referred_by_id"], ["id"], ondelete="SET NULL"
        )
    op.create_table(
        "identity_rotated_tokens",
        sa.Column("token_hash", sa.String(128), nullable=False),
        sa.Column("session_id", sa.String(36), nullable=False),
        sa.Column("rotated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name="pk_identity_rotated_tokens"),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["identity_sessions.id"],
            name="fk_identity_rotated_tokens_session_id_identity_sessions",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_identity_rotated_tokens_session_id", "identity_rotated_tokens", ["session_id"])
    op.create_table(
        "identity_phone_codes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("code_hash", sa.String(128), nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_identity_phone_codes"),
    )
    op.create_index("ix_identity_phone_codes_phone", "identity_phone_codes", ["phone"])
    op.create_index("ix_identity_phone_codes_expires_at", "identity_phone_codes", ["expires_at"])
    op.create_table(
        "identity_email_links",
        sa.Column("token_hash", sa.String(128), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("token_hash", name="pk_identity_email_links"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_identity_email_links_user_id_users", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_identity_email_links_user_id", "identity_email_links", ["user_id"])
    op.create_index("ix_identity_email_links_expires_at", "identity_email_links", ["expires_at"])
    op.create_table(
        "identity_signing_keys",
        sa.Column("kid", sa.String(32), nullable=False),
        sa.Column("alg", sa.String(16), nullable=False),
        sa.Column("private_pem", sa.Text(), nullable=False),
        sa.Column("public_pem", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("kid", name="pk_identity_signing_keys"),
    )


def downgrade() -> None:
    op.drop_table("identity_signing_keys")
    op.drop_table("identity_email_links")
    op.drop_table("identity_phone_codes")
    op.drop_table("identity_rotated_tokens")
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint("fk_users_referred_by_id_users", type_="foreignkey")
        batch.drop_constraint("uq_users_referral_code", type_="unique")
        for column in (
            "rewards_balance", "referred_by_id", "referral_code", "membership_id",
            "licenses_url", "avatar_url", "attributes", "locations",
        ):  # fmt: skip
            batch.drop_column(column)
