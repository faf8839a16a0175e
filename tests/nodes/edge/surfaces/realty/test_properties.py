"""Realty (003) properties through HTTP on two edges: a realtor lists one with every documented field,
images, a layout and a PDF (images re-encoded without EXIF, read back through their URLs); its place
is found in its address; it is listed as his, shown to anyone, found by a buyer's words ("хочу купить",
"квартира", a budget in another currency), changed, archived and restored by its owner only, and each
publication is announced for matching. Then the refusals: roles, owners, numbers, words, and uploads
of the wrong type, too large or too many, each storing nothing."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import pytest
from aiohttp import FormData
from PIL import Image

from nodes.runtime.settings import Settings
from protocols.envelope import Actor, Role, decode_data, decode_request
from protocols.market_realty import (
    ArchiveProperty,
    DealFormat,
    GetProperties,
    PropertyPublished,
    PropertyWithdrawn,
    RealtyCurrency,
    SearchProperties,
)
from tests.conftest import Cluster
from tests.nodes.edge.surfaces.autos.test_ad_media import (
    GPS_IFD,
    MAKE,
    encoded,
    jpeg_with_exif,
    opened,
    stored_files,
)
from tests.support.eventually import until
from tests.support.http import User, json_of
from tests.support.places import places_loaded
from tests.support.realty import PROPERTY, Edge, list_property, realty_user

pytestmark = pytest.mark.domains("identity", "catalog", "market")

File = tuple[str, bytes, str]  # field, content, file name
MOSCOW = 524901  # GeoNames' id
MAX_IMAGE_BYTES = 64 * 1024
IMAGES_MAX = 3
DOCUMENT_MAX_BYTES = 2048
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
# The document's example request, as its curl sends it.
DOCUMENTED = {
    "deal_format": "sale", "type": "apartment", "subtype": "studio", "condition": "new", "entry_year": "2024",
    "entry_quarter": "2", "purpose": "residence", "location": "Москва, Центральный район, ул. Тверская, 7",
    "price": "150000", "currency": "USD", "title": "Beautiful Studio Apartment",
    "description": "A beautiful new studio apartment located in the heart of the city.", "floor": "3",
    "total_area": "45.5", "living_area": "40", "ceiling_height": "3", "rooms": "1", "bedrooms": "1",
    "bathrooms": "1", "features": "kitchen,balcony", "equipment": "furniture,appliances",
    "building_floors": "10", "building_living_area": "4000", "apartments": "50", "lifts_per_entrance": "2",
    "building_features": "parking,pool", "building_name": "Luxury Residences", "developer": "Top Developer",
    "materials": "brick", "territory_area": "2000", "territory_features": "garden,gym",
    "nearby_places": "beach,park", "views": "sea view,city view", "video_title": "Apartment Tour",
    "video_url": "http://example.com/tour", "services": "remote deal,crypto payment",
    "commission_amount": "5", "commission_type": "% of deal", "documents": "title deed,purchase contract",
}  # fmt: skip


@pytest.fixture
def settings_override() -> Callable[[Settings], Settings]:
    def override(settings: Settings) -> Settings:
        media = replace(settings.media, max_image_bytes=MAX_IMAGE_BYTES, thumbnail_px=16)
        realty = replace(
            settings.realty, property_images_max=IMAGES_MAX, property_document_max_bytes=DOCUMENT_MAX_BYTES
        )
        return replace(settings, media=media, realty=realty)

    return override


def form(fields: dict[str, str], files: Sequence[File] = ()) -> FormData:
    data = FormData()
    for name, value in fields.items():
        data.add_field(name, value)
    for name, content, filename in files:
        data.add_field(name, content, filename=filename, content_type="application/octet-stream")
    return data


async def announcements(cluster: Cluster) -> tuple[list[Any], Any]:
    """What the market announces for matching, as it arrives."""
    heard: list[Any] = []

    async def overheard(msg) -> None:  # type: ignore[no-untyped-def]
        kind = PropertyPublished if msg.subject == PropertyPublished.subject else PropertyWithdrawn
        heard.append(decode_data(kind, decode_request(msg.data).data))

    subscriptions = [await cluster.worker_bus.subscribe(kind.subject, overheard)
                     for kind in (PropertyPublished, PropertyWithdrawn)]  # fmt: skip
    await cluster.worker_bus.nc.flush()
    return heard, subscriptions


async def heard_count(heard: list[Any], count: int) -> None:
    async def arrived() -> bool:
        return len(heard) >= count

    await until(arrived, within_s=5.0, what=f"{count} announcements")


async def fetched(edge: Edge, url: str) -> bytes:
    resp = await edge.get(url)
    assert resp.status == 200, url
    return await resp.read()


async def search(edge: Edge, **query: str) -> list[int]:
    resp = await edge.get("/properties/search", params=query)
    found = await json_of(resp, 200)
    assert resp.headers["X-Total-Count"] == str(len(found))
    return [item["id"] for item in found]


async def test_a_realtors_property_from_listing_to_search_change_and_archive(cluster: Cluster) -> None:
    realtor = await realty_user(cluster.edge_a, "+79197777771", "realtor")
    buyer = await realty_user(cluster.edge_b, "+79197777772")
    await places_loaded(cluster.worker_bus)
    heard, subscriptions = await announcements(cluster)
    files = [("images", jpeg_with_exif(), "one.jpg"), ("images", encoded("PNG"), "two.png"),
             ("layout", encoded("WEBP", "RGB"), "plan.webp"), ("document_file2", PDF, "title.pdf")]  # fmt: skip
    resp = await cluster.edge_a.post(
        "/properties/create", data=form(DOCUMENTED, files), headers=realtor.headers
    )
    made = await json_of(resp, 200)

    # Every documented field back as it was written, in the one vocabulary.
    for name, value in DOCUMENTED.items():
        assert str(made[name]) in (value, f"{value}.0"), name
    assert (made["owner_id"], made["status"], made["currency"]) == (realtor.id, "active", "USD")
    # The place, from the address: Moscow, and its central okrug.
    assert (made["city"], made["city_id"], made["district"]) == ("Москва", MOSCOW, "Центральный")
    assert made["place"] == {"city": "address", "district": "address"} and made["place_note"] is None
    # The files, under the document's names; the images clean, with thumbnails.
    assert [i["position"] for i in made["images"]] == [0, 1] and made["building_layout"] is None
    assert made["layout"]["content_type"] == "image/webp"
    assert made["document_file1"] is None and made["document_file3"] is None
    document = made["document_file2"]
    assert (document["name"], document["content_type"], document["size"]) == (
        "title.pdf",
        "application/pdf",
        len(PDF),
    )
    assert await fetched(cluster.edge_b, document["url"]) == PDF
    photo = opened(await fetched(cluster.edge_b, made["images"][0]["url"]))
    assert photo.size == (20, 40) and MAKE not in photo.getexif() and GPS_IFD not in photo.getexif()
    assert max(opened(await fetched(cluster.edge_b, made["images"][0]["thumbnail_url"])).size) <= 16
    assert len(stored_files(cluster)) == 2 * 3 + 1  # each image and its thumbnail, and the PDF

    # Listed as his, shown to anyone (no token), on either edge.
    mine = await json_of(await cluster.edge_b.get("/properties/my_properties/", headers=realtor.headers), 200)
    assert [p["id"] for p in mine] == [made["id"]]
    assert await json_of(await cluster.edge_b.get(f"/properties/{made['id']}"), 200) == made
    other = await list_property(cluster, cluster.edge_b, realtor, location="Санкт-Петербург, Невский пр., 1")
    assert other["city_id"] == 498817 and other["place"] == {"city": "address", "district": "unknown"}

    # Found by a buyer's own words: the studio counts as no rooms, 150,000 USD is within 13 million RUB.
    wanted = {"city": "Москва", "district": "ЦАО", "deal_format": "хочу купить", "type": "квартира",
              "subtype": "студия", "condition": "новая", "construction_year": "2024", "total_rooms": "студия",
              "total_area_min": "40", "total_area_max": "50", "budget_min": "10000000",
              "budget_max": "13000000", "currency": "рубли"}  # fmt: skip
    assert await search(cluster.edge_a, **wanted) == [made["id"]]
    for narrower in ({"budget_max": "11000000"}, {"district": "Южный"}, {"deal_format": "хочу арендовать"},
                     {"total_rooms": "2"}, {"construction_quarter": "3"}, {"city": "Казань"}):  # fmt: skip
        assert await search(cluster.edge_a, **(wanted | narrower)) == [], narrower
    assert await search(cluster.edge_a, deal_format="sale", sort="price_asc") == [made["id"], other["id"]]

    # Changed by its owner: the price, an image gone, a document added; a stranger's change is 404.
    change = {"price": "120000", "description": "", "remove_files": str(made["images"][1]["id"])}
    resp = await cluster.edge_b.put(f"/properties/{made['id']}", data=form(change, [("document_file1", PDF, "plan.pdf")]),
                                    headers=realtor.headers)  # fmt: skip
    changed = await json_of(resp, 200)
    assert (changed["price"], changed["description"], changed["title"]) == (120000.0, None, made["title"])
    assert [i["id"] for i in changed["images"]] == [made["images"][0]["id"]]
    assert changed["document_file1"]["name"] == "plan.pdf" and changed["document_file2"] == document
    assert len(stored_files(cluster)) == 2 * 3 + 1 - 2 + 1
    wanted |= {"budget_min": "9000000", "budget_max": "11000000"}  # 120,000 USD is 9.6 million RUB
    assert await search(cluster.edge_a, **wanted) == [made["id"]]
    stranger = await realty_user(cluster.edge_a, "+79197777773", "agency")
    resp = await cluster.edge_a.put(
        f"/properties/{made['id']}", data=form({"price": "1"}), headers=stranger.headers
    )
    assert await json_of(resp, 404) == {"detail": "Property not found"}
    assert (
        await cluster.edge_a.post(f"/properties/{made['id']}/archive", headers=stranger.headers)
    ).status == 404

    # Archived: his only, out of the search; restored: back.
    archived = await json_of(
        await cluster.edge_a.post(f"/properties/{made['id']}/archive", headers=realtor.headers), 200
    )
    assert archived["status"] == "archived"
    assert (await cluster.edge_b.get(f"/properties/{made['id']}", headers=buyer.headers)).status == 404
    assert (
        await json_of(await cluster.edge_b.get(f"/properties/{made['id']}", headers=realtor.headers), 200)
    )["status"] == "archived"
    assert await search(cluster.edge_a, **wanted) == []
    restored = await cluster.edge_b.post(f"/properties/{made['id']}/restore", headers=realtor.headers)
    assert (await json_of(restored, 200))["status"] == "active"
    assert await search(cluster.edge_a, **wanted) == [made["id"]]

    # What the realty domain asks: several by id (in the order asked, active only), and a request's
    # criteria by the catalog's city id.
    bus = cluster.worker_bus
    await bus.request(
        ArchiveProperty(property_id=other["id"]), actor=Actor(user_id=realtor.id, role=Role.REALTOR)
    )
    asked = await bus.request(
        GetProperties(property_ids=[other["id"], made["id"], 999]), actor=Actor.system()
    )
    assert [p.id for p in asked.items] == [made["id"]]
    criteria = SearchProperties(city_id=MOSCOW, rooms_min=0, rooms_max=1, owner_id=realtor.id, currency=RealtyCurrency.EUR,
                                budget_max=110_000, deal_format=DealFormat.SALE)  # fmt: skip
    assert [p.id for p in (await bus.request(criteria, actor=Actor.system())).items] == [made["id"]]
    cheaper = criteria.model_copy(update={"budget_max": 100_000})  # 120,000 USD is 103,000 EUR
    assert (await bus.request(cheaper, actor=Actor.system())).items == []

    # Each publication announced for matching, in the vocabulary and the district's key.
    await heard_count(heard, 6)
    for subscription in subscriptions:
        await subscription.unsubscribe()
    first = heard[0]
    assert isinstance(first, PropertyPublished) and first.first and first.property_id == made["id"]
    assert (first.city_id, first.district, first.rooms, first.price, first.currency.value) == (
        MOSCOW, "центральный", 0, 150000.0, "USD")  # fmt: skip
    kinds = [(type(h).__name__, h.property_id) for h in heard]
    assert kinds == [("PropertyPublished", made["id"]), ("PropertyPublished", other["id"]),
                     ("PropertyPublished", made["id"]), ("PropertyWithdrawn", made["id"]),
                     ("PropertyPublished", made["id"]), ("PropertyWithdrawn", other["id"])]  # fmt: skip
    assert not heard[2].first and heard[2].price == 120000.0


@pytest.mark.database_agnostic  # the subject is the edge's checks; the storage ran on both above
async def test_roles_owners_numbers_words_and_bad_uploads_are_refused_and_store_nothing(
    cluster: Cluster,
) -> None:
    realtor = await realty_user(cluster.edge_a, "+79197777771", "developer")
    buyer = await realty_user(cluster.edge_a, "+79197777772")
    await places_loaded(cluster.worker_bus)

    async def refused(
        fields: dict[str, str], files: Sequence[File] = (), *, by: User = realtor, status: int = 400
    ) -> Any:
        resp = await cluster.edge_b.post(
            "/properties/create", data=form(PROPERTY | fields, files), headers=by.headers
        )
        body = await json_of(resp, status)
        assert set(body) == {"detail"}
        return body["detail"]

    # A buyer lists nothing and has no properties to list.
    assert "realtors" in await refused({}, [("images", encoded("PNG"), "a.png")], by=buyer, status=403)
    assert (await cluster.edge_a.get("/properties/my_properties/", headers=buyer.headers)).status == 403
    assert (await cluster.edge_a.post("/properties/create", data=form(PROPERTY))).status == 401
    # Numbers and words.
    for fields, says in (({"total_area": "-1"}, "total_area"), ({"entry_quarter": "5"}, "entry_quarter"),
                         ({"floor": "11", "building_floors": "10"}, "floor 11"),
                         ({"living_area": "50", "total_area": "40"}, "living_area"),
                         ({"price": "-5"}, "price"), ({"rooms": "two"}, "rooms"),
                         ({"deal_format": "обмен"}, "deal_format"), ({"currency": "монеты"}, "currency"),
                         ({"title": ""}, "title")):  # fmt: skip
        assert says in await refused(fields), fields
    # Uploads: not an image, not a PDF, too large, too many, a layout twice.
    pdf_as_image = await refused({}, [("images", PDF, "photo.jpg")])
    assert "JPEG, PNG or WebP" in pdf_as_image
    assert "PDF" in await refused({}, [("document_file1", encoded("PNG"), "deed.pdf")])
    await refused({}, [("document_file3", PDF + bytes(DOCUMENT_MAX_BYTES), "big.pdf")], status=413)
    noise = io.BytesIO()
    Image.effect_noise((400, 400), 100).convert("RGB").save(noise, "PNG")
    await refused({}, [("images", noise.getvalue(), "huge.png")], status=413)
    too_many = [("images", encoded("PNG"), f"{i}.png") for i in range(IMAGES_MAX + 1)]
    assert f"at most {IMAGES_MAX}" in await refused({}, too_many)
    assert "one file only" in await refused({}, [("layout", encoded("PNG"), "a.png")] * 2)
    # A refusal after the files were stored (the market's numbers check) takes them back.
    await refused({"floor": "11", "building_floors": "10"}, [("images", encoded("PNG"), "a.png")])
    assert stored_files(cluster) == []
    assert (
        await json_of(await cluster.edge_a.get("/properties/my_properties/", headers=realtor.headers), 200)
        == []
    )

    # Not given a place it can find: said so, and a search for an unknown city finds nothing.
    nowhere = await list_property(cluster, cluster.edge_a, realtor, location="123 Main St, Anytown")
    assert (nowhere["city"], nowhere["city_id"], nowhere["place"]["city"]) == (None, None, "unknown")
    assert "city" in nowhere["place_note"]
    given = await list_property(
        cluster, cluster.edge_a, realtor, location="Main St 1", city="Алматы", district="Медеу"
    )
    assert (given["city_id"], given["district"], given["place"]) == (
        1526384,
        "Медеуский",
        {"city": "given", "district": "given"},
    )
    assert await search(cluster.edge_b, city="Atlantis") == []
    assert await search(cluster.edge_b, city="Almaty", district="Медеуский район") == [given["id"]]
    # A new address finds the place again, unless it was given; a studio counts as no rooms.
    change = form(
        {"location": "Казань, Вахитовский район, ул. Баумана, 1", "subtype": "студия", "rooms": "2"}
    )
    moved = await json_of(
        await cluster.edge_a.put(f"/properties/{nowhere['id']}", data=change, headers=realtor.headers), 200
    )
    assert (moved["city"], moved["district"], moved["place"], moved["place_note"]) == (
        "Казань", "Вахитовский", {"city": "address", "district": "address"}, None)  # fmt: skip
    assert await search(cluster.edge_b, city="Kazan", total_rooms="студия") == [nowhere["id"]]
    change = form({"location": "Москва, ЦАО"})
    kept = await json_of(
        await cluster.edge_a.put(f"/properties/{given['id']}", data=change, headers=realtor.headers), 200
    )
    assert (kept["city_id"], kept["district"]) == (1526384, "Медеуский")
    bad = await cluster.edge_b.get("/properties/search", params={"total_rooms": "many"})
    assert "total_rooms" in (await json_of(bad, 400))["detail"]
    assert (await cluster.edge_b.get("/properties/abc")).status == 400
