"""Access-token verification on the edge: no database, only the public keys identity publishes.

The identity worker puts each verification key in the `auth_keys` KV bucket; every edge watches the
bucket, so a key rotation reaches all edges without a restart.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import jwt
import orjson
from nats.js.kv import KeyValue
from pydantic import ValidationError

from nodes.runtime.bus import Bus
from nodes.runtime.settings import AuthSettings
from protocols import subjects
from protocols.envelope import Actor, Role
from protocols.identity import ACCESS_TOKEN_TYPE, PublicKeyRecord

log = logging.getLogger(__name__)

REQUIRED_CLAIMS = ["exp", "iat", "sub", "typ", "aud"]


class InvalidToken(Exception):
    """Any reason a token is not accepted; the reason is logged, never shown to the client."""


class KeyRing:
    """The verification keys by key id."""

    def __init__(self) -> None:
        self._keys: dict[str, tuple[str, Any]] = {}
        self._watch_task: asyncio.Task[None] | None = None
        self._watcher: KeyValue.KeyWatcher | None = None

    def add(self, record: PublicKeyRecord) -> None:
        key = jwt.get_algorithm_by_name(record.alg).prepare_key(record.public_key_pem)
        self._keys[record.kid] = (record.alg, key)

    def remove(self, kid: str) -> None:
        self._keys.pop(kid, None)

    def get(self, kid: str) -> tuple[str, Any] | None:
        return self._keys.get(kid)

    async def watch(self, bus: Bus) -> None:
        """Load the published keys, then follow changes in the background."""
        kv = await bus.kv(subjects.AUTH_KEYS_BUCKET, history=1)
        self._watcher = await kv.watchall()
        loaded = asyncio.get_running_loop().create_future()
        self._watch_task = asyncio.create_task(self._follow(self._watcher, loaded))
        await asyncio.wait_for(loaded, timeout=10)

    async def _follow(self, watcher: KeyValue.KeyWatcher, loaded: asyncio.Future[None]) -> None:
        async for entry in watcher:
            if entry is None:  # the marker after the initial values
                if not loaded.done():
                    loaded.set_result(None)
                continue
            if entry.operation in ("DEL", "PURGE") or not entry.value:
                self.remove(entry.key)
                continue
            try:
                self.add(PublicKeyRecord.model_validate(orjson.loads(entry.value)))
            except (ValidationError, orjson.JSONDecodeError, ValueError) as exc:
                log.warning("ignoring unreadable key %s: %s", entry.key, exc)
        if not loaded.done():
            loaded.set_result(None)

    async def close(self) -> None:
        if self._watcher is not None:
            try:
                await self._watcher.stop()  # type: ignore[no-untyped-call]
            except Exception:  # the connection may be closed already
                pass
        if self._watch_task is not None:
            self._watch_task.cancel()


class TokenVerifier:
    def __init__(self, keyring: KeyRing, settings: AuthSettings) -> None:
        self.keyring = keyring
        self.audience = settings.audience
        self.algorithms = frozenset(settings.algorithms)
        self.leeway = settings.leeway_s

    def verify_access(self, token: str) -> Actor:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken("malformed token") from exc
        alg, kid = header.get("alg"), header.get("kid")
        if alg not in self.algorithms:
            raise InvalidToken(f"algorithm {alg!r} not allowed")
        entry = self.keyring.get(str(kid))
        if entry is None or entry[0] != alg:
            raise InvalidToken("unknown key id")
        try:
            claims = jwt.decode(
                token,
                entry[1],
                algorithms=[entry[0]],
                audience=self.audience,
                leeway=self.leeway,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from exc
        if claims.get("typ") != ACCESS_TOKEN_TYPE:
            raise InvalidToken("not an access token")
        try:
            return Actor(user_id=int(claims["sub"]), role=Role(claims.get("role", "user")), session_id=claims.get("sid"))
        except (ValueError, ValidationError) as exc:
            raise InvalidToken("bad subject or role") from exc


def bearer_token(authorization: str | None, cookie: str | None) -> str | None:
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
    return cookie or None
