"""Key-value helpers nats-py lacks."""

from __future__ import annotations

from nats.js.kv import KeyValue


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
