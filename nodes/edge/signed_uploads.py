"""`PUT /uploads/{key}`: a file sent to the local media store on a URL that a presign signed
(Membership Auto's `POST /api/files/presign/`), the way a client sends one to S3.

- The URL's query says what was allowed (content type, size, expiry) and is signed
  (nodes/runtime/signed_urls.py): a URL with anything changed, or used for another key, is 403, and
  so is one past its time. No token is asked for: the URL is the permission, as S3's is.
- The request's `Content-Type` must be the signed one (400). A body past the signed limit is 413,
  read no further; a URL signed for an exact size takes that size only (400 otherwise).
- The file is written whole or not at all, and sending it again on the same URL stores it again: a
  client that lost the answer simply retries. 200 `{"key", "size"}`; the file is then served at the
  presign's `publicUrl`.
- Where the media store is S3, its URLs lead there and nothing is taken here: 404.
"""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, Field, RootModel

from nodes.runtime.media import LocalMediaStore
from nodes.runtime.signed_urls import UploadGrant, UploadRefused
from protocols.envelope import DomainError, ErrorCode

from .http import Surface, SurfaceRoutes, json_response
from .kit.uploads import CHUNK_BYTES, too_large
from .state import MEDIA_STORE

UPLOADS = Surface(name="uploads", title="Signed uploads (the local media store)")
routes = SurfaceRoutes(UPLOADS)


class UploadQuery(BaseModel):
    """What a presign put in the URL; the signature covers the rest, and the path's key."""

    expires: int = Field(description="Unix seconds after which the URL is void.")
    type: str = Field(description="The content type the upload must declare.")
    size: int | None = Field(default=None, description="The exact length the file must have.")
    max: int | None = Field(default=None, description="The most bytes the file may have (where no size).")
    signature: str


class UploadBody(RootModel[bytes]):
    """The file's bytes, as they are."""


class StoredUpload(BaseModel):
    key: str
    size: int


@routes.put(
    LocalMediaStore.UPLOAD_PREFIX + "{key:.+}", query=UploadQuery, body=UploadBody,
    content_type="application/octet-stream", responses={200: StoredUpload, 400: None, 403: None, 404: None, 413: None},
)  # fmt: skip
async def put_upload(request: web.Request) -> web.Response:
    """Upload a file on a URL from a presign (local media store only)."""
    store = request.app[MEDIA_STORE]
    if not isinstance(store, LocalMediaStore):
        raise DomainError(ErrorCode.NOT_FOUND, "Not found")
    key = request.match_info["key"]
    try:
        grant = store.signer.verify(key, request.query)
    except UploadRefused as exc:
        raise DomainError(ErrorCode.FORBIDDEN, str(exc)) from None
    if request.content_type.lower() != grant.content_type:
        raise DomainError(ErrorCode.VALIDATION, f"Content-Type must be {grant.content_type}")
    data = await _read_body(request, grant)
    await store.put(key, data, grant.content_type)
    return json_response(StoredUpload(key=key, size=len(data)))


async def _read_body(request: web.Request, grant: UploadGrant) -> bytes:
    """The body, within the grant's limit (413 past it, from its Content-Length or as it streams)."""
    limit = grant.max_bytes
    declared = request.content_length
    if declared is not None and declared > limit:
        raise too_large("File", limit, declared)
    data = bytearray()
    try:
        async for chunk in request.content.iter_chunked(CHUNK_BYTES):
            data += chunk
            if len(data) > limit:
                raise too_large("File", limit, len(data))
    except web.RequestPayloadError:
        raise DomainError(ErrorCode.VALIDATION, "The upload was cut short") from None
    if not data:
        raise DomainError(ErrorCode.VALIDATION, "The file is empty")
    if grant.exact and len(data) != limit:
        raise DomainError(ErrorCode.VALIDATION, f"The file must be {limit} bytes long, as presigned")
    return bytes(data)
