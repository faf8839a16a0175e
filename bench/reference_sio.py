"""The benchmark's reference: python-socketio alone on an aiohttp node, scaled out with its
AsyncRedisManager, relaying the same traffic as Souk but storing nothing.

    python bench/reference_sio.py --port 9001 [--redis redis://127.0.0.1:6379/0]

A client connects with `auth={"user": <id>}` and joins its user's room; `send` {to, ...} is emitted
as `message` to the `to` user's room (on whichever node holds it, through Redis) and acked.
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

import orjson
import socketio
from aiohttp import web


class _OrjsonJson:
    @staticmethod
    def dumps(obj: Any, **_kw: Any) -> str:
        return orjson.dumps(obj).decode()

    @staticmethod
    def loads(raw: str | bytes, **_kw: Any) -> Any:
        return orjson.loads(raw)


def create_app(redis_url: str) -> web.Application:
    # redis-py caps its async pool; a burst of publishes must queue for a connection, not fail.
    manager = socketio.AsyncRedisManager(redis_url, redis_options={"max_connections": 4096})
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
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    web.run_app(create_app(args.redis), host="127.0.0.1", port=args.port, print=None, access_log=None)
