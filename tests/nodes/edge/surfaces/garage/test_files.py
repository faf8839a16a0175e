"""Membership Auto (004) files on the local media store, through HTTP on two edges: presign, PUT the
file on the signed URL, read it at its public URL; and everything a presign or an upload refuses
(no token, a type or size not allowed, a URL changed, expired or used for another member's key),
with nothing stored. No worker is involved: the edges sign and check the URLs themselves."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, make_mocked_request
from yarl import URL

from nodes.edge.server import loggable_target
from nodes.runtime.settings import Settings
from nodes.runtime.signed_urls import UploadGrant, UploadSigner
from tests.conftest import Cluster
from tests.support.http import bearer, json_of

pytestmark = [pytest.mark.domains(), pytest.mark.database_agnostic]

Edge = TestClient[web.Request, web.Application]
PRESIGN = "/api/files/presign/"
SECRET = "a test's own signing secret, long enough"
MAX_BYTES = 1024
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(200)
PDF = b"%PDF-1.7\n" + b"x" * 100
RECEIPT = {"filename": "receipt.jpg", "contentType": "image/jpeg"}


@pytest.fixture
def settings_override() -> Callable[[Settings], Settings]:
    def override(settings: Settings) -> Settings:
        media = replace(settings.media, signing_secret=SECRET, max_upload_bytes=MAX_BYTES)
        return replace(settings, media=media, edge=replace(settings.edge, trust_forwarded_for=True))

    return override


async def presign(edge: Edge, member: str | None, body: dict[str, Any], status: int = 200) -> Any:
    headers = bearer(member) if member else {}
    return await json_of(await edge.post(PRESIGN, json=body, headers=headers), status)


def on_edge(url: str) -> URL:
    """An absolute URL of an edge, as the test client takes it (relative to the edge it asks)."""
    return URL(url).relative()


def stored_files(cluster: Cluster) -> list[Path]:
    root = Path(cluster.settings.media.dir) / "files"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


async def test_a_member_uploads_on_the_presigned_url_and_anyone_reads_the_file(cluster: Cluster) -> None:
    member = 41
    out = await presign(cluster.edge_a, cluster.signer.token(member), RECEIPT)
    assert set(out) == {"url", "method", "publicUrl", "fileId", "headers"} and out["method"] == "PUT"
    assert out["headers"] == {"Content-Type": "image/jpeg"}
    key = f"files/{member}/{uuid.UUID(out['fileId'])}.jpg"
    url, public = URL(out["url"]), URL(out["publicUrl"])
    assert url.origin() == public.origin() == cluster.edge_a.make_url("/").origin()
    assert public.path == f"/media/{key}" and url.path == f"/uploads/{key}" and "receipt" not in str(url)

    # Sent through the other edge (one secret on every edge), and once more as a client retrying does.
    for _ in range(2):
        stored = await cluster.edge_b.put(on_edge(out["url"]), data=JPEG, headers=out["headers"])
        assert await json_of(stored, 200) == {"key": key, "size": len(JPEG)}
    served = await cluster.edge_a.get(on_edge(out["publicUrl"]))  # no token: the URL is public
    assert served.status == 200 and served.content_type == "image/jpeg" and await served.read() == JPEG
    assert served.headers["X-Content-Type-Options"] == "nosniff"

    # With its size given, the URL takes exactly that many bytes.
    invoice = {"filename": "invoice.pdf", "contentType": "application/pdf", "size": len(PDF)}
    sized = await presign(cluster.edge_b, cluster.signer.token(member), invoice)
    assert URL(sized["url"]).query["size"] == str(len(PDF))
    await json_of(await cluster.edge_a.put(on_edge(sized["url"]), data=PDF, headers=sized["headers"]), 200)
    served = await cluster.edge_b.get(on_edge(sized["publicUrl"]))
    assert served.content_type == "application/pdf" and await served.read() == PDF
    assert len(stored_files(cluster)) == 2

    # Behind a trusted proxy that took HTTPS, the URLs say so.
    headers = {"X-Forwarded-Proto": "https", **bearer(cluster.signer.token(member))}
    proxied = await json_of(await cluster.edge_a.post(PRESIGN, json=RECEIPT, headers=headers), 200)
    assert URL(proxied["url"]).scheme == URL(proxied["publicUrl"]).scheme == "https"
    # What `souk edge` logs of an upload (nodes/edge/server.py) leaves the signature out.
    logged = loggable_target(make_mocked_request("PUT", str(on_edge(out["url"]))))
    assert logged.startswith(f"/uploads/{key}?") and logged.endswith("&signature=***")


def tampered(url: str, **changes: str) -> URL:
    return URL(url).update_query(changes).relative()


async def chunks(total: int) -> AsyncIterator[bytes]:
    """A body sent chunked, without a Content-Length to refuse it by."""
    for _ in range(total // 256):
        yield bytes(256)


async def test_what_a_presign_or_an_upload_refuses_stores_nothing(cluster: Cluster) -> None:
    edge = cluster.edge_a
    member, other = cluster.signer.token(41), cluster.signer.token(42)
    assert (await presign(edge, None, RECEIPT, 401))["error"]
    refused = await presign(edge, member, {"filename": "page.html", "contentType": "text/html"}, 400)
    assert refused["contentType"] == [refused["error"]] and "text/html" in refused["error"]
    refused = await presign(edge, member, {**RECEIPT, "size": MAX_BYTES + 1}, 400)
    assert refused["size"] == [f"File is too large: at most {MAX_BYTES} bytes"]
    unnamed = await presign(edge, member, {"contentType": "image/jpeg"}, 400)
    assert unnamed["filename"] == ["This field is required."]

    out = await presign(edge, member, RECEIPT)
    put_url, headers = out["url"], out["headers"]
    wrong_type = await edge.put(on_edge(put_url), data=JPEG, headers={"Content-Type": "text/html"})
    assert (await json_of(wrong_type, 400))["detail"] == "Content-Type must be image/jpeg"
    too_large = await edge.put(on_edge(put_url), data=bytes(MAX_BYTES + 1), headers=headers)
    assert (await json_of(too_large, 413))["detail"] == f"File is too large: at most {MAX_BYTES} bytes"
    streamed = await edge.put(on_edge(put_url), data=chunks(MAX_BYTES * 4), headers=headers)
    await json_of(streamed, 413)
    sized = await presign(edge, member, {**RECEIPT, "size": 100})
    short = await edge.put(on_edge(sized["url"]), data=bytes(99), headers=headers)
    assert (await json_of(short, 400))["detail"] == "The file must be 100 bytes long, as presigned"

    # Another member's presign signs their own key; neither URL takes the other's key.
    theirs = URL((await presign(edge, other, RECEIPT))["url"])
    mine = URL(put_url)
    expired_grant = UploadGrant(key=mine.path.removeprefix("/uploads/"), content_type="image/jpeg",
                                max_bytes=MAX_BYTES, exact=False, expires=int(time.time()) - 1)  # fmt: skip
    forged = {
        "a larger limit": tampered(put_url, max=str(MAX_BYTES * 10)),
        "another type": tampered(put_url, type="text/html"),
        "a later expiry": tampered(put_url, expires=str(int(time.time()) + 86_400)),
        "a changed signature": tampered(put_url, signature="0" * 64),
        "a signature not in hex": tampered(put_url, signature="ж" * 64),
        "no signature": mine.without_query_params("signature").relative(),
        "a size besides the limit": tampered(put_url, size="10"),
        "the other's key": theirs.with_query(mine.query).relative(),
        "my key on the other's URL": mine.with_query(theirs.query).relative(),
    }
    for what, url in forged.items():
        resp = await edge.put(url, data=JPEG, headers=headers)
        assert (await json_of(resp, 403))["detail"] == "This upload URL is not valid", what
    expired = mine.with_query(UploadSigner(SECRET.encode()).signed_query(expired_grant))
    resp = await edge.put(expired.relative(), data=JPEG, headers=headers)
    assert (await json_of(resp, 403))["detail"] == "This upload URL has expired"

    assert stored_files(cluster) == []
    assert (await edge.get(on_edge(out["publicUrl"]))).status == 404
