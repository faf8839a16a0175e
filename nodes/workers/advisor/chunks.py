"""A backend's text pieces coalesced into chunks: the first piece at once, then a chunk at most every
`flush_s`, or at once at a sentence's end. Text waiting goes out when `flush_s` has passed even if no
piece follows (the backend is read by a task of its own, so a slow model's last words are not held
back until its next token). A failure of the backend comes after the text it yielded before it."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncGenerator, AsyncIterator

from .backend import CarsPiece, Piece

SENTENCE_END = re.compile(r"[.!?…\n]\s*$")

_END = None


async def chunks(pieces: AsyncIterator[Piece], flush_s: float) -> AsyncGenerator[str | CarsPiece]:
    """Text chunks (str) and the cars piece, in the backend's order. Close it (`aclosing`) when not
    read to the end: that stops the backend."""
    queue: asyncio.Queue[Piece | BaseException | None] = asyncio.Queue()

    async def read() -> None:
        try:
            async for piece in pieces:
                await queue.put(piece)
            await queue.put(_END)
        except Exception as exc:  # noqa: BLE001 - handed to the reader, who raises it in its place
            await queue.put(exc)

    reader = asyncio.create_task(read(), name="backend reader")
    waiting, sent, last = "", False, 0.0
    try:
        while True:
            due = last + flush_s - time.monotonic() if waiting else None
            try:
                item = await (queue.get() if due is None else asyncio.wait_for(queue.get(), max(due, 0.0)))
            except TimeoutError:
                yield waiting
                waiting, last = "", time.monotonic()
                continue
            if item is _END or isinstance(item, (BaseException, CarsPiece)):
                if waiting:
                    yield waiting
                    waiting, sent, last = "", True, time.monotonic()
                if isinstance(item, BaseException):
                    raise item
                if item is _END:
                    return
                yield item
                continue
            waiting += item.text
            if waiting and (not sent or SENTENCE_END.search(waiting) or time.monotonic() - last >= flush_s):
                yield waiting
                waiting, sent, last = "", True, time.monotonic()
    finally:
        reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)
