"""A Server-Sent Events client for tests: reads a real streaming HTTP response the way EventSource
parses it (fields, comments, blank-line dispatch) and keeps the Last-Event-ID it would resend."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import orjson
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient

Edge = TestClient[web.Request, web.Application]
WAIT_S = 5.0


@dataclass(frozen=True)
class Block:
    """What one blank line dispatches: an event (with data), an id-only event, or comments only."""

    id: str | None
    data: str | None
    comments: tuple[str, ...] = ()
    retry: int | None = None

    def json(self) -> Any:
        assert self.data is not None, self
        return orjson.loads(self.data)


class SseStream:
    def __init__(self, response: ClientResponse) -> None:
        self.response = response
        self.last_event_id: str | None = None  # what EventSource would send on reconnecting
        self.comments = 0

    @classmethod
    async def open(
        cls,
        edge: Edge,
        path: str,
        *,
        token: str | None = None,
        last_event_id: str | None = None,
        params: dict[str, str] | None = None,
    ) -> SseStream:
        """Connect (the response may be an error: check `status`)."""
        headers = {"Accept": "text/event-stream"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if last_event_id is not None:
            headers["Last-Event-ID"] = last_event_id
        stream = cls(await edge.get(path, headers=headers, params=params))
        stream.last_event_id = last_event_id
        return stream

    @property
    def status(self) -> int:
        return self.response.status

    async def block(self, *, within_s: float = WAIT_S) -> Block | None:
        """The next dispatched block; None at the end of the stream."""
        return await asyncio.wait_for(self._block(), within_s)

    async def _block(self) -> Block | None:
        event_id: str | None = None
        data: list[str] = []
        comments: list[str] = []
        retry: int | None = None
        seen_field = False
        while True:
            raw = await self.response.content.readline()
            if not raw:
                return None
            line = raw.decode().rstrip("\r\n")
            if line == "":
                if not seen_field:
                    continue
                if event_id is not None:
                    self.last_event_id = event_id
                return Block(event_id, "\n".join(data) if data else None, tuple(comments), retry)
            seen_field = True
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "":
                comments.append(value)
                self.comments += 1
            elif name == "id":
                event_id = value
            elif name == "data":
                data.append(value)
            elif name == "retry":
                retry = int(value)

    async def event(self, *, within_s: float = WAIT_S) -> Any:
        """The next event's data (JSON), skipping comments and id-only events."""
        while True:
            block = await self.block(within_s=within_s)
            assert block is not None, "the stream ended"
            if block.data is not None:
                return block.json()

    async def until_marker(self, *, within_s: float = WAIT_S) -> list[Any]:
        """The events before the next id-only event (what ends a replay or the start of a stream)."""
        events: list[Any] = []
        while True:
            block = await self.block(within_s=within_s)
            assert block is not None, f"the stream ended after {events}"
            if block.data is not None:
                events.append(block.json())
            elif block.id is not None:
                return events

    async def rest(self, *, within_s: float = WAIT_S) -> list[Any]:
        """Every event until the stream ends."""
        events: list[Any] = []
        while (block := await self.block(within_s=within_s)) is not None:
            if block.data is not None:
                events.append(block.json())
        return events

    async def nothing_more(self, within_s: float = 0.3) -> None:
        """No event arrives for a while (comments and id-only events aside)."""
        try:
            got = await self.event(within_s=within_s)
        except TimeoutError:
            return
        raise AssertionError(f"unexpected event {got}")

    def close(self) -> None:
        self.response.close()
