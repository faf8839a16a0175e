"""chat: conversations, participants with read state, messages

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chat_conversations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("topic_id", sa.String(128), nullable=True),
        sa.Column("title", sa.String(200), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("participant_key", sa.String(512), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_chat_conversations"),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name="fk_chat_conversations_created_by_users", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_chat_conversations_kind_topic", "chat_conversations", ["kind", "topic_id"])
    op.create_index("ix_chat_conversations_updated_at", "chat_conversations", ["updated_at"])
    op.create_index(
        "uq_chat_conversations_topic_people", "chat_conversations", ["kind", "topic_id", "participant_key"],
        unique=True, sqlite_where=sa.text("topic_id IS NOT NULL"), postgresql_where=sa.text("topic_id IS NOT NULL"),
    )  # fmt: skip
    op.create_table(
        "chat_participants",
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("read_seq", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(16), nullable=True),
        sa.Column("blocked", sa.Boolean(), nullable=False),
        sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("conversation_id", "user_id", name="pk_chat_participants"),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["chat_conversations.id"],
            name="fk_chat_participants_conversation_id_chat_conversations",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_chat_participants_user_id_users", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_chat_participants_user_id", "chat_participants", ["user_id"])
    op.create_table(
        "chat_messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.Integer(), nullable=True),
        sa.Column("author", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("client_msg_id", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_chat_messages"),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["chat_conversations.id"],
            name="fk_chat_messages_conversation_id_chat_conversations",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sender_id"], ["users.id"], name="fk_chat_messages_sender_id_users", ondelete="SET NULL"
        ),
        sa.UniqueConstraint("conversation_id", "seq", name="uq_chat_messages_conversation_id"),
        sa.UniqueConstraint(
            "conversation_id", "sender_id", "client_msg_id", name="uq_chat_messages_client_msg"
        ),
    )


def downgrade() -> None:
    op.drop_table("chat_messages")
    op.drop_table("chat_participants")
    op.drop_table("chat_conversations")
