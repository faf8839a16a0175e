"""Access-token verification on the edge: no database, only the public keys identity publishes.

The identity worker puts each verification key in the `auth_keys` KV bucket and each ended session in
`revoked_sessions`; every edge watches both, so a key rotation or a logout reaches all edges at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

import jwt
import nats.errors
import orjson
from nats.js.kv import KeyValue
from pydantic import ValidationError

from nodes.runtime.buckets import Bucket
from nodes.runtime.bus import Bus
from nodes.runtime.settings import AuthSettings
from protocols import subjects
from protocols.envelope import Actor, Role
from protocols.identity import ACCESS_TOKEN_TYPE, PublicKeyRecord
from protocols.subjects import BucketConfig

log = logging.getLogger(__name__)

REQUIRED_CLAIMS = ["exp", "iat", "sub", "typ", "aud"]
REWATCH_WAIT_S = 1.0  # between attempts to watch a bucket again after a reconnection
# How long an edge's start waits for a bucket to answer (a fresh cluster still electing its leader).
FIRST_WATCH_S = 30.0
VERIFIED_KEPT_MAX = 50_000  # tokens an edge remembers as verified; past that the memory starts afresh


class InvalidToken(Exception):
    """Any reason a token is not accepted; the reason is logged, never shown to the client."""


class BucketMirror:
    """A local copy of a KV bucket: its entries loaded at `watch`, then kept current in the background.

    After each reconnection the bucket is watched afresh (and re-created if the server lost it):
    a restarted server keeps no consumer of the old watch. What the copy holds stays until the
    bucket says otherwise, so a server that lost the bucket never makes an edge forget a key or a
    revocation it knew.
    """

    def __init__(self) -> None:
        self._task: asyncio.Task[None] | None = None
        self._watcher: KeyValue.KeyWatcher | None = None
        self._bucket: Bucket | None = None
        self._closed = False

    def put(self, key: str, value: bytes) -> None:
        raise NotImplementedError

    def delete(self, key: str) -> None:
        raise NotImplementedError

    async def watch(self, bus: Bus, config: BucketConfig) -> None:
        """Load the bucket, waiting up to `FIRST_WATCH_S` for it to answer, then follow it."""
        self._bucket = bus.bucket(config)
        if not await self._follow_again(bus, within_s=FIRST_WATCH_S):
            raise TimeoutError(f"KV bucket {config.name} did not answer within {FIRST_WATCH_S:.0f} s")
        bus.on_reconnect(lambda: self._rewatch(bus))

    async def _rewatch(self, bus: Bus) -> None:
        await self._follow_again(bus)

    async def _follow_again(self, bus: Bus, within_s: float | None = None) -> bool:
        """Watch afresh until it works (true), the edge closes or `within_s` runs out (false)."""
        deadline = None if within_s is None else time.monotonic() + within_s
        while not (self._closed or bus.nc.is_closed):
            try:
                await self._follow_anew()
                return True
            except (nats.errors.Error, TimeoutError) as exc:
                log.warning("could not watch KV bucket %s: %s", self._bucket and self._bucket.name, exc)
                if deadline is not None and time.monotonic() > deadline:
                    return False
                await asyncio.sleep(REWATCH_WAIT_S)
        return False

    async def _follow_anew(self) -> None:
        if self._bucket is None or self._closed:
            return
        await self._stop_following()
        watcher = await self._bucket.run(lambda kv: kv.watchall())
        self._watcher = watcher
        loaded = asyncio.get_running_loop().create_future()
        self._task = asyncio.create_task(self._follow(watcher, loaded))
        await asyncio.wait_for(loaded, timeout=10)

    async def _follow(self, watcher: KeyValue.KeyWatcher, loaded: asyncio.Future[None]) -> None:
        async for entry in watcher:
            if entry is None:  # the marker after the initial values
                if not loaded.done():
                    loaded.set_result(None)
                continue
            if entry.operation in ("DEL", "PURGE") or not entry.value:
                self.delete(entry.key)
            else:
                self.put(entry.key, entry.value)
        if not loaded.done():
            loaded.set_result(None)

    async def _stop_following(self) -> None:
        watcher, task, self._watcher, self._task = self._watcher, self._task, None, None
        if watcher is not None:
            with contextlib.suppress(nats.errors.Error):  # the connection may be closed already
                await watcher.stop()  # type: ignore[no-untyped-call]
        if task is not None:
            task.cancel()

    async def close(self) -> None:
        self._closed = True
        await self._stop_following()


class RevokedSessions(BucketMirror):
    """Sessions ended before their access tokens expire (logout, revocation, password change).

    Identity writes each ended session id to the bucket; an entry only needs to outlive the longest
    access token, after which `exp` refuses the token anyway.
    """

    def __init__(self, ttl_s: float) -> None:
        super().__init__()
        self.ttl_s = ttl_s
        self._until: dict[str, float] = {}

    def put(self, key: str, value: bytes) -> None:
        now = time.monotonic()
        if len(self._until) > 10_000:
            self._until = {sid: t for sid, t in self._until.items() if t > now}
        self._until[key] = now + self.ttl_s

    def delete(self, key: str) -> None:
        self._until.pop(key, None)

    def __contains__(self, session_id: object) -> bool:
        until = self._until.get(str(session_id))
        return until is not None and until > time.monotonic()


class KeyRing(BucketMirror):
    """What an edge verifies tokens with: the public keys by key id, and the revoked sessions."""

    def __init__(self, auth: AuthSettings | None = None) -> None:
        super().__init__()
        self._keys: dict[str, tuple[str, Any]] = {}
        self.revoked = RevokedSessions((auth or AuthSettings()).revocation_ttl_s)

    def add(self, record: PublicKeyRecord) -> None:
        key = jwt.get_algorithm_by_name(record.alg).prepare_key(record.public_key_pem)
        self._keys[record.kid] = (record.alg, key)

    def put(self, key: str, value: bytes) -> None:
        try:
            self.add(PublicKeyRecord.model_validate(orjson.loads(value)))
        except (ValidationError, orjson.JSONDecodeError, ValueError) as exc:
            log.warning("ignoring unreadable key %s: %s", key, exc)

    def delete(self, key: str) -> None:
        self._keys.pop(key, None)

    def get(self, kid: str) -> tuple[str, Any] | None:
        return self._keys.get(kid)

    async def watch(self, bus: Bus, config: BucketConfig = subjects.AUTH_KEYS) -> None:
        """Load the published keys and revocations, then follow both in the background."""
        await super().watch(bus, config)
        await self.revoked.watch(bus, subjects.revoked_sessions_bucket(self.revoked.ttl_s))

    async def close(self) -> None:
        await self.revoked.close()
        await super().close()


class TokenVerifier:
    """Verifies access tokens, and remembers the ones it verified until they expire: a client sends
    the same token with every request (a dongle a batch every few seconds), and parsing it and checking
    its signature again was a third of an edge's time per upload. A remembered token is still refused
    once its session is revoked, or its key is withdrawn or replaced."""

    def __init__(self, keyring: KeyRing, settings: AuthSettings) -> None:
        self.keyring = keyring
        self.audience = settings.audience
        self.algorithms = frozenset(settings.algorithms)
        self.leeway = settings.leeway_s
        # token -> (its actor, the id and key that verified it, until when it is good: exp + leeway)
        self._verified: dict[str, tuple[Actor, str, tuple[str, Any], float]] = {}

    def verify_access(self, token: str) -> Actor:
        kept = self._verified.get(token)
        if kept is not None:
            actor, kid, key, until = kept
            good = time.time() < until and self.keyring.get(kid) is key
            if good and actor.session_id not in self.keyring.revoked:
                return actor
            del self._verified[token]
        actor, kid, key, expires = self._verify(token)
        if len(self._verified) >= VERIFIED_KEPT_MAX:
            self._verified.clear()
        self._verified[token] = (actor, kid, key, expires + self.leeway)
        return actor

    def _verify(self, token: str) -> tuple[Actor, str, tuple[str, Any], float]:
        """The token's actor, the id and key that verified it, and when it expires."""
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
        if claims.get("sid") in self.keyring.revoked:
            raise InvalidToken("session ended")
        try:
            actor = Actor(
                user_id=int(claims["sub"]),
                role=Role(claims.get("role", "user")),
                session_id=claims.get("sid"),
            )
            return actor, str(kid), entry, float(claims["exp"])
        except (ValueError, TypeError, ValidationError) as exc:
            raise InvalidToken("bad subject or role") from exc


def bearer_token(authorization: str | None, cookie: str | None) -> str | None:
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
    return cookie or None
