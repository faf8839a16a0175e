"""MillionAvto (000) ad media through HTTP, on both databases: images told by their bytes, stored
re-encoded without their EXIF (read back through the served URL), with a thumbnail; videos told by
their container's header and stored as they came; the size and count limits; a stranger's upload is
404 with nothing written; `has_images` finds the ads with images; deleting an ad empties the store."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from aiohttp import FormData, web
from aiohttp.test_utils import TestClient
from PIL import Image

from nodes.runtime.settings import Settings
from protocols.envelope import Actor, Role
from protocols.market import ModerateAd, ModerationDecision
from tests.conftest import Cluster
from tests.support.http import User, bearer, json_of

pytestmark = pytest.mark.domains("identity", "catalog", "market")

Edge = TestClient[web.Request, web.Application]
ADS = "/api/v1/ads/"
MODERATOR = Actor(user_id=0, role=Role.SYSTEM)
CAR = {"category_id": 1, "title": "Toyota Camry 2019", "price": 2_100_000, "year": 2019}
MAX_IMAGE_BYTES = 64 * 1024
MAX_VIDEO_BYTES = 16 * 1024
MAX_AD_IMAGES = 3
THUMBNAIL_PX = 16
# EXIF tags: Make, Orientation, GPSInfo's IFD
MAKE, ORIENTATION, GPS_IFD = 0x010F, 0x0112, 0x8825
ROTATED_90_CW = 6  # the camera was held upright: show the stored picture turned a quarter clockwise
MP4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00\x00\x00\x08free" + bytes(range(256)) * 8
MOV = b"\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00qt  " + bytes(512)
WEBM = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x84webm" + bytes(512)
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(512)  # an image in the same box


@pytest.fixture
def settings_override() -> Callable[[Settings], Settings]:
    def override(settings: Settings) -> Settings:
        media = replace(
            settings.media, max_image_bytes=MAX_IMAGE_BYTES, max_video_bytes=MAX_VIDEO_BYTES,
            max_ad_images=MAX_AD_IMAGES, max_ad_videos=1, thumbnail_px=THUMBNAIL_PX,
        )  # fmt: skip
        return replace(settings, media=media)

    return override


def jpeg_with_exif() -> bytes:
    """A 40×20 photo (left half red) whose EXIF says where it was taken, by what camera, and that it
    is shown turned a quarter clockwise (20×40, red on top)."""
    image = Image.new("RGB", (40, 20), "blue")
    image.paste("red", (0, 0, 20, 20))
    exif = Image.Exif()
    exif[MAKE] = "Canon"
    exif[ORIENTATION] = ROTATED_90_CW
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (55.0, 45.0, 0.0), 3: "E", 4: (37.0, 37.0, 0.0)})
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, quality=95)
    return out.getvalue()


def encoded(kind: str, mode: str = "RGBA", size: tuple[int, int] = (30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (0, 128, 255, 128) if mode == "RGBA" else "green").save(out, format=kind)
    return out.getvalue()


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def stored_files(cluster: Cluster) -> list[Path]:
    root = Path(cluster.settings.media.dir)
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith("."))


async def register(edge: Edge, email: str) -> User:
    resp = await edge.post("/api/v1/auth/register", json={"email": email, "password": "SecurePass123!"})
    out = await json_of(resp, 201)
    edge.session.cookie_jar.clear()  # the token goes in the header only: a test without it has none
    return User(id=out["user"]["id"], headers=bearer(out["access_token"]))


async def create(cluster: Cluster, owner: User) -> dict[str, Any]:
    return await json_of(await cluster.edge_a.post(ADS, json=CAR, headers=owner.headers), 201)  # type: ignore[no-any-return]


async def approve(cluster: Cluster, ad_id: int) -> None:
    await cluster.worker_bus.request(
        ModerateAd(ad_id=ad_id, decision=ModerationDecision.APPROVE), actor=MODERATOR
    )


async def upload(
    edge: Edge,
    ad_id: int,
    data: bytes,
    *,
    user: User | None,
    what: str = "image",
    filename: str = "photo.jpg",
    content_type: str = "image/jpeg",
    field: str = "file",
) -> Any:
    form = FormData()
    form.add_field("note", "from the test")  # another field, skipped
    form.add_field(field, data, filename=filename, content_type=content_type)
    headers = user.headers if user else {}
    return await edge.post(f"{ADS}{ad_id}/upload-{what}", data=form, headers=headers)


async def fetched(edge: Edge, url: str, content_type: str) -> bytes:
    resp = await edge.get(url)
    assert resp.status == 200 and resp.content_type == content_type, (resp.status, resp.content_type)
    return await resp.read()


async def test_a_jpeg_is_stored_turned_upright_without_its_exif_and_with_a_thumbnail(
    cluster: Cluster,
) -> None:
    owner = await register(cluster.edge_a, "owner@example.com")
    ad = await create(cluster, owner)
    original = jpeg_with_exif()
    assert opened(original).getexif()[MAKE] == "Canon"  # what must not survive

    image = await json_of(await upload(cluster.edge_a, ad["id"], original, user=owner), 201)
    assert (image["width"], image["height"]) == (20, 40) and image["position"] == 0
    assert image["url"].startswith("/media/ads/") and image["url"].endswith(".jpg")
    served = await fetched(cluster.edge_b, image["url"], "image/jpeg")  # through the other edge
    assert len(served) == image["size"] and served != original
    stored = opened(served)
    assert stored.format == "JPEG" and stored.size == (20, 40)
    assert len(stored.getexif()) == 0 and "exif" not in stored.info and b"Canon" not in served
    red, _green, blue = stored.convert("RGB").getpixel((10, 5))  # type: ignore[misc]
    assert red > 200 and blue < 60, "turned as its orientation said: red on top"
    thumbnail = opened(await fetched(cluster.edge_b, image["thumbnail_url"], "image/jpeg"))
    assert max(thumbnail.size) == THUMBNAIL_PX and len(thumbnail.getexif()) == 0

    shown = await json_of(await cluster.edge_b.get(f"{ADS}{ad['id']}", headers=owner.headers), 200)
    assert shown["images"] == [image] and shown["images_count"] == 1 and shown["videos"] == []
    assert len(stored_files(cluster)) == 2


async def test_png_and_webp_are_taken_by_their_bytes_whatever_they_are_called(cluster: Cluster) -> None:
    owner = await register(cluster.edge_a, "owner@example.com")
    ad = await create(cluster, owner)
    png = await json_of(
        await upload(cluster.edge_a, ad["id"], encoded("PNG"), user=owner, filename="notes.txt",
                     content_type="text/plain", field="image"),
        201,
    )  # fmt: skip
    assert png["url"].endswith(".png") and png["position"] == 0
    served_png = opened(await fetched(cluster.edge_b, png["url"], "image/png"))
    assert served_png.format == "PNG" and served_png.mode == "RGBA" and served_png.getpixel((0, 0))[3] == 128  # type: ignore[index]
    webp = await json_of(
        await upload(cluster.edge_a, ad["id"], encoded("WEBP", "RGB"), user=owner, filename="x.jpg"), 201
    )
    assert webp["url"].endswith(".webp") and webp["position"] == 1
    assert opened(await fetched(cluster.edge_b, webp["url"], "image/webp")).format == "WEBP"
    shown = await json_of(await cluster.edge_b.get(f"{ADS}{ad['id']}", headers=owner.headers), 200)
    assert [i["id"] for i in shown["images"]] == [png["id"], webp["id"]] and shown["images_count"] == 2


async def test_what_is_no_image_is_refused_and_nothing_is_stored(cluster: Cluster) -> None:
    owner = await register(cluster.edge_a, "owner@example.com")
    ad = await create(cluster, owner)
    refusals = {
        "text named .jpg": b"just some text, not a photo at all\n" * 10,
        "a GIF": encoded("GIF", "RGB"),
        "a truncated JPEG": jpeg_with_exif()[:200],
        "a video": MP4,
    }
    for case, data in refusals.items():
        resp = await upload(cluster.edge_a, ad["id"], data, user=owner)
        body = await json_of(resp, 400)
        assert "JPEG, PNG or WebP" in body["detail"], case
    resp = await cluster.edge_a.post(f"{ADS}{ad['id']}/upload-image", data=FormData({"note": "no file"}),
                                     headers=owner.headers)  # fmt: skip
    assert (await json_of(resp, 422))["detail"][0]["loc"] == ["body", "file"]
    resp = await cluster.edge_a.post(f"{ADS}{ad['id']}/upload-image", json={}, headers=owner.headers)
    assert resp.status == 422
    assert stored_files(cluster) == []
    shown = await json_of(await cluster.edge_b.get(f"{ADS}{ad['id']}", headers=owner.headers), 200)
    assert shown["images"] == [] and shown["images_count"] == 0


async def test_too_large_is_413_and_too_many_is_409(cluster: Cluster) -> None:
    owner = await register(cluster.edge_a, "owner@example.com")
    ad = await create(cluster, owner)
    big = encoded("PNG", "RGB", (8, 8)) + bytes(MAX_IMAGE_BYTES)  # a PNG header, too many bytes after it
    body = await json_of(await upload(cluster.edge_a, ad["id"], big, user=owner), 413)
    assert f"at most {MAX_IMAGE_BYTES} bytes" in body["detail"]
    assert stored_files(cluster) == []

    for _ in range(MAX_AD_IMAGES):
        await json_of(await upload(cluster.edge_a, ad["id"], jpeg_with_exif(), user=owner), 201)
    body = await json_of(await upload(cluster.edge_b, ad["id"], jpeg_with_exif(), user=owner), 409)
    assert f"at most {MAX_AD_IMAGES} images" in body["detail"]
    assert len(stored_files(cluster)) == 2 * MAX_AD_IMAGES


async def test_uploads_racing_for_the_last_place_leave_one_image_and_no_stray_file(cluster: Cluster) -> None:
    """Each passes the check before any is recorded, so all but one are refused when recorded: the
    edge must delete the files it stored for those."""
    owner = await register(cluster.edge_a, "owner@example.com")
    ad = await create(cluster, owner)
    for _ in range(MAX_AD_IMAGES - 1):
        await json_of(await upload(cluster.edge_a, ad["id"], jpeg_with_exif(), user=owner), 201)
    edges = [cluster.edge_a, cluster.edge_b] * 3
    answers = await asyncio.gather(*(upload(edge, ad["id"], jpeg_with_exif(), user=owner) for edge in edges))
    assert sorted(resp.status for resp in answers) == [201] + [409] * (len(edges) - 1)
    assert len(stored_files(cluster)) == 2 * MAX_AD_IMAGES
    shown = await json_of(await cluster.edge_b.get(f"{ADS}{ad['id']}", headers=owner.headers), 200)
    assert shown["images_count"] == MAX_AD_IMAGES == len(shown["images"])


async def test_only_the_owner_uploads_and_a_stranger_writes_no_file(cluster: Cluster) -> None:
    owner = await register(cluster.edge_a, "owner@example.com")
    stranger = await register(cluster.edge_b, "stranger@example.com")
    ad = await create(cluster, owner)
    await approve(cluster, ad["id"])
    before = await json_of(await cluster.edge_a.get(f"{ADS}{ad['id']}"), 200)
    for what, data in (("image", jpeg_with_exif()), ("video", MP4)):
        body = await json_of(await upload(cluster.edge_b, ad["id"], data, user=stranger, what=what), 404)
        assert body == {"detail": "Ad not found"}
        assert (await upload(cluster.edge_b, ad["id"], data, user=None, what=what)).status == 401
        assert (await upload(cluster.edge_b, 999_999, data, user=owner, what=what)).status == 404
    assert stored_files(cluster) == []
    assert await json_of(await cluster.edge_a.get(f"{ADS}{ad['id']}"), 200) == before


async def test_a_video_is_told_by_its_bytes_and_stored_as_it_came(cluster: Cluster) -> None:
    owner = await register(cluster.edge_a, "owner@example.com")
    ads = [await create(cluster, owner) for _ in range(3)]
    for ad, data, extension, content_type in (
        (ads[0], MP4, "mp4", "video/mp4"), (ads[1], MOV, "mov", "video/quicktime"),
        (ads[2], WEBM, "webm", "video/webm"),
    ):  # fmt: skip
        video = await json_of(
            await upload(cluster.edge_a, ad["id"], data, user=owner, what="video", filename="clip.avi",
                         content_type="application/octet-stream", field="video"),
            201,
        )  # fmt: skip
        assert video["url"].endswith(f".{extension}") and video["content_type"] == content_type
        assert await fetched(cluster.edge_b, video["url"], content_type) == data
        shown = await json_of(await cluster.edge_b.get(f"{ADS}{ad['id']}", headers=owner.headers), 200)
        assert shown["videos"] == [video] and shown["images_count"] == 0
    body = await json_of(await upload(cluster.edge_a, ads[0]["id"], WEBM, user=owner, what="video"), 409)
    assert "at most 1 videos" in body["detail"]
    fresh = await create(cluster, owner)
    for data in (HEIC, jpeg_with_exif(), b"ftyp" * 100):
        resp = await upload(cluster.edge_a, fresh["id"], data, user=owner, what="video", filename="a.mp4")
        body = await json_of(resp, 400)
        assert "MP4, QuickTime (MOV) or WebM" in body["detail"]
    too_long = MP4 + bytes(MAX_VIDEO_BYTES)
    assert (await upload(cluster.edge_a, fresh["id"], too_long, user=owner, what="video")).status == 413
    assert len(stored_files(cluster)) == 3


async def test_has_images_finds_the_ads_with_an_image(cluster: Cluster) -> None:
    owner = await register(cluster.edge_a, "owner@example.com")
    with_image, with_video, bare = [await create(cluster, owner) for _ in range(3)]
    for ad in (with_image, with_video, bare):
        await approve(cluster, ad["id"])
    image = await json_of(await upload(cluster.edge_a, with_image["id"], jpeg_with_exif(), user=owner), 201)
    await json_of(await upload(cluster.edge_a, with_video["id"], MP4, user=owner, what="video"), 201)

    found = await json_of(await cluster.edge_b.get(f"{ADS}?has_images=true"), 200)
    assert [ad["id"] for ad in found["items"]] == [with_image["id"]] and found["total"] == 1
    assert found["items"][0]["images"] == [image]
    everything = await json_of(await cluster.edge_b.get(ADS), 200)
    assert everything["total"] == 3
    mine = await json_of(await cluster.edge_b.get(f"{ADS}my/ads", headers=owner.headers), 200)
    assert {ad["id"]: ad["images_count"] for ad in mine["items"]} == {
        with_image["id"]: 1,
        with_video["id"]: 0,
        bare["id"]: 0,
    }


async def test_a_rejected_ad_given_an_image_goes_back_to_moderation(cluster: Cluster) -> None:
    owner = await register(cluster.edge_a, "owner@example.com")
    ad = await create(cluster, owner)
    await cluster.worker_bus.request(
        ModerateAd(ad_id=ad["id"], decision=ModerationDecision.REJECT, reason="No photos"), actor=MODERATOR
    )
    await json_of(await upload(cluster.edge_a, ad["id"], jpeg_with_exif(), user=owner), 201)
    shown = await json_of(await cluster.edge_b.get(f"{ADS}{ad['id']}", headers=owner.headers), 200)
    assert shown["status"] == "pending" and shown["rejection_reason"] is None


async def test_deleting_an_ad_deletes_its_media_from_the_store(cluster: Cluster) -> None:
    owner = await register(cluster.edge_a, "owner@example.com")
    kept, deleted = await create(cluster, owner), await create(cluster, owner)
    kept_image = await json_of(await upload(cluster.edge_a, kept["id"], jpeg_with_exif(), user=owner), 201)
    image = await json_of(await upload(cluster.edge_a, deleted["id"], jpeg_with_exif(), user=owner), 201)
    video = await json_of(await upload(cluster.edge_a, deleted["id"], WEBM, user=owner, what="video"), 201)
    assert len(stored_files(cluster)) == 5

    assert (await cluster.edge_b.delete(f"{ADS}{deleted['id']}", headers=owner.headers)).status == 204
    for url in (image["url"], image["thumbnail_url"], video["url"]):
        assert (await cluster.edge_a.get(url)).status == 404, url
    assert len(stored_files(cluster)) == 2
    await fetched(cluster.edge_a, kept_image["url"], "image/jpeg")
    await fetched(cluster.edge_a, kept_image["thumbnail_url"], "image/jpeg")
