"""Membership Auto (seeds/004): `POST /api/files/presign/`, an upload that goes straight to the media
store (nodes/runtime/media.py): the member PUTs the file to `url`, then anyone reads it at `publicUrl`.

On the local store (the default) `url` leads to an edge (`PUT /uploads/...`, nodes/edge/signed_uploads.py),
signed by the edges' `[media] signing_secret`; on S3 (`[media] backend = "s3"`) to S3 itself, signed
by S3's credentials. Either way the URL holds for `[media] upload_url_ttl_s` and takes only the
content type, and the size, it was signed for.

Choices where the document is silent:

- Signed-in members only (401 otherwise). The file is stored under `files/<member>/<fileId>.<ext>`:
  the key is the platform's, never the client's `filename` (which is required, as documented, and
  otherwise unused), so no member can reach another's files; a URL signed for one key takes no other.
- `contentType` must be one of `[media] upload_content_types` (400 on `contentType`), and the file at
  most `[media] max_upload_bytes` long: 413 when the PUT sends more.
- `size` (optional, the file's length in bytes): given, the URL takes exactly that many bytes, and
  one larger than the limit is refused at once (400 on `size`). An S3 store needs it: S3 bounds a
  presigned PUT only by the exact Content-Length it signs (400 on `size` when it is missing).
- 200 with the document's `url`, `method` (`PUT`), `publicUrl` and `fileId` (a UUID), and `headers`:
  what the PUT must send (the URL is signed for them). URLs of this edge are absolute, as the
  document's are (behind a trusted proxy, with the scheme it was reached by).
"""

from __future__ import annotations

import uuid
from typing import Literal

from aiohttp import web
from pydantic import Field

from nodes.edge.http import SurfaceRoutes, read_body
from nodes.edge.session_http import require_actor
from nodes.edge.state import MEDIA_STORE, SETTINGS
from nodes.runtime.media import extension_for
from protocols.envelope import DomainError, ErrorCode
from protocols.fields import FileName, MediaSize, MediaType

from .errors import SURFACE
from .shapes import CamelModel, camel

routes = SurfaceRoutes(SURFACE)

FORWARDED_SCHEMES = ("http", "https")


class PresignBody(CamelModel):
    filename: FileName
    content_type: MediaType
    size: MediaSize | None = Field(default=None, description="The file's length in bytes.")


class PresignedUpload(CamelModel):
    url: str = Field(description="Where to PUT the file, before the URL expires.")
    method: Literal["PUT"] = "PUT"
    public_url: str = Field(description="Where the file is read once uploaded.")
    file_id: str
    headers: dict[str, str] = Field(description="Headers the PUT must send: the URL is signed for them.")


def invalid(field: str, message: str) -> DomainError:
    return DomainError(ErrorCode.VALIDATION, message, {"field": field})


@routes.post("/api/files/presign/", auth=True, body=PresignBody, responses={200: PresignedUpload, 400: None})
async def presign(request: web.Request) -> web.Response:
    """A URL to upload a file to (PUT), and the URL it is then read at."""
    actor = require_actor(request)
    body = await read_body(request, PresignBody)
    media, store = request.app[SETTINGS].media, request.app[MEDIA_STORE]
    content_type = body.content_type.lower()  # media types are case-insensitive
    if content_type not in media.upload_content_types:
        accepted = ", ".join(media.upload_content_types)
        raise invalid("content_type", f"Files of type {body.content_type} are not accepted, only {accepted}")
    if body.size is not None and body.size > media.max_upload_bytes:
        raise invalid("size", f"File is too large: at most {media.max_upload_bytes} bytes")
    if body.size is None and store.exact_sizes_only:
        raise invalid("size", "The file's size in bytes is required")
    file_id = str(uuid.uuid4())
    key = f"files/{actor.user_id}/{file_id}.{extension_for(content_type)}"
    put = await store.presign_put(key, content_type, size=body.size, max_bytes=media.max_upload_bytes,
                                  ttl_s=media.upload_url_ttl_s)  # fmt: skip
    out = PresignedUpload(url=absolute(request, put.url), public_url=absolute(request, store.url(key)),
                          file_id=file_id, headers=put.headers)  # fmt: skip
    return camel(out)


def absolute(request: web.Request, url: str) -> str:
    """A path on this edge made a URL the client can use as it is; a store's own URL stays as it is."""
    if not url.startswith("/"):
        return url
    origin = request.url.origin()
    if request.app[SETTINGS].edge.trust_forwarded_for:
        scheme = request.headers.get("X-Forwarded-Proto", "").lower()
        origin = origin.with_scheme(scheme) if scheme in FORWARDED_SCHEMES else origin
    return str(origin).rstrip("/") + url
