"""MillionAvto (000) vehicle references through HTTP: the document's cascading selection (type → brand →
model → generation → modification), the plain lists, ETag and 304, and FastAPI's 422 on a bad filter.
Written against whatever storage/reference/vehicles.json holds: the chain is found in the data."""

from __future__ import annotations

from typing import Any

import pytest

from protocols.fields import INT32_MAX
from storage.reference.vehicles import vehicle_rows
from tests.conftest import Cluster
from tests.support.http import json_of

pytestmark = pytest.mark.domains("catalog")

VEHICLES = "/api/v1/vehicles"
NAMED = {"id", "slug", "name", "name_en"}
PLAIN_LISTS = {
    "types": "catalog_vehicle_types",
    "body-types": "catalog_body_types",
    "transmissions": "catalog_transmissions",
    "fuel-types": "catalog_fuel_types",
    "drive-types": "catalog_drive_types",
    "colors": "catalog_colors",
}


async def get(cluster: Cluster, path: str, status: int = 200) -> Any:
    return await json_of(await cluster.edge_a.get(VEHICLES + path), status)


async def test_the_cascading_selection_of_the_document_narrows_at_every_step(cluster: Cluster) -> None:
    # A generation with modifications, and the model above it, found from the unfiltered lists.
    for generation in await get(cluster, "/generations"):
        modifications = await get(cluster, f"/modifications?generation_id={generation['id']}")
        if modifications:
            break
    modification = modifications[0]
    model = next(m for m in await get(cluster, "/models") if m["id"] == generation["model_id"])

    # Down again, as the document's example walks it.
    brands = await get(cluster, f"/brands?vehicle_type_id={model['vehicle_type_id']}")
    assert model["brand_id"] in {b["id"] for b in brands}
    assert all(model["vehicle_type_id"] in b["vehicle_type_ids"] for b in brands)
    models = await get(cluster, f"/models?brand_id={model['brand_id']}")
    assert model in models and {m["brand_id"] for m in models} == {model["brand_id"]}
    generations = await get(cluster, f"/generations?model_id={model['id']}")
    assert generation in generations and {g["model_id"] for g in generations} == {model["id"]}
    modifications = await get(cluster, f"/modifications?generation_id={generation['id']}")
    assert modification in modifications and {m["generation_id"] for m in modifications} == {generation["id"]}
    assert set(modification) == {
        "id", "generation_id", "name", "year_from", "year_to", "body_type_id", "fuel_type_id",
        "engine_volume_l", "power_hp", "transmission_id", "drive_type_id", "seats", "price_new_rub",
    }  # fmt: skip
    body_types = {b["id"] for b in await get(cluster, "/body-types")}
    assert modification["body_type_id"] is None or modification["body_type_id"] in body_types

    # The brands are the data file's, ids in its order.
    rows = vehicle_rows()
    every_brand = await get(cluster, "/brands")
    assert [(b["id"], b["slug"]) for b in every_brand] == [
        (r["id"], r["slug"]) for r in rows["catalog_brands"]
    ]
    assert set(every_brand[0]) == {"id", "name", "slug", "country", "is_popular", "vehicle_type_ids"}

    # The reference prices: each priced modification of the file comes out with its price, beside its
    # generation's unpriced ones (null, not an estimate).
    modification_rows = rows["catalog_modifications"]
    priced = {r["id"]: r["price_new_rub"] for r in modification_rows if r["price_new_rub"] is not None}
    assert priced, "the data file prices no modification"
    for generation_id in sorted({r["generation_id"] for r in modification_rows if r["id"] in priced}):
        listed = await get(cluster, f"/modifications?generation_id={generation_id}")
        assert {m["id"]: m["price_new_rub"] for m in listed} == {
            r["id"]: r["price_new_rub"] for r in modification_rows if r["generation_id"] == generation_id
        }


async def test_the_plain_lists_are_the_data_files_and_a_trailing_slash_changes_nothing(
    cluster: Cluster,
) -> None:
    rows = vehicle_rows()
    for path, table in PLAIN_LISTS.items():
        listed = await get(cluster, f"/{path}")
        assert listed == rows[table], path
        assert set(listed[0]) == (NAMED | {"hex"} if path == "colors" else NAMED)
        assert await get(cluster, f"/{path}/") == listed


async def test_an_id_that_names_nothing_has_nothing_under_it(cluster: Cluster) -> None:
    for path in ("/brands?vehicle_type_id=", "/models?brand_id=", "/generations?model_id=",
                 "/modifications?generation_id="):  # fmt: skip
        assert await get(cluster, f"{path}{INT32_MAX}") == [], path


async def test_a_filter_that_is_no_id_is_422_naming_it(cluster: Cluster) -> None:
    missing = await get(cluster, "/modifications", 422)  # all of them at once would be megabytes
    assert [(e["loc"], e["type"]) for e in missing["detail"]] == [(["query", "generation_id"], "missing")]
    for name, path in (("vehicle_type_id", "/brands"), ("brand_id", "/models"), ("model_id", "/generations"),
                       ("generation_id", "/modifications")):  # fmt: skip
        for value in ("abc", "0", "-1", str(INT32_MAX + 1)):
            refused = await get(cluster, f"{path}?{name}={value}", 422)
            assert [e["loc"] for e in refused["detail"]] == [["query", name]], (path, value)


async def test_every_list_carries_an_etag_and_a_matching_if_none_match_is_304(cluster: Cluster) -> None:
    seen = set()
    for path in (*(f"/{p}" for p in PLAIN_LISTS), "/brands", "/brands?vehicle_type_id=1", "/models",
                 "/generations", "/modifications?generation_id=1"):  # fmt: skip
        first = await cluster.edge_a.get(VEHICLES + path)
        assert first.status == 200, path
        etag = first.headers["ETag"]
        assert first.headers["Cache-Control"] == "public, max-age=3600"
        if path.removeprefix("/") in PLAIN_LISTS:
            seen.add(etag)
        again = await cluster.edge_b.get(VEHICLES + path, headers={"If-None-Match": etag})
        assert (again.status, await again.read(), again.headers["ETag"]) == (304, b"", etag), path
    assert len(seen) == len(PLAIN_LISTS)  # each list its own version
    other = await cluster.edge_a.get(VEHICLES + "/types", headers={"If-None-Match": '"not-this-one"'})
    assert other.status == 200 and await other.json()
