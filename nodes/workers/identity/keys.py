"""The access-token signing key: Ed25519, kept in the database, its public half published to edges.

Every identity worker signs with the newest live key in `identity_signing_keys`; the first worker to
find none makes one. Public halves go to the `auth_keys` KV bucket under their key id, which every
edge watches, so edges never hold anything that can mint a token.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
import uuid
from datetime import UTC, datetime

import jwt
import nats.errors
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from nats.js.errors import KeyNotFoundError, NoStreamResponseError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from nodes.runtime.buckets import Bucket
from nodes.runtime.bus import Bus
from nodes.runtime.settings import AuthSettings
from protocols import subjects
from protocols.envelope import Role
from protocols.identity import ACCESS_TOKEN_TYPE, PublicKeyRecord
from storage.models.identity import SigningKey

from . import queries

log = logging.getLogger(__name__)

ALGORITHM = "EdDSA"
START_WAIT_S = 30.0  # how long a starting worker waits for the keys bucket to answer


def _new_key() -> SigningKey:
    private = Ed25519PrivateKey.generate()
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return SigningKey(
        kid=uuid.uuid4().hex[:16], alg=ALGORITHM, private_pem=private_pem, public_pem=public_pem,
        created_at=datetime.now(UTC),
    )  # fmt: skip


class TokenSigner:
    """Signs access tokens with one key; `open` loads (or makes) it, `publish` tells the edges."""

    def __init__(self, key: SigningKey, live_keys: list[SigningKey], auth: AuthSettings) -> None:
        self.kid = key.kid
        self._private = serialization.load_pem_private_key(key.private_pem.encode(), password=None)
        self._live = live_keys
        self.audience = auth.audience
        self.ttl_s = auth.access_ttl_s
        self._republishing = False

    @classmethod
    async def open(cls, db: async_sessionmaker[AsyncSession], auth: AuthSettings) -> TokenSigner:
        async with db() as session:
            live = await queries.live_signing_keys(session)
            if not live:
                # Two workers starting together may each make one: both are published, both verify.
                key = _new_key()
                session.add(key)
                await session.commit()
                live = [key]
        return cls(live[0], live, auth)

    async def publish(self, bus: Bus) -> None:
        """Put the public keys in the bucket; and again after each reconnection if they are gone
        from it (a nats-server restarted on a fresh store), or no edge could verify a token."""
        bucket = bus.bucket(subjects.AUTH_KEYS)
        for key in self._live:
            await _put_at_start(bucket, key.kid, self._record(key))
        if not self._republishing:
            self._republishing = True
            bus.on_reconnect(lambda: self._republish_missing(bucket))

    async def _republish_missing(self, bucket: Bucket) -> None:
        for key in self._live:
            try:
                await bucket.get(key.kid)
            except KeyNotFoundError:
                log.warning("public key %s was gone from NATS; publishing it again", key.kid)
                await bucket.put(key.kid, self._record(key))

    @staticmethod
    def _record(key: SigningKey) -> bytes:
        return (
            PublicKeyRecord(kid=key.kid, alg=key.alg, public_key_pem=key.public_pem)
            .model_dump_json()
            .encode()
        )

    def access_token(self, user_id: int, role: Role, session_id: str) -> str:
        now = int(time.time())
        claims = {
            "sub": str(user_id), "role": role.value, "sid": session_id, "typ": ACCESS_TOKEN_TYPE,
            "aud": self.audience, "iat": now, "nbf": now, "exp": now + self.ttl_s, "jti": secrets.token_hex(8),
        }  # fmt: skip
        return jwt.encode(claims, self._private, algorithm=ALGORITHM, headers={"kid": self.kid})  # type: ignore[arg-type]


async def _put_at_start(bucket: Bucket, kid: str, record: bytes) -> None:
    """Processes of a cluster start together: the bucket's stream may exist and not answer yet (its
    replicas electing a leader, its subjects not yet routed to this node). Wait a while for it, as
    `Bus.connect` waits for NATS, rather than die at start."""
    deadline = time.monotonic() + START_WAIT_S
    while True:
        try:
            await bucket.put(kid, record)
            return
        except (NoStreamResponseError, nats.errors.TimeoutError) as exc:
            if time.monotonic() > deadline:
                raise
            log.info("waiting for KV bucket %s to answer: %r", bucket.name, exc)
            await asyncio.sleep(0.2)
