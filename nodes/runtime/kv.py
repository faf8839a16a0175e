"""Key-value helpers nats-py lacks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from nats.js.api import Header
from nats.js.errors import APIError, KeyWrongLastSequenceError, NotFoundError, ServiceUnavailableError

from protocols import subjects

from .buckets import Bucket, stream_missing
from .bus import Bus
from .settings import PresenceSettings

# nats-server lists at most this many subjects per stream-info reply; more come in further pages.
_SUBJECTS_PER_PAGE = 100_000
# nats-server's error codes for "the subject's last sequence is not the expected one".
_WRONG_LAST_SEQUENCE = (10071, 10164)


def kv_subject(bucket: str, key: str) -> str:
    """The subject a bucket's stream stores `key` (or a key pattern) under."""
    return f"$KV.{bucket}.{key}"


def kv_stream(bucket: str) -> str:
    return f"KV_{bucket}"


def presence_bucket(bus: Bus, settings: PresenceSettings) -> Bucket:
    """The bucket of `<user>.<edge>` keys, one while an edge holds connections of that user."""
    return bus.bucket(subjects.presence_bucket(settings.ttl_s))


async def remove_key(js: JetStreamContext, bucket: str, key: str, *, last: int | None = None) -> None:
    """Delete `key` (only if its revision is still `last`, when given) and leave no marker behind.

    A plain KV delete keeps a delete marker as the key's last message, which `live_keys` would count
    as a key; purging up to the marker removes it without touching a later write of the same key.
    Raises `KeyWrongLastSequenceError` when `last` is no longer the key's revision.
    """
    headers = {"KV-Operation": "DEL"}
    if last is not None:
        headers[Header.EXPECTED_LAST_SUBJECT_SEQUENCE] = str(last)
    try:
        marker = await js.publish(kv_subject(bucket, key), b"", headers=headers)
    except APIError as err:
        if err.err_code in _WRONG_LAST_SEQUENCE:
            raise KeyWrongLastSequenceError(description=err.description) from err
        raise
    await drop_marker(js, bucket, key, marker.seq)


async def drop_marker(js: JetStreamContext, bucket: str, key: str, marker_seq: int) -> None:
    """Purge `key`'s messages up to its delete marker at `marker_seq`, the marker included."""
    await js.purge_stream(kv_stream(bucket), subject=kv_subject(bucket, key), seq=marker_seq + 1)


@dataclass(frozen=True)
class KeyListing:
    keys: list[str]
    # Since when (on this process's clock) the bucket's stream has served its current state: its
    # leader's election or, on one server, its creation. A key written before then may be missing
    # (an in-memory bucket re-created empty, a leader elected before it caught up, keys that expired
    # while no leader took renewals) until its writer's next renewal.
    serving_since: datetime


async def list_keys(nc: NATS, bucket: str, pattern: str) -> KeyListing:
    """The keys of `bucket` matching a subject pattern (`5.*`, `online.>`), read from the stream's
    subject counts: one request per 100,000 keys, and no consumer.

    Only for buckets whose keys go through `remove_key`: a key left with a delete marker counts.
    (A KV watch, nats-py's way, creates a consumer that outlives it by five minutes and sends one
    message per key; every few seconds at thousands of users that was most of presence's cost.)
    Raises `ServiceUnavailableError` when the answer comes from a replica whose group has no leader:
    its keys may be stale, and they expire there one by one while nobody can renew them.
    """
    prefix = kv_subject(bucket, "")
    keys: list[str] = []
    first: dict[str, Any] | None = None
    while True:
        info = await _stream_info(
            nc, bucket, {"subjects_filter": kv_subject(bucket, pattern), "offset": len(keys)}
        )
        first = first or info
        page = info["state"].get("subjects") or {}
        keys.extend(subject[len(prefix) :] for subject in page)
        if len(page) < _SUBJECTS_PER_PAGE or len(keys) >= info.get("total", 0):
            return KeyListing(keys, _serving_since(first))


async def live_keys(nc: NATS, bucket: str, pattern: str) -> list[str]:
    return (await list_keys(nc, bucket, pattern)).keys


async def serving_since(nc: NATS, bucket: str) -> datetime:
    """`KeyListing.serving_since` alone."""
    return _serving_since(await _stream_info(nc, bucket, {}))


async def _stream_info(nc: NATS, bucket: str, request: dict[str, Any]) -> dict[str, Any]:
    reply = await nc.request(f"$JS.API.STREAM.INFO.{kv_stream(bucket)}", orjson.dumps(request))
    info: dict[str, Any] = orjson.loads(reply.data)
    if "error" in info:
        raise APIError.from_error(info["error"])
    return info


def _serving_since(info: dict[str, Any]) -> datetime:
    cluster = info.get("cluster") or {}
    if not cluster.get("leader"):
        raise ServiceUnavailableError(code=503, description=f"stream {info['config']['name']} has no leader")
    since = datetime.fromisoformat(cluster.get("leader_since") or info["created"])
    # Measured on the server's clock, then placed on ours: the two need not agree.
    server_now = datetime.fromisoformat(info["ts"]) if "ts" in info else datetime.now(UTC)
    return datetime.now(UTC) - (server_now - since)


async def has_live_key(js: JetStreamContext, bucket: str, pattern: str) -> bool:
    """Whether any live key of `bucket` matches `pattern`, in a request or two and no consumer.

    A watch creates a consumer on the server; done per connection at scale it exhausts the server's
    consumer limit. This asks for the first stored message matching the pattern instead, stepping
    over delete markers (a key deleted by a plain KV delete keeps one as its last message).
    """
    seq = 1
    while True:
        try:
            msg = await js.get_msg(kv_stream(bucket), seq=seq, subject=kv_subject(bucket, pattern), next=True)
        except NotFoundError as err:
            if stream_missing(err):
                raise  # not "no key": no bucket, for the caller to re-create
            return False
        operation = (msg.headers or {}).get("KV-Operation")
        if operation not in ("DEL", "PURGE"):
            return True
        seq = (msg.seq or seq) + 1
