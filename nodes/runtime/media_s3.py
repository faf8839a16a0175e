"""The media store on an S3-compatible bucket (`[media] backend = "s3"`): AWS S3, or any server that
speaks its API (MinIO, Ceph, R2; moto in the tests).

boto3 in a thread, not aioboto3: presigning is local computation and the stored files go through
here one ad image at a time, so an async client buys little, while aiobotocore pins botocore to a
narrow range of versions that every other user of botocore (moto, in the tests) must then match.
boto3's clients are thread-safe, so one client serves every call.

Objects are read at `[media] s3_public_url` (a CDN, or the bucket's own URL): the bucket must let
anyone read them (a bucket policy allowing `s3:GetObject`), as the local store's files are readable
by anyone who has their URL. Uploads go to S3 on URLs it signs itself: the content type and the
exact length are signed headers, so S3 refuses any other.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from .media import PresignedPut, checked_key
from .settings import MediaSettings

if TYPE_CHECKING:
    from types_boto3_s3 import S3Client

MISSING = ("NoSuchKey", "404")


def bucket_url(settings: MediaSettings) -> str:
    """The bucket's own URL: virtual-hosted on AWS, path-style on another server (which may not have
    a host name per bucket)."""
    if settings.s3_endpoint_url:
        return f"{settings.s3_endpoint_url.rstrip('/')}/{settings.s3_bucket}/"
    return f"https://{settings.s3_bucket}.s3.{settings.s3_region}.amazonaws.com/"


class S3MediaStore:
    exact_sizes_only = True

    def __init__(self, settings: MediaSettings) -> None:
        self.bucket = settings.s3_bucket
        self.client: S3Client = boto3.client(
            "s3",
            endpoint_url=settings.s3_endpoint_url or None,
            region_name=settings.s3_region,
            aws_access_key_id=settings.s3_access_key_id or None,
            aws_secret_access_key=settings.s3_secret_access_key or None,
            # An edge waits on it for an ad's image: not botocore's minute.
            config=Config(
                signature_version="s3v4", retries={"mode": "standard"}, connect_timeout=5, read_timeout=30
            ),
        )
        self.public_url = (
            settings.s3_public_url.rstrip("/") + "/" if settings.s3_public_url else bucket_url(settings)
        )

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(
            self.client.put_object,
            Bucket=self.bucket,
            Key=checked_key(key),
            Body=data,
            ContentType=content_type,
        )

    async def get(self, key: str) -> bytes | None:
        return await asyncio.to_thread(self._get, checked_key(key))

    def _get(self, key: str) -> bytes | None:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in MISSING:
                return None
            raise

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.client.delete_object, Bucket=self.bucket, Key=checked_key(key))

    def url(self, key: str) -> str:
        return self.public_url + checked_key(key)

    async def presign_put(self, key: str, content_type: str, *, size: int | None, max_bytes: int,
                          ttl_s: int) -> PresignedPut:  # fmt: skip
        if size is None or size > max_bytes:
            raise ValueError(f"an S3 upload is signed for its exact size, at most {max_bytes} bytes: {size}")
        params = {
            "Bucket": self.bucket,
            "Key": checked_key(key),
            "ContentType": content_type,
            "ContentLength": size,
        }
        # In a thread: the first signature may have to fetch credentials (an instance's IAM role).
        url = await asyncio.to_thread(
            self.client.generate_presigned_url, "put_object", Params=params, ExpiresIn=ttl_s, HttpMethod="PUT"
        )
        return PresignedPut(url=url, headers={"Content-Type": content_type, "Content-Length": str(size)})
