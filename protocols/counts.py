"""What the staff count commands of several domains share (the console's dashboard asks identity,
chat and telemetry): a window of equal time buckets, and the counts in it, one per bucket."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from pydantic import AwareDatetime, Field

from .envelope import Message, Role

# Who may count: staff (and the system). Anyone else signed in is `forbidden`.
COUNTERS = frozenset({Role.ADMIN, Role.MODERATOR, Role.MANAGER, Role.SYSTEM})
BucketSeconds = Annotated[int, Field(ge=60, le=7 * 86400)]
BucketCount = Annotated[int, Field(ge=1, le=400)]


class Window(Message):
    """`buckets` buckets of `bucket_s` seconds each, the first starting at `start`."""

    start: AwareDatetime
    bucket_s: BucketSeconds
    buckets: BucketCount

    @property
    def end(self) -> datetime:
        return self.start + timedelta(seconds=self.bucket_s * self.buckets)


class Buckets(Message):
    """Counts per bucket of a window, oldest first, 0 included."""

    start: datetime
    bucket_s: int
    counts: list[int]

    @property
    def total(self) -> int:
        return sum(self.counts)
