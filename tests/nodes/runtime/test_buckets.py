"""KV buckets come back when their nats-server loses them."""

from __future__ import annotations

import asyncio
from pathlib import Path

from nodes.runtime.bus import Bus
from nodes.runtime.embedded_nats import EmbeddedNats
from protocols.subjects import BucketConfig
from tests.support.eventually import until

LEASE_LIKE = BucketConfig("restart_probe", ttl_s=30.0)
# Well under the window in which a just-made stream is waited for rather than re-created (15 s).
REPAIRED_WITHIN_S = 5.0


async def test_a_bucket_made_moments_before_a_restart_on_a_fresh_store_is_made_again(tmp_path: Path) -> None:
    server = EmbeddedNats(tmp_path / "nats")
    await server.start()
    bus = await Bus.connect(server.url, name="bucket-owner", request_timeout=1.0)
    restarted: EmbeddedNats | None = None
    try:
        bucket = bus.bucket(LEASE_LIKE)
        first = await bucket.create("leader", b"me")
        await server.stop()
        restarted = EmbeddedNats(tmp_path / "nats-fresh", port=server.port)
        await restarted.start()

        async def written() -> bool:
            try:
                await asyncio.wait_for(bucket.put("leader", b"me"), 1.0)
            except Exception:  # noqa: BLE001 - reconnecting: any failure means "not yet"
                return False
            return True

        # The write after the loss re-creates the bucket, instead of waiting for a stream that is
        # gone as if it were a new one still settling on the cluster's routes.
        await until(written, within_s=REPAIRED_WITHIN_S, what="the lost bucket made again")
        entry = await bucket.get("leader")
        assert entry.value == b"me" and entry.revision is not None and entry.revision <= first
    finally:
        await bus.close()
        if restarted is not None:
            await restarted.stop()
