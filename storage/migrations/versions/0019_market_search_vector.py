"""market search vector: on PostgreSQL, each listing's text vector stored in its row

A search by text over a million ads either gathers the GIN index's matches (fast when few match) or
walks an order's index and checks each ad (fast when many do: "пробег" is in half of them). The
expression index of migration 0010 made that check rebuild the vector from the title and description
of every ad walked; a stored vector is read as it is. Stored in the listing's row, a gather checks the
listing's other columns (price, category, status) on the same page the index's match points to.
PostgreSQL computes it (a generated column); SQLite changes nothing here (its FTS5 table is its own).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05
"""

from __future__ import annotations

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

# As migration 0010 spelled it.
VECTOR = "to_tsvector('simple'::regconfig, (title::text || ' '::text) || COALESCE(description, ''::text))"
COLUMN = "search_vector"
INDEX = "ix_market_listings_search_vector"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"ALTER TABLE market_listings ADD COLUMN {COLUMN} tsvector GENERATED ALWAYS AS ({VECTOR}) STORED"
    )
    op.execute(f"CREATE INDEX {INDEX} ON market_listings USING gin ({COLUMN})")
    op.execute("DROP INDEX ix_market_listings_text")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"CREATE INDEX ix_market_listings_text ON market_listings USING gin ({VECTOR})")
    op.execute(f"DROP INDEX {INDEX}")
    op.execute(f"ALTER TABLE market_listings DROP COLUMN {COLUMN}")
