"""rotated token successors: a refresh token presented again within the grace gets its successor

Two requests of one client renewing with the same refresh token at once (a console page and its
live stream behind a balancer, on two edges) used to end the session: the second presentation read
as a stolen token. Each exchanged token now keeps its successor, sealed with a key derived from the
exchanged token itself (which is stored only as a hash), so only its holder can open it.

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("identity_rotated_tokens") as table:
        table.add_column(sa.Column("successor", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("identity_rotated_tokens") as table:
        table.drop_column("successor")
