"""Files uploaded in a multipart form, told by their bytes, never by their name or the client's type.

- `read_upload`: the one file of a form, read within a byte limit (413 past it, reading no further).
- `reencode_image`: a JPEG, PNG or WebP image decoded and encoded again in its own format, with its
  orientation applied and its metadata (EXIF: camera, place, time) left behind, plus a thumbnail.
  CPU-bound: callers run it in a thread.
- `clean_image`: `reencode_image` in a thread, its refusal as the client's error (400, or 413).
- `video_type`: an MP4, QuickTime or WebM video recognised by its container's header.
- `stored`: files put in the media store for what follows, deleted again if that fails.
"""

from __future__ import annotations

import asyncio
import io
import secrets
from collections.abc import AsyncIterator, Collection, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError
from PIL import Image, ImageOps

from nodes.runtime.media import MediaStore
from nodes.runtime.settings import MediaSettings
from protocols.envelope import DomainError, ErrorCode

from .fastapi import unprocessable
from .forms import MAX_FIELD_BYTES, MAX_FORM_PARTS, bad_form

CHUNK_BYTES = 64 * 1024
VIDEO_HEAD_BYTES = 64  # enough for an MP4 `ftyp` box's brands or WebM's EBML header

# Pillow's format name: the extension and content type stored.
IMAGE_FORMATS = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png"), "WEBP": ("webp", "image/webp")}
QUALITY = 85  # JPEG and WebP: what a listing's photo needs, at a fraction of a camera's file
NOT_AN_IMAGE = "Only JPEG, PNG or WebP images are accepted"
NOT_A_VIDEO = "Only MP4, QuickTime (MOV) or WebM videos are accepted"

# ISO base media files (`ftyp` box first) whose brands say MP4 video; HEIF/AVIF images share the box.
MP4_BRANDS = {b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ",
              b"M4VH", b"M4VP", b"dash", b"mmp4", b"MSNV", b"f4v "}  # fmt: skip
QUICKTIME_BRAND = b"qt  "
IMAGE_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis"}
EBML_MAGIC = b"\x1a\x45\xdf\xa3"


def too_large(what: str, limit: int, size: int) -> web.HTTPRequestEntityTooLarge:
    return web.HTTPRequestEntityTooLarge(
        max_size=limit, actual_size=size, reason=f"{what} is too large: at most {limit} bytes"
    )


def new_key(folder: str, extension: str, suffix: str = "") -> str:
    """A fresh key under `folder`: 128 random bits name the file, so keys never collide or guess."""
    return f"{folder}/{secrets.token_hex(16)}{suffix}.{extension}"


async def read_upload(request: web.Request, names: Collection[str], limit: int, what: str) -> bytes:
    """The bytes of the form's file part named one of `names` (`file` first); other parts are skipped.
    No such part is FastAPI's 422 on `body.<first name>`; a form that does not parse is 400."""
    first = next(iter(names))
    if not request.content_type.startswith("multipart/"):
        raise _missing(first)
    try:
        reader = await request.multipart()
        for _ in range(MAX_FORM_PARTS):
            part = await reader.next()
            if part is None:
                raise _missing(first)
            if not isinstance(part, BodyPartReader):
                raise bad_form("Nested multipart is not accepted")
            if part.name in names:
                return await read_part(part, limit, what)
            await _skip(part)
    # What aiohttp raises for a body that is not the form it claims to be (see kit/forms.py).
    except (ValueError, AssertionError, LookupError, HttpProcessingError, web.RequestPayloadError):
        raise bad_form() from None
    raise bad_form("Too many form fields")


def _missing(name: str) -> Exception:
    return unprocessable("body", [{"type": "missing", "loc": [name], "msg": "Field required"}],
                         f"{name}: Field required")  # fmt: skip


async def read_part(part: BodyPartReader, limit: int, what: str) -> bytes:
    data = bytearray()
    while chunk := await part.read_chunk(CHUNK_BYTES):
        data += chunk
        if len(data) > limit:
            raise too_large(what, limit, len(data))
    if not data:
        raise bad_form(f"{part.name}: the file is empty")
    return bytes(data)


async def _skip(part: BodyPartReader) -> None:
    """Another field, read and dropped: small, as a text field is (a second file is refused here)."""
    size = 0
    while chunk := await part.read_chunk(MAX_FIELD_BYTES):
        size += len(chunk)
        if size > MAX_FIELD_BYTES:
            raise bad_form(f"{part.name}: value too long")


@dataclass(frozen=True)
class EncodedImage:
    data: bytes
    thumbnail: bytes
    extension: str
    content_type: str
    width: int
    height: int


class ImageRefused(Exception):
    """Why an upload is not taken as an image; `too_large` when only its size is wrong."""

    def __init__(self, message: str, *, too_large: bool = False) -> None:
        super().__init__(message)
        self.too_large = too_large


def reencode_image(data: bytes, *, max_pixels: int, thumbnail_px: int) -> EncodedImage:
    """`data` as a clean image of its own format and a thumbnail no longer than `thumbnail_px` on
    either side; an image decoding to more than `max_pixels` is refused before it is decoded."""
    try:
        # Only these formats' decoders are tried, each on its own magic bytes.
        with Image.open(io.BytesIO(data), formats=list(IMAGE_FORMATS)) as opened:
            if opened.width * opened.height > max_pixels:
                raise ImageRefused(f"Image is too large: at most {max_pixels} pixels", too_large=True)
            # A phone's JPEG that holds more than one picture (MPO) is a JPEG of its first one.
            kind = "JPEG" if opened.format == "MPO" else opened.format or ""
            opened.load()  # the first frame of an animation
            image = ImageOps.exif_transpose(opened)
    except ImageRefused:
        raise
    except Image.DecompressionBombError:
        raise ImageRefused(f"Image is too large: at most {max_pixels} pixels", too_large=True) from None
    except Exception:  # noqa: BLE001 - no such format, or broken inside, which decoders say many ways
        raise ImageRefused(NOT_AN_IMAGE) from None
    if kind not in IMAGE_FORMATS:
        raise ImageRefused(NOT_AN_IMAGE)
    icc_profile = image.info.get("icc_profile")  # colours, not a person's data: kept
    # EXIF, XMP, text chunks: nothing else of the original's travels (a palette's transparent colour
    # is part of the picture).
    image.info = {key: image.info[key] for key in ("transparency",) if key in image.info}
    image = _encodable(image, kind)
    thumbnail = image.copy()
    thumbnail.thumbnail((thumbnail_px, thumbnail_px))
    extension, content_type = IMAGE_FORMATS[kind]
    return EncodedImage(
        data=_encode(image, kind, icc_profile), thumbnail=_encode(thumbnail, kind, icc_profile),
        extension=extension, content_type=content_type, width=image.width, height=image.height,
    )  # fmt: skip


def _encodable(image: Image.Image, kind: str) -> Image.Image:
    """In a mode the format writes: JPEG has no alpha, WebP knows RGB(A) only."""
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    if kind == "JPEG" and image.mode not in ("RGB", "L"):
        return image.convert("RGB")
    if kind == "WEBP" and image.mode not in ("RGB", "RGBA"):
        return image.convert("RGBA" if has_alpha else "RGB")
    if kind == "PNG" and image.mode not in ("1", "L", "LA", "P", "RGB", "RGBA", "I;16", "I"):
        return image.convert("RGBA")
    return image


def _encode(image: Image.Image, kind: str, icc_profile: bytes | None) -> bytes:
    out = io.BytesIO()
    options: dict[str, object] = {"icc_profile": icc_profile} if icc_profile else {}
    if kind in ("JPEG", "WEBP"):
        options["quality"] = QUALITY
    image.save(out, format=kind, **options)
    return out.getvalue()


def video_type(head: bytes) -> tuple[str, str] | None:
    """The extension and content type of a video told by its first bytes, else None."""
    if len(head) >= 12 and head[4:8] == b"ftyp":
        box_end = min(int.from_bytes(head[:4], "big"), len(head))
        major = head[8:12]
        compatible = {head[i : i + 4] for i in range(16, box_end - 3, 4)}
        if major == QUICKTIME_BRAND:
            return "mov", "video/quicktime"
        if major not in IMAGE_BRANDS and (major in MP4_BRANDS or compatible & MP4_BRANDS):
            return "mp4", "video/mp4"
        return None
    if head.startswith(EBML_MAGIC) and b"webm" in head[:VIDEO_HEAD_BYTES]:  # the EBML DocType
        return "webm", "video/webm"
    return None


async def clean_image(data: bytes, media: MediaSettings) -> EncodedImage:
    """`data` re-encoded without its metadata, in a thread; not an image is 400, too large 413."""
    try:
        return await asyncio.to_thread(
            reencode_image, data, max_pixels=media.max_image_pixels, thumbnail_px=media.thumbnail_px
        )
    except ImageRefused as exc:
        if exc.too_large:
            raise web.HTTPRequestEntityTooLarge(
                max_size=media.max_image_bytes, actual_size=len(data), reason=str(exc)
            ) from None
        raise DomainError(ErrorCode.VALIDATION, str(exc)) from None


def image_keys(folder: str, image: EncodedImage) -> tuple[str, str]:
    """A new key for an image, and its thumbnail's beside it."""
    key = new_key(folder, image.extension)
    return key, key.removesuffix(f".{image.extension}") + f"_thumb.{image.extension}"


@asynccontextmanager
async def stored(store: MediaStore, files: Sequence[tuple[str, bytes, str]]) -> AsyncIterator[None]:
    """(key, data, content type) put in the store; if what runs inside fails (a worker's refusal, a
    cancelled request), deleted again, so that nothing is left in the store that nothing holds."""
    kept: list[str] = []
    try:
        for key, data, content_type in files:
            kept.append(key)
            await store.put(key, data, content_type)
        yield
    except BaseException:
        for key in kept:
            await store.delete(key)
        raise
