"""Membership Auto (004) files on the S3 media store, against a real S3 server (moto's, a process of
its own): the presign answers a URL of S3's with the content type and exact length signed in, the
member PUTs the file to S3 itself, and it is read at the bucket's public URL."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace

import aiohttp
import pytest
from yarl import URL

from nodes.runtime.settings import Settings
from tests.conftest import Cluster
from tests.support.http import bearer, json_of
from tests.support.s3_server import BUCKET, S3Server

pytestmark = [pytest.mark.domains(), pytest.mark.database_agnostic]

PRESIGN = "/api/files/presign/"
TTL_S = 120
MAX_BYTES = 1024
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(200)
RECEIPT = {"filename": "receipt.jpg", "contentType": "image/jpeg"}


@pytest.fixture
def settings_override(s3: S3Server) -> Callable[[Settings], Settings]:
    def override(settings: Settings) -> Settings:
        settings = s3.store_settings(settings)
        media = replace(settings.media, upload_url_ttl_s=TTL_S, max_upload_bytes=MAX_BYTES)
        return replace(settings, media=media)

    return override


async def test_a_member_uploads_to_s3_on_the_url_it_signed_and_the_file_is_read_there(
    cluster: Cluster, s3: S3Server
) -> None:
    member = bearer(cluster.signer.token(41))
    unsized = await cluster.edge_a.post(PRESIGN, json=RECEIPT, headers=member)
    assert (await json_of(unsized, 400))["size"] == ["The file's size in bytes is required"]
    too_large = await cluster.edge_a.post(PRESIGN, json={**RECEIPT, "size": MAX_BYTES + 1}, headers=member)
    await json_of(too_large, 400)

    resp = await cluster.edge_a.post(PRESIGN, json={**RECEIPT, "size": len(JPEG)}, headers=member)
    out = await json_of(resp, 200)
    key = f"files/41/{uuid.UUID(out['fileId'])}.jpg"
    url = URL(out["url"])
    assert (
        out["method"] == "PUT"
        and url.origin() == URL(s3.endpoint).origin()
        and url.path == f"/{BUCKET}/{key}"
    )
    # S3 refuses a PUT whose signed headers differ from the signed values: the type and exact length.
    assert url.query["X-Amz-SignedHeaders"].split(";") == ["content-length", "content-type", "host"]
    assert url.query["X-Amz-Expires"] == str(TTL_S)
    assert out["headers"] == {"Content-Type": "image/jpeg", "Content-Length": str(len(JPEG))}
    assert out["publicUrl"] == f"{s3.endpoint}/{BUCKET}/{key}"

    async with aiohttp.ClientSession() as session:
        async with session.put(url, data=JPEG, headers=out["headers"]) as put:
            assert put.status == 200, await put.text()
        async with session.get(out["publicUrl"]) as served:  # no credentials: the bucket is public
            assert served.status == 200 and served.content_type == "image/jpeg"
            assert await served.read() == JPEG
    assert s3.object_keys() == [key]

    # Nothing is taken by the edges' own upload route: the store is S3.
    local = await cluster.edge_b.put(f"/uploads/{key}", data=JPEG, headers={"Content-Type": "image/jpeg"})
    await json_of(local, 404)
