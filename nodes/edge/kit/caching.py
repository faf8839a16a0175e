"""HTTP caching for read-mostly answers (reference lists): an `ETag` naming the content's version, a
`Cache-Control` lifetime, and 304 Not Modified to a client whose `If-None-Match` names that version
already, so a client that fetches a list on every screen downloads it once.

The version is the worker's (a digest of the content, the same on every replica) where it gives one,
else a digest of the body. An answer to a request that carries credentials is `private`: a shared
cache must not hand what one user may see (an admin's view) to another.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
from aiohttp import web
from aiohttp.helpers import ETAG_ANY
from pydantic import BaseModel

from nodes.edge.state import ACTOR


def _encoded(data: Any) -> bytes:
    return data.model_dump_json().encode() if isinstance(data, BaseModel) else orjson.dumps(data)


def holds(request: web.Request, version: str) -> bool:
    """The client's `If-None-Match` names `version` (or `*`); weak tags compare alike (RFC 9110 13.1.2)."""
    return any(tag.value in (version, ETAG_ANY) for tag in request.if_none_match or ())


def cached_json(
    request: web.Request, data: Any, *, max_age_s: int, version: str | None = None
) -> web.Response:
    """`data` as JSON with caching headers, or 304 without a body when the client holds this version."""
    body: bytes | None = None
    if version is None:  # the body is needed for its digest: encoded once, here
        body = _encoded(data)
        version = hashlib.blake2b(body, digest_size=12).hexdigest()
    scope = "private" if request.get(ACTOR) is not None else "public"
    headers = {"ETag": f'"{version}"', "Cache-Control": f"{scope}, max-age={max_age_s}"}
    if holds(request, version):
        return web.Response(status=304, headers=headers)
    return web.Response(
        body=body if body is not None else _encoded(data), content_type="application/json", headers=headers
    )
