"""argon2id hashing off the event loop, with a bound on concurrent hashes.

Each hash takes ~19 MiB and ~20 ms of a core; the semaphore keeps a burst of logins from
exhausting memory or starving the loop.
"""

from __future__ import annotations

import asyncio
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from nodes.runtime.settings import AuthSettings

MAX_CONCURRENT_HASHES = 2
# The costs come from `[auth] password_memory_kib` and `password_time_cost`: OWASP's argon2id profile
# by default (19 MiB, 2 passes, 1 lane), ~20 ms a hash here. argon2-cffi's default (64 MiB, 3 passes,
# 4 lanes) takes ~100 ms of both cores and would cap logins near 10/s. Stored hashes made with other
# parameters are upgraded at the next sign-in.


class PasswordHashing:
    def __init__(self, hasher: PasswordHasher, concurrency: int = MAX_CONCURRENT_HASHES) -> None:
        self.hasher = hasher
        self._slots = asyncio.Semaphore(concurrency)
        self._dummy: str | None = None

    @classmethod
    def configured(cls, auth: AuthSettings) -> PasswordHashing:
        costs = PasswordHasher(
            time_cost=auth.password_time_cost, memory_cost=auth.password_memory_kib, parallelism=1
        )
        return cls(costs)

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
