"""market search: a listing's region and country (copied from its city, indexed), its images count,
and the text index of each database (PostgreSQL: GIN over a tsvector; SQLite: FTS5 kept by triggers)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# As storage.models.market.SearchDocument spells it (a migration keeps its own copy: models change).
TSVECTOR = "to_tsvector('simple'::regconfig, (title::text || ' '::text) || COALESCE(description, ''::text))"
FTS = "market_listings_fts"
# An external-content FTS5 table follows its listings through these triggers ('delete' takes the old
# values out of the index).
FTS_TRIGGERS = {
    "market_listings_fts_insert": f"""
        AFTER INSERT ON market_listings BEGIN
            INSERT INTO {FTS}(rowid, title, description) VALUES (new.id, new.title, new.description);
        END""",
    "market_listings_fts_delete": f"""
        AFTER DELETE ON market_listings BEGIN
            INSERT INTO {FTS}({FTS}, rowid, title, description)
            VALUES ('delete', old.id, old.title, old.description);
        END""",
    "market_listings_fts_update": f"""
        AFTER UPDATE OF title, description ON market_listings BEGIN
            INSERT INTO {FTS}({FTS}, rowid, title, description)
            VALUES ('delete', old.id, old.title, old.description);
            INSERT INTO {FTS}(rowid, title, description) VALUES (new.id, new.title, new.description);
        END""",
}


def upgrade() -> None:
    with op.batch_alter_table("market_listings") as table:
        table.add_column(sa.Column("region_id", sa.Integer()))
        table.add_column(sa.Column("country_id", sa.Integer()))
        table.add_column(sa.Column("images_count", sa.Integer(), nullable=False, server_default="0"))
    op.execute(
        "UPDATE market_listings SET"
        " region_id = (SELECT region_id FROM catalog_cities WHERE catalog_cities.id = city_id),"
        " country_id = (SELECT country_id FROM catalog_cities WHERE catalog_cities.id = city_id)"
        " WHERE city_id IS NOT NULL"
    )
    op.create_index("ix_market_listings_region_id_status", "market_listings", ["region_id", "status"])
    op.create_index("ix_market_listings_country_id_status", "market_listings", ["country_id", "status"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE INDEX ix_market_listings_text ON market_listings USING gin ({TSVECTOR})")
        return
    op.execute(
        f"CREATE VIRTUAL TABLE {FTS} USING fts5(title, description, content='market_listings',"
        " content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
    )
    op.execute(f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')")
    for name, body in FTS_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_market_listings_text")
    else:
        for name in FTS_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
        op.execute(f"DROP TABLE {FTS}")
    op.drop_index("ix_market_listings_country_id_status", "market_listings")
    op.drop_index("ix_market_listings_region_id_status", "market_listings")
    with op.batch_alter_table("market_listings") as table:
        for column in ("images_count", "country_id", "region_id"):
            table.drop_column(column)
