"""A signing key published the way the identity worker publishes its own, and tokens made with it."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from nodes.runtime.bus import Bus
from protocols import subjects
from protocols.identity import PublicKeyRecord


@dataclass
class Signer:
    kid: str
    private_key: Ed25519PrivateKey

    @classmethod
    def generate(cls) -> Signer:
        return cls(kid=uuid.uuid4().hex[:12], private_key=Ed25519PrivateKey.generate())

    def public_pem(self) -> str:
        return (
            self.private_key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )

    async def publish(self, bus: Bus) -> None:
        kv = await bus.kv(subjects.AUTH_KEYS_BUCKET, history=1)
        record = PublicKeyRecord(kid=self.kid, alg="EdDSA", public_key_pem=self.public_pem())
        await kv.put(self.kid, record.model_dump_json().encode())

    def token(
        self, user_id: int, role: str = "user", *, typ: str = "access", ttl: float = 900, **extra: Any
    ) -> str:
        now = int(time.time())
        claims = {
            "sub": str(user_id),
            "role": role,
            "typ": typ,
            "aud": "souk",
            "iat": now,
            "exp": now + int(ttl),
        }
        claims.update(extra)
        return jwt.encode(claims, self.private_key, algorithm="EdDSA", headers={"kid": self.kid})
