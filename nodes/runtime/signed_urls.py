"""The local media store's upload URLs: what a presign allowed (a key, a content type, a size limit
and an expiry), carried in the URL's query and signed with HMAC-SHA256 under `[media] signing_secret`,
so that any edge holding the same secret can check an upload without asking anyone.

The signature covers the method and every field at once, encoded as a JSON array so that no two
different grants can read alike; changing any of them (another key, a larger limit, a later expiry)
makes the URL void. The secret and signatures are never logged (the access log masks `signature`).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping
from dataclasses import dataclass

import orjson

METHOD = "PUT"
# Query parameters of an upload URL; `size` (exactly so many bytes) or `max` (at most), never both.
EXPIRES, TYPE, SIZE, MAX, SIGNATURE = "expires", "type", "size", "max", "signature"


@dataclass(frozen=True)
class UploadGrant:
    """What one signed URL lets its holder do: PUT `content_type` bytes under `key` before `expires`
    (Unix seconds), `max_bytes` at most, or exactly that many when `exact`."""

    key: str
    content_type: str
    max_bytes: int
    exact: bool
    expires: int

    def query(self) -> dict[str, str]:
        return {
            EXPIRES: str(self.expires),
            TYPE: self.content_type,
            (SIZE if self.exact else MAX): str(self.max_bytes),
        }


class UploadRefused(Exception):
    """An upload URL that is not (or no longer) good; `expired` when only its time has run out."""

    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


class UploadSigner:
    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def __repr__(self) -> str:
        return "UploadSigner(<secret>)"

    def _signature(self, grant: UploadGrant) -> str:
        fields = [METHOD, grant.key, grant.content_type, grant.max_bytes, grant.exact, grant.expires]
        return hmac.new(self._secret, orjson.dumps(fields), hashlib.sha256).hexdigest()

    def signed_query(self, grant: UploadGrant) -> dict[str, str]:
        return {**grant.query(), SIGNATURE: self._signature(grant)}

    def verify(self, key: str, query: Mapping[str, str], now: float | None = None) -> UploadGrant:
        """The grant an upload URL for `key` carries, if its signature holds and it has not expired."""
        grant = _grant_of(key, query)
        # As bytes: a forged signature may hold any character, which compare_digest refuses in a str.
        given = query.get(SIGNATURE, "").encode(errors="replace")
        if not hmac.compare_digest(self._signature(grant).encode(), given):
            raise UploadRefused("This upload URL is not valid")
        if grant.expires <= (time.time() if now is None else now):
            raise UploadRefused("This upload URL has expired", expired=True)
        return grant


def _grant_of(key: str, query: Mapping[str, str]) -> UploadGrant:
    size, limit = query.get(SIZE), query.get(MAX)
    number, expires = size if limit is None else limit, query.get(EXPIRES, "")
    if (size is None) == (limit is None) or not _is_count(number) or not _is_count(expires):
        raise UploadRefused("This upload URL is not valid")
    assert number is not None
    return UploadGrant(key=key, content_type=query.get(TYPE, ""), max_bytes=int(number), exact=size is not None,
                       expires=int(expires))  # fmt: skip


def _is_count(text: str | None) -> bool:
    return text is not None and text.isascii() and text.isdigit() and len(text) <= 15
