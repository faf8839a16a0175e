"""Uploaded images: checked by their bytes, stored under a random name, served back as static files;
and the edge's media store (nodes/runtime/media.py), whose local directory is served the same way
(ads' images and videos: nodes/edge/kit/uploads.py).

The media directory must be shared by every edge that serves the same URLs (a shared volume today,
an object store later): an image stored through one edge is fetched through any other.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
from pathlib import Path
from typing import BinaryIO, Protocol

from aiohttp import web

from nodes.runtime.media import CONTENT_TYPES, LocalMediaStore, open_media_store
from nodes.runtime.settings import MediaSettings
from protocols.envelope import DomainError, ErrorCode

from .state import MEDIA_STORE, SETTINGS

CHUNK_BYTES = 64 * 1024
SNIFF_BYTES = 16
# Names this module gives; anything else under the prefix was not stored by us.
STORED_NAME = re.compile(r"^[0-9a-f]{32}\.(?:jpg|png|webp|gif)$")


class ChunkSource(Protocol):
    """What an upload is read from: aiohttp's `BodyPartReader` is one."""

    async def read_chunk(self, size: int = ...) -> bytes: ...


def image_extension(head: bytes) -> str | None:
    """The extension for an image recognised by its magic bytes (JPEG, PNG, WebP, GIF), else None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


def _too_large(limit: int) -> web.HTTPRequestEntityTooLarge:
    return web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=limit + 1, reason="Image is too large")


def _write(handle: BinaryIO, data: bytes) -> None:
    handle.write(data)


async def store_image(settings: MediaSettings, source: ChunkSource) -> str:
    """Store an uploaded image and return its URL.

    The upload must start with a JPEG, PNG, WebP or GIF signature (else 400) and be at most
    `max_image_bytes` long (else 413, read no further). The client's filename is never used: the
    file gets 128 random bits for a name and the extension of the format its bytes show.
    """
    limit = settings.max_image_bytes
    head = b""
    while len(head) < SNIFF_BYTES:
        chunk = await source.read_chunk(CHUNK_BYTES)
        if not chunk:
            break
        head += chunk
    extension = image_extension(head)
    if extension is None:
        raise DomainError(ErrorCode.VALIDATION, "Only JPEG, PNG, WebP or GIF images are accepted")
    if len(head) > limit:
        raise _too_large(limit)
    directory = Path(settings.dir)
    name = f"{secrets.token_hex(16)}.{extension}"
    partial = directory / f".{name}.part"
    await asyncio.to_thread(directory.mkdir, parents=True, exist_ok=True)
    handle = await asyncio.to_thread(partial.open, "xb")
    try:
        size = len(head)
        await asyncio.to_thread(_write, handle, head)
        while chunk := await source.read_chunk(CHUNK_BYTES):
            size += len(chunk)
            if size > limit:
                raise _too_large(limit)
            await asyncio.to_thread(_write, handle, chunk)
        await asyncio.to_thread(handle.close)
        await asyncio.to_thread(os.replace, partial, directory / name)
    except BaseException:
        handle.close()
        partial.unlink(missing_ok=True)
        raise
    return settings.url_prefix + name


async def discard_image(settings: MediaSettings, url: str | None) -> None:
    """Delete an image this module stored, given its URL; anything else is left alone."""
    if not url or not url.startswith(settings.url_prefix):
        return
    name = url.removeprefix(settings.url_prefix)
    if STORED_NAME.match(name):
        await asyncio.to_thread((Path(settings.dir) / name).unlink, missing_ok=True)


async def _media_headers(request: web.Request, response: web.StreamResponse) -> None:
    if not request.path.startswith(request.app[SETTINGS].media.url_prefix):
        return
    response.headers["X-Content-Type-Options"] = "nosniff"
    if response.status in (200, 206):
        # from the key's extension, not the host's mime database (which may not know WebP)
        extension = Path(request.path).suffix.removeprefix(".")
        response.content_type = CONTENT_TYPES.get(extension, "application/octet-stream")


def setup_media(app: web.Application) -> None:
    """Open the media store, and serve a local one's directory at its URL prefix: files only (in
    subdirectories too: an ad's media are under `ads/<id>/`), no listing, no symlinks."""
    media = app[SETTINGS].media
    app[MEDIA_STORE] = store = open_media_store(app[SETTINGS])
    if not isinstance(store, LocalMediaStore):
        return  # another store serves its URLs itself
    store.root.mkdir(parents=True, exist_ok=True)
    app.router.add_static(media.url_prefix, store.root, show_index=False, follow_symlinks=False)
    app.on_response_prepare.append(_media_headers)
