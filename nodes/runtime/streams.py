"""JetStream streams that come back when lost, and publishing into them with an acknowledgement.

A stream is declared once (`protocols.subjects.StreamDeclaration`) and made by whoever finds it
missing, publisher or consumer, as KV buckets are (buckets.py). A publish answers only once
JetStream has stored the message; every way it can fail is a typed error the caller can pass to a
client as it is: `rate_limited` while the stream is full (it holds what its consumers have not taken
yet), `unavailable` while NATS or the stream does not answer. A message id makes a message sent
again within the stream's duplicate window a duplicate, stored once.
"""

from __future__ import annotations

import asyncio
import logging

import nats.errors
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, PubAck, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import APIError, NoStreamResponseError

from protocols.envelope import DomainError, ErrorCode
from protocols.subjects import StreamDeclaration

from .buckets import STREAM_NAME_IN_USE

log = logging.getLogger(__name__)

# nats-server: the stream refused to store a message (its message or byte limit is reached).
STORE_FAILED = 10077
FULL_RETRY_AFTER_S = 2.0  # how long a publisher refused for a full stream is told to wait
DOWN_RETRY_AFTER_S = 1.0
MSG_ID_HEADER = "Nats-Msg-Id"


class Stream:
    """One declared stream of a connection."""

    def __init__(self, js: JetStreamContext, declaration: StreamDeclaration, *, replicas: int = 1) -> None:
        self._js = js
        self.declaration = declaration
        self.replicas = replicas
        self._made = asyncio.Lock()

    @property
    def name(self) -> str:
        return self.declaration.name

    def config(self) -> StreamConfig:
        decl = self.declaration
        return StreamConfig(
            name=decl.name,
            subjects=list(decl.subjects),
            # Work queue: a message leaves the stream once a consumer acknowledged it, so the limits
            # bound what waits for the consumers, never what they have done.
            retention=RetentionPolicy.WORK_QUEUE,
            discard=DiscardPolicy.NEW,  # full: refuse the new, never drop an accepted one
            max_msgs=decl.max_msgs,
            max_bytes=decl.max_bytes,
            duplicate_window=decl.duplicate_window_s,
            storage=StorageType.FILE,
            num_replicas=self.replicas,
        )

    async def ensure(self) -> None:
        """Make the stream unless it is there (one made by another process is taken as it is)."""
        async with self._made:
            try:
                await self._js.add_stream(self.config())
            except APIError as err:
                if getattr(err, "err_code", None) != STREAM_NAME_IN_USE:
                    raise

    async def publish(self, subject: str, payload: bytes, msg_id: str, timeout: float) -> PubAck:
        """Store the message; raises `rate_limited` (full) or `unavailable` (not stored, as far as
        anyone can tell: the sender sends it again, and its id makes that a duplicate if it was)."""
        try:
            try:
                return await self._js.publish(
                    subject, payload, timeout=timeout, headers={MSG_ID_HEADER: msg_id}
                )
            except NoStreamResponseError:
                # No stream listens there: lost with a nats-server's store, or never made yet.
                log.warning("JetStream stream %s did not answer; making sure it is there", self.name)
                await self.ensure()
                return await self._js.publish(
                    subject, payload, timeout=timeout, headers={MSG_ID_HEADER: msg_id}
                )
        except APIError as err:
            if getattr(err, "err_code", None) == STORE_FAILED:
                raise DomainError(
                    ErrorCode.RATE_LIMITED, "Too many batches waiting; send again later",
                    {"retry_after": FULL_RETRY_AFTER_S},
                ) from None  # fmt: skip
            log.warning("JetStream refused a message on %s: %s", subject, err)
            raise unavailable() from None
        except (nats.errors.Error, TimeoutError, OSError) as exc:
            log.warning("could not publish to JetStream on %s: %r", subject, exc)
            raise unavailable() from None


def unavailable() -> DomainError:
    return DomainError(
        ErrorCode.UNAVAILABLE, "Service unavailable, try again", {"retry_after": DOWN_RETRY_AFTER_S}
    )
