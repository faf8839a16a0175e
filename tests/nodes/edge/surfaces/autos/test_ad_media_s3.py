"""MillionAvto (000) ad media on the S3 media store, against a real S3 server (moto's, a process of its
own): an image and its thumbnail are stored in the bucket, served at its public URL, and deleted with
the ad (test_ad_media.py has the rest, on the local store)."""

from __future__ import annotations

from collections.abc import Callable

import aiohttp
import pytest

from nodes.runtime.settings import Settings
from tests.conftest import Cluster
from tests.nodes.edge.surfaces.autos.test_ad_media import (
    ADS,
    create,
    jpeg_with_exif,
    opened,
    register,
    upload,
)
from tests.support.http import json_of
from tests.support.s3_server import BUCKET, S3Server

pytestmark = [pytest.mark.domains("identity", "catalog", "market"), pytest.mark.database_agnostic]


@pytest.fixture
def settings_override(s3: S3Server) -> Callable[[Settings], Settings]:
    return s3.store_settings


async def test_an_ads_image_is_kept_in_the_bucket_and_leaves_it_with_the_ad(
    cluster: Cluster, s3: S3Server
) -> None:
    owner = await register(cluster.edge_a, "owner@example.com")
    ad = await create(cluster, owner)
    image = await json_of(await upload(cluster.edge_a, ad["id"], jpeg_with_exif(), user=owner), 201)
    assert image["url"].startswith(f"{s3.endpoint}/{BUCKET}/ads/{ad['id']}/")
    assert len(s3.object_keys()) == 2  # the image and its thumbnail

    async with aiohttp.ClientSession() as session:
        for url in (image["url"], image["thumbnail_url"]):
            async with session.get(url) as served:
                assert served.status == 200 and served.content_type == "image/jpeg"
                assert opened(await served.read()).format == "JPEG"

        assert (await cluster.edge_b.delete(f"{ADS}{ad['id']}", headers=owner.headers)).status == 204
        assert s3.object_keys() == []
        async with session.get(image["url"]) as gone:
            assert gone.status == 404
