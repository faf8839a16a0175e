"""catalog: the modifications' reference prices (price_new_rub) set from storage/reference/vehicles.json

A catalog loaded by 0006 from an older file has the prices that file had (three); this sets every
modification's price to the file's, by the ids the loader numbers (the file only appends, so an id
names the same modification in both). A modification the file has but the database lacks is left
alone: nothing to update.

Downgrade changes nothing: the column is there before and after this revision, a database built from
empty at the previous revision already carries the file's prices (0006 loads the current file), and the
prices it replaced are not kept.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.reference.vehicles import vehicle_rows

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

MODIFICATIONS = sa.table("catalog_modifications", sa.column("id"), sa.column("price_new_rub"))


def upgrade() -> None:
    prices = [
        {"modification_id": row["id"], "price": row["price_new_rub"]}
        for row in vehicle_rows()["catalog_modifications"]
    ]
    statement = (
        MODIFICATIONS.update()
        .where(MODIFICATIONS.c.id == sa.bindparam("modification_id"))
        .values(price_new_rub=sa.bindparam("price"))
    )
    op.get_bind().execute(statement, prices)  # one executemany


def downgrade() -> None:
    pass
