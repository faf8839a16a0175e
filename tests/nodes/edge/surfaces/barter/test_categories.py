"""FreeMarket's category system through HTTP: the current version (v6.0) by exchange type, one type's
categories and groups, the document's examples as it writes them, 404 for an unknown type or version,
and an ETag a client revalidates with."""

from __future__ import annotations

import re

import pytest

from protocols.fields import BARTER_SLUG_PATTERN
from tests.conftest import Cluster
from tests.support.http import json_of

pytestmark = [pytest.mark.domains("market"), pytest.mark.database_agnostic]

# The document's own examples (seeds/001, "Categories API (v6)").
PERSONAL_TRANSPORT = {
    "slug": "personal_transport", "name": "Личные и спецтранспортные средства", "group": "🚗 Транспорт и техника",
    "emoji": "🚗", "sort_order": 0, "form_schema": None,
}  # fmt: skip
BICYCLES = {
    "slug": "bicycles", "name": "Велосипеды, самокаты, гироскутеры", "group": "🚗 Транспорт и мобильность",
    "emoji": "🚗", "sort_order": 0, "form_schema": None,
}  # fmt: skip
SEEN_IN_PATCH_EXAMPLE = {("permanent", "electronics"), ("temporary", "transport"), ("permanent", "books")}


async def test_categories_v6(cluster: Cluster) -> None:
    edge = cluster.edge_a
    everything = await json_of(await edge.get("/v1/categories"), 200)
    assert everything["version"] == "v6.0"
    assert (
        everything["description"]
        == "Initial v6 category system with expanded temporary and permanent exchanges"
    )
    by_type = everything["categories"]
    assert by_type["permanent"][0] == PERSONAL_TRANSPORT and by_type["temporary"][0] == BICYCLES
    for exchange_type, listed in by_type.items():
        assert len(listed) >= 20
        assert [category["sort_order"] for category in listed] == list(range(len(listed)))
        slugs = [category["slug"] for category in listed]
        assert len(set(slugs)) == len(slugs) and all(re.match(BARTER_SLUG_PATTERN, slug) for slug in slugs)
        assert all(category["group"].startswith(category["emoji"] + " ") for category in listed)
        assert {(exchange_type, slug) for slug in slugs} >= {
            seen for seen in SEEN_IN_PATCH_EXAMPLE if seen[0] == exchange_type
        }

    explicit = await edge.get("/v1/categories?version=v6.0")
    assert await json_of(explicit, 200) == everything
    permanent = await json_of(await cluster.edge_b.get("/v1/categories/permanent"), 200)
    assert permanent == by_type["permanent"]
    assert await json_of(await edge.get("/v1/categories/TEMPORARY?version=v6.0"), 200) == by_type["temporary"]
    groups = await json_of(await edge.get("/v1/categories/groups/permanent"), 200)
    assert groups["groups"][:2] == ["🚗 Транспорт и техника", "🔧 Инструменты и оборудование"]
    assert len(groups["groups"]) == len(set(groups["groups"])) >= 8
    temporary_groups = await json_of(await edge.get("/v1/categories/groups/temporary"), 200)
    assert temporary_groups["groups"][0] == "🚗 Транспорт и мобильность"

    for path, detail in (
        ("/v1/categories?version=v9.9", "Category version 'v9.9' not found"),
        ("/v1/categories/rental", "Unknown exchange type 'rental': permanent or temporary"),
        ("/v1/categories/groups/rental", "Unknown exchange type 'rental': permanent or temporary"),
        ("/v1/categories/permanent?version=v7.0", "Category version 'v7.0' not found"),
    ):
        body = await json_of(await edge.get(path), 404)
        assert body == {"detail": detail, "status_code": 404, "error_type": "not_found"}

    # Kept by clients: revalidated with the ETag, answered 304 without a body.
    first = await edge.get("/v1/categories/permanent")
    assert "max-age=3600" in first.headers["Cache-Control"]
    again = await cluster.edge_b.get(
        "/v1/categories/permanent", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status == 304
