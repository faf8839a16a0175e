"""A real S3 server for the S3 media store's tests: moto's, run as a process of its own on a free port,
with a bucket whose objects anyone may read (as the store's public URLs need, and as an operator's
bucket policy would allow).

moto keeps what it is sent and answers as S3 does, but it checks no signatures: what a presigned
URL signs is read from the URL itself (see the tests), and S3's refusal of a changed one is AWS's.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import aiohttp
import boto3

from nodes.runtime.embedded_nats import free_port
from nodes.runtime.settings import Settings
from tests.support.eventually import until

if TYPE_CHECKING:
    from types_boto3_s3 import S3Client

BUCKET = "souk-media"
ACCESS_KEY_ID, SECRET_ACCESS_KEY = "souk-test", "souk-test-secret"  # moto takes any


@dataclass(frozen=True)
class S3Server:
    endpoint: str
    bucket: str = BUCKET

    def store_settings(self, settings: Settings) -> Settings:
        """`settings` with the media store on this server's bucket."""
        media = replace(
            settings.media, backend="s3", s3_bucket=self.bucket, s3_endpoint_url=self.endpoint,
            s3_access_key_id=ACCESS_KEY_ID, s3_secret_access_key=SECRET_ACCESS_KEY,
        )  # fmt: skip
        return replace(settings, media=media)

    def object_keys(self) -> list[str]:
        listed = _client(self.endpoint).list_objects_v2(Bucket=self.bucket)
        return sorted(item["Key"] for item in listed.get("Contents", []) if "Key" in item)


def _client(endpoint: str) -> S3Client:
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=ACCESS_KEY_ID,
                        aws_secret_access_key=SECRET_ACCESS_KEY)  # fmt: skip


def _public_bucket(endpoint: str) -> None:
    client = _client(endpoint)
    client.create_bucket(Bucket=BUCKET)
    read_by_anyone = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                      "Resource": f"arn:aws:s3:::{BUCKET}/*"}  # fmt: skip
    client.put_bucket_policy(
        Bucket=BUCKET, Policy=json.dumps({"Version": "2012-10-17", "Statement": [read_by_anyone]})
    )


@asynccontextmanager
async def s3_server() -> AsyncIterator[S3Server]:
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port),
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        async with aiohttp.ClientSession() as session:

            async def answers() -> bool:
                try:
                    async with session.get(f"{endpoint}/moto-api/") as resp:
                        return resp.status == 200
                except aiohttp.ClientConnectionError:
                    return False

            await until(answers, within_s=30, what="moto's S3 server answering")
        await asyncio.to_thread(_public_bucket, endpoint)
        yield S3Server(endpoint)
    finally:
        proc.terminate()
        await proc.wait()
