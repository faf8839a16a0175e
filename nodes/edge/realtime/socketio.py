"""The platform's own real-time protocol: Socket.IO at `/socket.io/`, authenticated on connect."""

from __future__ import annotations

import logging
from typing import Any

import socketio
from aiohttp import web

from nodes.edge.auth import InvalidToken, TokenVerifier

log = logging.getLogger(__name__)


def attach_socketio(app: web.Application, verifier: TokenVerifier, cors_origins: tuple[str, ...]) -> Any:
    """Mount an AsyncServer on the app; a connection without a valid access token is refused."""
    sio = socketio.AsyncServer(
        async_mode="aiohttp",
        cors_allowed_origins=list(cors_origins) or [],
        json=_OrjsonJson,
        max_http_buffer_size=1_000_000,
        logger=False,
        engineio_logger=False,
    )
    sio.attach(app, socketio_path="/socket.io/")

    @sio.event  # type: ignore[untyped-decorator]
    async def connect(sid: str, _environ: dict[str, Any], auth: Any = None) -> None:
        token = auth.get("token") if isinstance(auth, dict) else None
        if not isinstance(token, str):
            raise socketio.exceptions.ConnectionRefusedError("unauthorized")
        try:
            actor = verifier.verify_access(token)
        except InvalidToken:
            raise socketio.exceptions.ConnectionRefusedError("unauthorized") from None
        await sio.save_session(sid, {"actor": actor})

    return sio


class _OrjsonJson:
    """python-socketio's pluggable JSON module, backed by orjson."""

    @staticmethod
    def dumps(obj: Any, **_kw: Any) -> str:
        import orjson

        return orjson.dumps(obj).decode()

    @staticmethod
    def loads(raw: str | bytes, **_kw: Any) -> Any:
        import orjson

        return orjson.loads(raw)
