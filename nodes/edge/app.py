"""The edge app factory: middleware, every surface, operator routes, docs, the operators' console
(`/admin`) and Socket.IO."""

from __future__ import annotations

import socket

from aiohttp import web

from nodes.runtime.bus import Bus
from nodes.runtime.ratelimit import RateLimiter
from nodes.runtime.settings import Settings

from . import ops, signed_uploads
from .auth import KeyRing, TokenVerifier
from .console import setup_console
from .cors import cors_middleware
from .docs import setup_docs
from .http import Endpoint, SurfaceRoutes
from .media import setup_media
from .middleware import authenticate, errors, request_context, secure_responses
from .plain_text import plain_text
from .realtime.hub import DeliveryHub
from .realtime.presence import PresenceBeacon
from .realtime.socketio import attach_socketio
from .realtime.sse import setup_sse
from .realtime.ws import close_websockets
from .state import BUS, ENDPOINTS, HUB, KEYRING, LIMITER, NODE_NAME, ROUTE_ENDPOINTS, SETTINGS, VERIFIER
from .surfaces import ALL as SURFACES
from .surfaces.garage.owners import setup_vehicle_owners


def mount(app: web.Application, groups: tuple[SurfaceRoutes, ...]) -> None:
    endpoints = [endpoint for group in groups for endpoint in group.endpoints]
    for endpoint in endpoints:
        route = app.router.add_route(endpoint.method, endpoint.path, endpoint.handler)
        app[ROUTE_ENDPOINTS][route] = endpoint
        app[ENDPOINTS].append(endpoint)
    # The contracts' documents write some paths with a trailing slash and some without, and clients
    # follow them either way: every path also answers at its twin (the slash dropped or added),
    # served there rather than redirected (a client need not resend its body and token), unless a
    # route of its own is there. Registered after all the documented paths, so those always win.
    taken = {(endpoint.method, endpoint.path) for endpoint in endpoints}
    for endpoint in endpoints:
        twin = slash_twin(endpoint.path)
        if twin and (endpoint.method, twin) not in taken:
            taken.add((endpoint.method, twin))
            app[ROUTE_ENDPOINTS][app.router.add_route(endpoint.method, twin, endpoint.handler)] = endpoint


def slash_twin(path: str) -> str | None:
    if path == "/":
        return None
    return path[:-1] if path.endswith("/") else path + "/"


def create_app(
    settings: Settings, bus: Bus, keyring: KeyRing, *, node_name: str | None = None
) -> web.Application:
    """An edge serving every contract; `keyring` must already be loaded (see `KeyRing.watch`), and
    `bus` connected with `echo=False` (see `DeliveryHub.share`)."""
    if bus.hears_itself:
        raise ValueError("an edge's bus must not hear its own publishes: Bus.connect(..., echo=False)")
    app = web.Application(
        client_max_size=settings.edge.max_body_bytes,
        middlewares=[
            request_context,
            cors_middleware(settings.edge.cors_origins),
            errors,
            plain_text,
            authenticate,
        ],
    )
    verifier = TokenVerifier(keyring, settings.auth)
    secure_responses(app, settings.edge)
    app[SETTINGS] = settings
    app[BUS] = bus
    app[LIMITER] = RateLimiter(bus)
    app[KEYRING] = keyring
    app[VERIFIER] = verifier
    app[NODE_NAME] = node_name or f"edge@{socket.gethostname()}:{settings.edge.port}"
    app[ENDPOINTS] = []
    app[ROUTE_ENDPOINTS] = {}
    mount(app, (ops.routes, signed_uploads.routes, *SURFACES))
    setup_media(app)
    setup_docs(app)
    setup_console(app)
    setup_vehicle_owners(app)
    beacon = PresenceBeacon(bus, app[NODE_NAME], settings.presence)
    app[HUB] = hub = DeliveryHub(bus, beacon)

    async def close_realtime(_app: web.Application) -> None:
        await beacon.close()  # before the hub: its users leave while the bus still carries the news
        await hub.close()

    async def presence_goes_quiet(_app: web.Application) -> None:
        beacon.shutting_down()

    app.on_shutdown.append(presence_goes_quiet)  # first: before the transports close their connections
    app.on_cleanup.append(close_realtime)
    attach_socketio(app, verifier, bus, hub, settings.edge.cors_origins)
    setup_sse(app)
    app.on_shutdown.append(close_websockets)
    return app


def endpoints(app: web.Application) -> list[Endpoint]:
    return app[ENDPOINTS]
