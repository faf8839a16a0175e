"""Where uploaded media live: one small interface, and the local directory that implements it by
default.

A key is a relative path that the platform makes (`ads/12/<random hex>.jpg`, see
`protocols.fields.MediaKey`), never a client's file name. Edges write (they receive the uploads) and
the market workers delete (they know when an ad goes); both open the same store from `[media]`, so a
local store's directory must be shared by every edge and worker (a shared volume across hosts).

Clients may also upload straight to the store, with a URL `presign_put` signed for one key, content
type and size (Membership Auto's files): the local store's URLs lead to an edge
(nodes/edge/signed_uploads.py, checked with nodes/runtime/signed_urls.py), an S3 store's
(media_s3.py, `[media] backend = "s3"`) to S3 itself.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from yarl import URL

from protocols.fields import MEDIA_KEY_MAX, MEDIA_KEY_PATTERN

from .settings import Settings
from .signed_urls import UploadGrant, UploadSigner

KEY = re.compile(MEDIA_KEY_PATTERN)
# The extension a stored file's key ends with, and the content type it is served as.
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp", "gif": "image/gif",
                 "heic": "image/heic", "pdf": "application/pdf", "mp4": "video/mp4", "webm": "video/webm",
                 "mov": "video/quicktime"}  # fmt: skip
EXTENSIONS = {content_type: extension for extension, content_type in CONTENT_TYPES.items()}
UNKNOWN_EXTENSION = "bin"  # a type allowed in `[media] upload_content_types` that the table lacks
# Where a development store keeps the key it made for itself (under `[paths] var_dir`).
GENERATED_SECRET_FILE = "media-signing.key"


def extension_for(content_type: str) -> str:
    return EXTENSIONS.get(content_type, UNKNOWN_EXTENSION)


@dataclass(frozen=True)
class PresignedPut:
    """Where to PUT a file, and the headers that must go with it (the store signed their values)."""

    url: str
    headers: dict[str, str]


class MediaStore(Protocol):
    async def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store `data` under `key`, replacing what was there; readers never see it half written."""

    async def get(self, key: str) -> bytes | None:
        """The stored bytes, or None where nothing is stored under `key`."""

    async def delete(self, key: str) -> None:
        """Forget `key`; a key with nothing stored is no error."""

    def url(self, key: str) -> str:
        """Where a client fetches what is stored under `key`."""

    @property
    def exact_sizes_only(self) -> bool:
        """Whether a presigned upload can be bounded only by the exact size it is signed for (an S3 PUT
        signs its Content-Length; no range), so that `presign_put` needs `size`."""

    async def presign_put(self, key: str, content_type: str, *, size: int | None, max_bytes: int,
                          ttl_s: int) -> PresignedPut:  # fmt: skip
        """A URL that takes a PUT of `content_type` under `key` (again, replacing it) for `ttl_s`
        seconds: exactly `size` bytes when given (at most `max_bytes`), else at most `max_bytes`."""


def checked_key(key: str) -> str:
    if len(key) > MEDIA_KEY_MAX or not KEY.match(key):
        raise ValueError(f"not a media key: {key!r}")
    return key


class LocalMediaStore:
    """A directory on the local file system, served by the edges at `url_prefix` (nodes/edge/media.py).
    The content type is not kept: a file's is told by the extension its key ends with. Its upload URLs
    lead to `UPLOAD_PREFIX` on the edges (nodes/edge/signed_uploads.py), signed by `signer`."""

    UPLOAD_PREFIX = "/uploads/"
    exact_sizes_only = False

    def __init__(self, root: Path, url_prefix: str, signer: UploadSigner) -> None:
        self.root = root
        self.url_prefix = url_prefix
        self.signer = signer

    def path(self, key: str) -> Path:
        return self.root / checked_key(key)

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(self._write, self.path(key), data)

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
        try:
            partial.write_bytes(data)
            os.replace(partial, path)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise

    async def get(self, key: str) -> bytes | None:
        path = self.path(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            return None

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.path(key).unlink, missing_ok=True)

    def url(self, key: str) -> str:
        return self.url_prefix + checked_key(key)

    async def presign_put(self, key: str, content_type: str, *, size: int | None, max_bytes: int,
                          ttl_s: int) -> PresignedPut:  # fmt: skip
        if size is not None and size > max_bytes:
            raise ValueError(f"an upload of {size} bytes is over the limit of {max_bytes}")
        grant = UploadGrant(key=checked_key(key), content_type=content_type, max_bytes=size or max_bytes,
                            exact=size is not None, expires=int(time.time()) + ttl_s)  # fmt: skip
        url = URL(self.UPLOAD_PREFIX + key).with_query(self.signer.signed_query(grant))
        return PresignedPut(url=str(url), headers={"Content-Type": content_type})


def open_media_store(settings: Settings) -> MediaStore:
    """The store `[media]` configures: a local directory, or an S3 bucket."""
    media = settings.media
    if media.backend == "s3":
        from .media_s3 import S3MediaStore  # boto3 is loaded only by processes that use it

        return S3MediaStore(media)
    return LocalMediaStore(Path(media.dir), media.url_prefix, UploadSigner(signing_secret(settings)))


def signing_secret(settings: Settings) -> bytes:
    """`[media] signing_secret`; where none is set (development: production refuses to start so), a
    random one made once and kept under the var directory, so that the edges of one host agree."""
    if settings.media.signing_secret:
        return settings.media.signing_secret.encode()
    path = settings.var_dir / GENERATED_SECRET_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    # Made whole or not at all: of two processes starting together, one links its file, both read it.
    partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
    with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
        out.write(secrets.token_hex(32))
    try:
        os.link(partial, path)
    except FileExistsError:
        pass
    finally:
        partial.unlink()
    return path.read_bytes().strip()
