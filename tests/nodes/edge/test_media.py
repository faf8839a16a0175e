"""Image uploads: recognised by their bytes, bounded, stored under random names, served back as-is."""

from __future__ import annotations

import struct
import zlib
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from aiohttp import BodyPartReader, FormData, web
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient

from nodes.edge.media import discard_image, image_extension, setup_media, store_image
from nodes.edge.middleware import errors
from nodes.edge.state import SETTINGS
from nodes.runtime.settings import Settings, load_settings


def tiny_png(width: int = 1, height: int = 1) -> bytes:
    """A valid PNG: 8-bit RGB, all black."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x00\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


Client = TestClient[web.Request, web.Application]
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
GIF = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 24


async def upload(request: web.Request) -> web.Response:
    reader = await request.multipart()
    part = await reader.next()
    assert isinstance(part, BodyPartReader)
    url = await store_image(request.app[SETTINGS].media, part)
    return web.json_response({"url": url})


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    base = load_settings(environ={})
    return replace(base, media=replace(base.media, dir=str(tmp_path / "media"), max_image_bytes=4096))


@pytest.fixture
async def client(settings: Settings, aiohttp_client: AiohttpClient) -> Client:
    app = web.Application(middlewares=[errors])
    app[SETTINGS] = settings
    app.router.add_post("/upload", upload)
    setup_media(app)
    return await aiohttp_client(app)


async def post_file(client: Client, data: bytes, filename: str = "a.png") -> Any:
    form = FormData()
    form.add_field("file", data, filename=filename, content_type="image/png")
    return await client.post("/upload", data=form)


def test_images_are_recognised_by_their_magic_bytes() -> None:
    assert image_extension(tiny_png()) == "png"
    assert image_extension(JPEG) == "jpg"
    assert image_extension(GIF) == "gif"
    assert image_extension(WEBP) == "webp"
    for other in (
        b"",
        b"%PDF-1.7\n",
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        b"RIFF\x00\x00\x00\x00WAVE",
        b"GIF",
    ):
        assert image_extension(other) is None


@pytest.mark.parametrize(
    ("data", "extension"), [(tiny_png(), "png"), (JPEG, "jpg"), (GIF, "gif"), (WEBP, "webp")]
)
async def test_an_image_is_stored_under_a_random_name_and_served_back(
    client: Client, settings: Settings, data: bytes, extension: str
) -> None:
    resp = await post_file(client, data, filename="../../etc/passwd.png")
    assert resp.status == 200
    url = (await resp.json())["url"]
    name = url.removeprefix("/media/")
    assert url.startswith("/media/") and name.endswith(f".{extension}") and "passwd" not in name
    assert len(name.split(".")[0]) == 32
    assert (Path(settings.media.dir) / name).read_bytes() == data
    served = await client.get(url)
    assert served.status == 200 and await served.read() == data
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Content-Type"].startswith("image/")
    assert list(Path(settings.media.dir).iterdir()) == [Path(settings.media.dir) / name]


async def test_two_uploads_of_the_same_file_get_different_names(client: Client) -> None:
    first = (await (await post_file(client, tiny_png())).json())["url"]
    second = (await (await post_file(client, tiny_png())).json())["url"]
    assert first != second


async def test_anything_but_an_image_is_400_and_nothing_is_kept(client: Client, settings: Settings) -> None:
    for data in (b"%PDF-1.7\n" + b"x" * 100, b"<html><script>alert(1)</script></html>", b""):
        resp = await post_file(client, data, filename="evil.png")
        assert resp.status == 400
        assert await resp.json() == {"detail": "Only JPEG, PNG, WebP or GIF images are accepted"}
    assert list(Path(settings.media.dir).iterdir()) == []


async def test_an_image_over_the_limit_is_413_and_nothing_is_kept(client: Client, settings: Settings) -> None:
    exactly = tiny_png() + b"\x00" * (4096 - len(tiny_png()))
    assert (await post_file(client, exactly)).status == 200
    resp = await post_file(client, exactly + b"\x00")
    assert resp.status == 413
    assert await resp.json() == {"detail": "Image is too large"}
    assert len([p for p in Path(settings.media.dir).iterdir()]) == 1


async def test_no_listing_and_no_way_out_of_the_media_directory(
    client: Client, settings: Settings, tmp_path: Path
) -> None:
    (tmp_path / "secret.txt").write_text("secret")
    await post_file(client, tiny_png())
    for path in (
        "/media/",
        "/media",
        "/media/../secret.txt",
        "/media/%2e%2e/secret.txt",
        "/media/nothing.png",
    ):
        resp = await client.get(path)
        assert resp.status in (403, 404), path
        assert "secret" not in await resp.text()


async def test_discard_removes_only_what_was_stored_here(
    client: Client, settings: Settings, tmp_path: Path
) -> None:
    url = (await (await post_file(client, tiny_png())).json())["url"]
    keep = tmp_path / "media" / "keep.png"
    keep.write_bytes(b"x")
    await discard_image(settings.media, "/media/keep.png")
    await discard_image(settings.media, "/media/../secret.png")
    await discard_image(settings.media, "https://elsewhere.example/a.png")
    await discard_image(settings.media, None)
    assert keep.exists()
    await discard_image(settings.media, url)
    assert (await client.get(url)).status == 404
