"""What a mobile client does against edges it reaches by URL: sign up, post an ad and open dialogs
about ads over REST (MillionAvto's `/api/v1`), chat and watch presence over Socket.IO, read a dialog's whole history."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import aiohttp
import socketio

from nodes.runtime.bus import Bus
from tests.support.ads import active_ad
from tests.support.eventually import until
from tests.support.http import bearer, json_of

PASSWORD = "password-123"
PAGE = 100  # the contract's largest page


@dataclass(frozen=True)
class Account:
    id: int
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.token)


async def register(http: aiohttp.ClientSession, edge: str, name: str) -> Account:
    body = {"email": f"{name}@chaos.test", "password": PASSWORD, "full_name": name}
    async with http.post(f"{edge}/api/v1/auth/register", json=body) as resp:
        signed_in = await json_of(resp, 201)
    return Account(id=signed_in["user"]["id"], token=signed_in["access_token"])


async def listed_ad(http: aiohttp.ClientSession, edge: str, seller: Account, bus: Bus) -> int:
    """A new active ad of the seller's (approved over `bus`, as a moderator's decision arrives)."""
    return await active_ad(lambda path, **request: http.post(edge + path, **request), bus, seller.headers)


async def open_dialog(
    http: aiohttp.ClientSession, edge: str, buyer: Account, seller: Account, ad_id: int
) -> int:
    body = {"ad_id": ad_id, "seller_id": seller.id}
    async with http.post(f"{edge}/api/v1/chat/dialogs", json=body, headers=buyer.headers) as resp:
        dialog: dict[str, Any] = await json_of(resp, 201)
    return int(dialog["id"])


async def history(
    http: aiohttp.ClientSession, edge: str, reader: Account, dialog_id: int
) -> list[dict[str, Any]]:
    """Every message of the dialog, oldest first (page 1 is the newest; each page is oldest first)."""
    pages: list[list[dict[str, Any]]] = []
    page, pages_total = 1, 1
    while page <= pages_total:
        url = f"{edge}/api/v1/chat/dialogs/{dialog_id}/messages"
        async with http.get(url, params={"page": page, "size": PAGE}, headers=reader.headers) as resp:
            found = await json_of(resp, 200)
        pages.append(found["items"])
        pages_total = found["pages"]
        page += 1
    return [item for items in reversed(pages) for item in items]


async def is_ready(http: aiohttp.ClientSession, edge: str) -> bool:
    try:
        async with http.get(f"{edge}/ready") as resp:
            return resp.status == 200
    except aiohttp.ClientError:
        return False  # not listening (yet)


class Live:
    """One Socket.IO connection of an account, reconnected only when its owner says so."""

    def __init__(self, account: Account) -> None:
        self.account = account
        self.sio = socketio.AsyncClient(reconnection=False)
        self.presence: list[tuple[int, bool]] = []  # (user id, online) in the order they came
        self.dropped = asyncio.Event()
        self.sio.on("presence", self._presence)
        self.sio.on("disconnect", self._dropped)

    @classmethod
    async def connect(cls, account: Account, edge: str) -> Live:
        live = cls(account)
        await live.sio.connect(edge, auth={"token": account.token}, transports=["websocket"], wait_timeout=5)
        return live

    @property
    def up(self) -> bool:
        return self.sio.connected and not self.dropped.is_set()

    def _presence(self, data: Any = None) -> None:
        self.presence.append((data["presence"]["user_id"], data["presence"]["online"]))

    def _dropped(self, *_reason: Any) -> None:
        self.dropped.set()

    async def call(self, event: str, data: Any, *, timeout_s: float) -> Any | None:
        """The ack, or None if none came in time or the connection dropped while waiting for it
        (python-socketio's own `call` would wait out its timeout on a dead connection)."""
        if not self.up:
            return None
        answer = asyncio.ensure_future(self.sio.call(event, data, timeout=timeout_s))
        dropped = asyncio.ensure_future(self.dropped.wait())
        await asyncio.wait({answer, dropped}, return_when=asyncio.FIRST_COMPLETED)
        dropped.cancel()
        if not answer.done():
            answer.cancel()
            await asyncio.gather(answer, return_exceptions=True)
            return None
        try:
            return answer.result()
        except socketio.exceptions.SocketIOError:  # its TimeoutError, or the namespace gone under it
            return None

    async def wait_presence(self, user_id: int, online: bool, *, after: int = 0, within_s: float) -> float:
        """Seconds until a presence event about `user_id` saying `online` arrives (counting only
        events from index `after` on)."""

        async def arrived() -> bool:
            return (user_id, online) in self.presence[after:]

        state = "online" if online else "offline"
        return await until(
            arrived, within_s=within_s, what=f"user {user_id} seen {state} by {self.account.id}"
        )

    async def close(self) -> None:
        await self.sio.disconnect()
