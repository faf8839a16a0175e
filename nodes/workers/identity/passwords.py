"""argon2id hashing off the event loop, with a bound on concurrent hashes.

Each hash takes ~64 MiB and tens of milliseconds; the semaphore keeps a burst of logins from
exhausting memory or starving the loop.
"""

from __future__ import annotations

import asyncio
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MAX_CONCURRENT_HASHES = 2


class PasswordHashing:
    def __init__(self, hasher: PasswordHasher | None = None, concurrency: int = MAX_CONCURRENT_HASHES) -> None:
        self.hasher = hasher or PasswordHasher()
        self._slots = asyncio.Semaphore(concurrency)
        self._dummy: str | None = None

    async def dummy_hash(self) -> str:
        """A hash no password matches, to check unknown accounts against in the same time."""
        if self._dummy is None:
            self._dummy = await self.hash(secrets.token_urlsafe(16))
        return self._dummy

    async def hash(self, password: str) -> str:
        async with self._slots:
            return await asyncio.to_thread(self.hasher.hash, password)

    async def verify(self, stored_hash: str, password: str) -> bool:
        async with self._slots:
            try:
                return await asyncio.to_thread(self.hasher.verify, stored_hash, password)
            except (VerificationError, InvalidHashError):
                return False

    def needs_rehash(self, stored_hash: str) -> bool:
        return self.hasher.check_needs_rehash(stored_hash)
