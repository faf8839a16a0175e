"""catalog: categories (seeded with MillionAvto's seven and their subcategories) and the vehicle
references (loaded from storage/reference/vehicles.json)

Constraint names come from the models' naming convention (env.py hands Alembic the metadata).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from storage.reference.categories import category_rows
from storage.reference.vehicles import NAMED_LISTS, vehicle_rows

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer(), autoincrement=True, primary_key=True)


def _years() -> tuple[sa.Column[int], sa.Column[int]]:
    return sa.Column("year_from", sa.SmallInteger(), nullable=True), sa.Column("year_to", sa.SmallInteger())


def _ref(column: str, table: str, *, nullable: bool = True, cascade: bool = False) -> sa.Column[int]:
    target = sa.ForeignKey(f"{table}.id", ondelete="CASCADE" if cascade else None)
    return sa.Column(column, sa.Integer(), target, nullable=nullable)


def upgrade() -> None:
    now = datetime.now(UTC)
    categories = op.create_table(
        "catalog_categories",
        _id(),
        _ref("parent_id", "catalog_categories"),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("slug", sa.String(100), nullable=False, unique=True),
        sa.Column("meta_title", sa.String(200)),
        sa.Column("meta_description", sa.String(500)),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_catalog_categories_parent_id", "catalog_categories", ["parent_id"])

    tables: dict[str, sa.Table] = {}
    for table in NAMED_LISTS.values():
        extra = [sa.Column("hex", sa.String(7), nullable=False)] if table == "catalog_colors" else []
        tables[table] = op.create_table(
            table,
            _id(),
            sa.Column("slug", sa.String(64), nullable=False, unique=True),
            sa.Column("name", sa.String(100), nullable=False),
            sa.Column("name_en", sa.String(100), nullable=False),
            *extra,
        )
    tables["catalog_brands"] = op.create_table(
        "catalog_brands",
        _id(),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("slug", sa.String(100), nullable=False, unique=True),
        sa.Column("country", sa.String(64)),
        sa.Column("is_popular", sa.Boolean(), nullable=False),
    )
    tables["catalog_brand_vehicle_types"] = op.create_table(
        "catalog_brand_vehicle_types",
        sa.Column(
            "brand_id", sa.Integer(), sa.ForeignKey("catalog_brands.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column(
            "vehicle_type_id",
            sa.Integer(),
            sa.ForeignKey("catalog_vehicle_types.id", ondelete="CASCADE"),
            primary_key=True,
        ),
    )
    op.create_index(
        "ix_catalog_brand_vehicle_types_vehicle_type_id", "catalog_brand_vehicle_types", ["vehicle_type_id"]
    )
    tables["catalog_models"] = op.create_table(
        "catalog_models",
        _id(),
        _ref("brand_id", "catalog_brands", nullable=False, cascade=True),
        _ref("vehicle_type_id", "catalog_vehicle_types", nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("slug", sa.String(100), nullable=False),
        *_years(),
        sa.UniqueConstraint("brand_id", "slug", name="uq_catalog_models_brand_id_slug"),
    )
    op.create_index("ix_catalog_models_vehicle_type_id", "catalog_models", ["vehicle_type_id"])
    tables["catalog_generations"] = op.create_table(
        "catalog_generations",
        _id(),
        _ref("model_id", "catalog_models", nullable=False, cascade=True),
        sa.Column("name", sa.String(100), nullable=False),
        *_years(),
    )
    op.create_index("ix_catalog_generations_model_id", "catalog_generations", ["model_id"])
    tables["catalog_modifications"] = op.create_table(
        "catalog_modifications",
        _id(),
        _ref("generation_id", "catalog_generations", nullable=False, cascade=True),
        sa.Column("name", sa.String(100), nullable=False),
        *_years(),
        _ref("body_type_id", "catalog_body_types"),
        _ref("fuel_type_id", "catalog_fuel_types"),
        sa.Column("engine_volume_l", sa.Float()),
        sa.Column("power_hp", sa.SmallInteger()),
        _ref("transmission_id", "catalog_transmissions"),
        _ref("drive_type_id", "catalog_drive_types"),
        sa.Column("seats", sa.SmallInteger()),
        sa.Column("price_new_rub", sa.BigInteger()),
    )
    op.create_index("ix_catalog_modifications_generation_id", "catalog_modifications", ["generation_id"])

    op.bulk_insert(categories, category_rows(now))
    for table, rows in vehicle_rows().items():  # referenced tables first; one executemany each
        if rows:
            op.bulk_insert(tables[table], rows)
    if op.get_bind().dialect.name == "postgresql":
        # The ids were given; the sequences must go on after them for rows inserted later.
        for table in ("catalog_categories", *(t for t in tables if t != "catalog_brand_vehicle_types")):
            op.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
            )


def downgrade() -> None:
    for table in (
        "catalog_modifications", "catalog_generations", "catalog_models", "catalog_brand_vehicle_types",
        "catalog_brands", *reversed(list(NAMED_LISTS.values())), "catalog_categories",
    ):  # fmt: skip
        op.drop_table(table)
