"""identity: the revocation outbox (when each ended session was announced to the edges)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Sessions ended before this have no announcement on record: the identity worker announces
    # those still within the revocation TTL once more, which changes nothing for an edge that knew.
    with op.batch_alter_table("identity_sessions") as batch:
        batch.add_column(sa.Column("announced_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_identity_sessions_revoked_at", "identity_sessions", ["revoked_at"])


def downgrade() -> None:
    op.drop_index("ix_identity_sessions_revoked_at", table_name="identity_sessions")
    with op.batch_alter_table("identity_sessions") as batch:
        batch.drop_column("announced_at")
