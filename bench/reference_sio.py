"""The benchmark's reference: python-socketio alone on an aiohttp node, scaled out with its
AsyncRedisManager, relaying the same traffic as Souk but storing nothing.

    python bench/reference_sio.py --port 9001 [--redis redis://127.0.0.1:6379/0] [--uvloop]

A client connects with `auth={"user": <id>}` and joins its user's room; `send` {to, ...} is emitted
as `message` to the `to` user's room (on whichever node holds it, through Redis) and acked.
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

import orjson
import redis.asyncio
import socketio
from aiohttp import web


class _OrjsonJson:
    @staticmethod
    def dumps(obj: Any, **_kw: Any) -> str:
        return orjson.dumps(obj).decode()

    @staticmethod
    def loads(raw: str | bytes, **_kw: Any) -> Any:
        return orjson.loads(raw)


# python-socketio ships no type hints (pyproject.toml lets mypy skip it): its classes and decorators
# are untyped, hence the ignores below.
class QueueingRedisManager(socketio.AsyncRedisManager):  # type: ignore[misc]
    """redis-py's default pool refuses a connection past its cap ("Too many connections") and the
    manager then drops the message; a burst of publishes must queue for a connection instead."""

    def _redis_connect(self) -> None:
        pool = redis.asyncio.BlockingConnectionPool.from_url(self.redis_url, max_connections=64, timeout=30)
        self.redis = redis.asyncio.Redis(connection_pool=pool)
        self.pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        self.connected = True


def create_app(redis_url: str) -> web.Application:
    manager = QueueingRedisManager(redis_url)
    sio = socketio.AsyncServer(async_mode="aiohttp", client_manager=manager, json=_OrjsonJson, logger=False)
    app = web.Application()
    sio.attach(app)

    @sio.event  # type: ignore[untyped-decorator]
    async def connect(sid: str, _environ: dict[str, Any], auth: Any = None) -> None:
        if not isinstance(auth, dict) or not isinstance(auth.get("user"), int):
            raise socketio.exceptions.ConnectionRefusedError("unauthorized")
        await sio.enter_room(sid, f"user:{auth['user']}")

    @sio.event  # type: ignore[untyped-decorator]
    async def send(_sid: str, data: dict[str, Any]) -> dict[str, Any]:
        await sio.emit("message", data, room=f"user:{data['to']}")
        return {"ok": True}

    return app


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--uvloop", action="store_true", help="on uvloop, as Souk's processes run by default")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    loop = None
    if args.uvloop:
        import uvloop

        loop = uvloop.new_event_loop()
    web.run_app(
        create_app(args.redis), host="127.0.0.1", port=args.port, print=None, access_log=None, loop=loop
    )
