"""Where uploaded media live: one small interface, and the local directory that implements it by
default.

A key is a relative path that the platform makes (`ads/12/<random hex>.jpg`, see
`protocols.fields.MediaKey`), never a client's file name. Edges write (they receive the uploads) and
the market workers delete (they know when an ad goes); both open the same store from `[media]`, so a
local store's directory must be shared by every edge and worker (a shared volume across hosts).
Presigned uploads and an S3-compatible store are further implementations of `MediaStore`.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
from pathlib import Path
from typing import Protocol

from protocols.fields import MEDIA_KEY_MAX, MEDIA_KEY_PATTERN

from .settings import MediaSettings

KEY = re.compile(MEDIA_KEY_PATTERN)


class MediaStore(Protocol):
    async def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store `data` under `key`, replacing what was there; readers never see it half written."""

    async def get(self, key: str) -> bytes | None:
        """The stored bytes, or None where nothing is stored under `key`."""

    async def delete(self, key: str) -> None:
        """Forget `key`; a key with nothing stored is no error."""

    def url(self, key: str) -> str:
        """Where a client fetches what is stored under `key`."""


def checked_key(key: str) -> str:
    if len(key) > MEDIA_KEY_MAX or not KEY.match(key):
        raise ValueError(f"not a media key: {key!r}")
    return key


class LocalMediaStore:
    """A directory on the local file system, served by the edges at `url_prefix` (nodes/edge/media.py).
    The content type is not kept: a file's is told by the extension its key ends with."""

    def __init__(self, root: Path, url_prefix: str) -> None:
        self.root = root
        self.url_prefix = url_prefix

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


def open_media_store(settings: MediaSettings) -> MediaStore:
    """The store `[media]` configures (a local directory: the only kind so far)."""
    return LocalMediaStore(Path(settings.dir), settings.url_prefix)
