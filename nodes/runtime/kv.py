"""Key-value helpers nats-py lacks."""

from __future__ import annotations

from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from nats.js.kv import KeyValue


def kv_subject(bucket: str, key: str) -> str:
    """The subject a bucket's stream stores `key` (or a key pattern) under."""
    return f"$KV.{bucket}.{key}"


async def keys_matching(kv: KeyValue, pattern: str) -> list[str]:
    """The live keys matching a subject pattern (`5.*`, `online.>`), filtered by the server.

    nats-py's `keys(filters=...)` reads every key of the bucket and matches substrings; this asks
    the server for the pattern's keys only.
    """
    watcher = await kv.watch(pattern, ignore_deletes=True, meta_only=True)
    keys: list[str] = []
    try:
        async for entry in watcher:
            if entry is None:  # the end of what is stored now
                break
            keys.append(entry.key)
    finally:
        await watcher.stop()  # type: ignore[no-untyped-call]
    return keys


async def has_live_key(js: JetStreamContext, bucket: str, pattern: str) -> bool:
    """Whether any live key of `bucket` matches `pattern`, in a request or two and no consumer.

    A watch (as in `keys_matching`) creates a consumer on the server; done per connection at scale
    it exhausts the server's consumer limit. This asks for the first stored message matching the
    pattern instead, stepping over delete markers (a deleted key keeps one as its last message).
    """
    seq = 1
    while True:
        try:
            msg = await js.get_msg(f"KV_{bucket}", seq=seq, subject=kv_subject(bucket, pattern), next=True)
        except NotFoundError:
            return False
        operation = (msg.headers or {}).get("KV-Operation")
        if operation not in ("DEL", "PURGE"):
            return True
        seq = (msg.seq or seq) + 1
