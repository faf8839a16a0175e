from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from nodes.runtime.bus import Bus
from nodes.runtime.embedded_nats import EmbeddedNats


@pytest.fixture
async def buses(nats_server: EmbeddedNats) -> AsyncIterator[list[Bus]]:
    """Three separate connections, as three scheduler replicas would have."""
    opened = [await Bus.connect(nats_server.url, name=f"scheduler-{i}") for i in range(3)]
    yield opened
    for bus in opened:
        await bus.close()
