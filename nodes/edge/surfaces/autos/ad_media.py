"""MillionAvto (000) section 6: an ad's media, `POST /api/v1/ads/{id}/upload-image` and `upload-video`.

Decisions where the document is silent:

- The owner's only: anyone else's ad (or a missing one) is 404 and nothing is stored; no token, 401.
- A multipart form with the file as `file` (also taken as `image` or `video`); without it, FastAPI's
  422 on `body.file`. The type is told by the bytes, never by the name or the declared type: a JPEG,
  PNG or WebP image, an MP4, QuickTime or WebM video, else 400.
- Past `[media] max_image_bytes` / `max_video_bytes` (or an image decoding to more than
  `max_image_pixels`) is 413; an ad holding `max_ad_images` / `max_ad_videos` already is 409.
- An image is decoded and encoded again in its own format, turned as its EXIF orientation says, with
  its metadata (EXIF's camera, place and time; XMP; text) left behind, and gets a thumbnail; a video is
  stored as it came. 201 with the stored `AdImage` / `AdVideo`; the ad then lists it in `images` /
  `videos` (an image also counts in `images_count`, which `has_images` searches on).
- An upload to a rejected ad sends it back to moderation, as an edit does.

The edge checks the ad first (no file is written for a stranger), re-encodes in a thread, stores the
files, and has the market record them; if that fails, the files are deleted again.
"""

from __future__ import annotations

from typing import TypeVar

from aiohttp import web
from pydantic import BaseModel, Field

from nodes.edge.http import SurfaceRoutes, json_response
from nodes.edge.kit.fastapi import answers_422, path_id
from nodes.edge.kit.uploads import (
    NOT_A_VIDEO,
    VIDEO_HEAD_BYTES,
    clean_image,
    image_keys,
    new_key,
    read_upload,
    stored,
    video_type,
)
from nodes.edge.session_http import require_actor
from nodes.edge.state import BUS, MEDIA_STORE, SETTINGS
from protocols.envelope import Actor, Command, DomainError, ErrorCode, Message
from protocols.market import AdImage, AdVideo, AttachImage, AttachVideo, CheckMediaUpload, MediaKind

from .ads import PREFIX
from .errors import SURFACE

routes = SurfaceRoutes(SURFACE)
R = TypeVar("R", bound=Message)

IMAGE_FIELDS = ("file", "image")
VIDEO_FIELDS = ("file", "video")
RESPONSES: dict[int, type[BaseModel] | None] = {
    400: None,
    401: None,
    404: None,
    409: None,
    413: None,
    422: None,
}


class ImageForm(BaseModel):
    """A JPEG, PNG or WebP image (also taken as `image`)."""

    file: str = Field(json_schema_extra={"format": "binary"})


class VideoForm(BaseModel):
    """An MP4, QuickTime or WebM video (also taken as `video`)."""

    file: str = Field(json_schema_extra={"format": "binary"})


async def checked_ad(request: web.Request, kind: MediaKind) -> tuple[Actor, int]:
    """The caller and his ad, which has room for one more of `kind`; else 401, 404 or 409."""
    actor = require_actor(request)
    ad_id = path_id(request, "id")
    await request.app[BUS].request(CheckMediaUpload(ad_id=ad_id, kind=kind), actor=actor)
    return actor, ad_id


@routes.post(PREFIX + "/{id}/upload-image", auth=True, body=ImageForm, content_type="multipart/form-data",
             responses={201: AdImage, **RESPONSES})  # fmt: skip
@answers_422
async def upload_image(request: web.Request) -> web.Response:
    """Upload ad image (owner): JPEG, PNG or WebP, stored re-encoded without its metadata."""
    actor, ad_id = await checked_ad(request, MediaKind.IMAGE)
    media = request.app[SETTINGS].media
    data = await read_upload(request, IMAGE_FIELDS, media.max_image_bytes, "Image")
    image = await clean_image(data, media)
    key, thumbnail_key = image_keys(f"ads/{ad_id}", image)
    files = [(key, image.data, image.content_type), (thumbnail_key, image.thumbnail, image.content_type)]
    cmd = AttachImage(
        ad_id=ad_id, key=key, thumbnail_key=thumbnail_key, content_type=image.content_type,
        size=len(image.data), width=image.width, height=image.height,
    )  # fmt: skip
    return json_response(await _store_and_attach(request, actor, files, cmd), status=201)


@routes.post(PREFIX + "/{id}/upload-video", auth=True, body=VideoForm, content_type="multipart/form-data",
             responses={201: AdVideo, **RESPONSES})  # fmt: skip
@answers_422
async def upload_video(request: web.Request) -> web.Response:
    """Upload ad video (owner): MP4, QuickTime or WebM, stored as it is."""
    actor, ad_id = await checked_ad(request, MediaKind.VIDEO)
    data = await read_upload(request, VIDEO_FIELDS, request.app[SETTINGS].media.max_video_bytes, "Video")
    found = video_type(data[:VIDEO_HEAD_BYTES])
    if found is None:
        raise DomainError(ErrorCode.VALIDATION, NOT_A_VIDEO)
    extension, content_type = found
    key = new_key(f"ads/{ad_id}", extension)
    cmd = AttachVideo(ad_id=ad_id, key=key, content_type=content_type, size=len(data))
    return json_response(
        await _store_and_attach(request, actor, [(key, data, content_type)], cmd), status=201
    )


async def _store_and_attach(
    request: web.Request, actor: Actor, files: list[tuple[str, bytes, str]], cmd: Command[R]
) -> R:
    """Stores the files, then has the market record them (the files go again if that fails)."""
    async with stored(request.app[MEDIA_STORE], files):
        return await request.app[BUS].request(cmd, actor=actor)
