"""Typed keys for what the edge app and its requests hold."""

from __future__ import annotations

from aiohttp import web

from nodes.runtime.bus import Bus
from nodes.runtime.media import MediaStore
from nodes.runtime.ratelimit import RateLimiter
from nodes.runtime.settings import Settings
from protocols.envelope import Actor

from .auth import KeyRing, TokenVerifier
from .http import Endpoint
from .realtime.hub import DeliveryHub

BUS = web.AppKey("bus", Bus)
SETTINGS = web.AppKey("settings", Settings)
KEYRING = web.AppKey("keyring", KeyRing)
VERIFIER = web.AppKey("verifier", TokenVerifier)
# Limits a contract names for one surface (FreeMarket's refresh, say), shared by every edge.
LIMITER = web.AppKey("limiter", RateLimiter)
ENDPOINTS = web.AppKey("endpoints", list[Endpoint])
# Which declared endpoint a matched aiohttp route serves (for its contract's error format).
ROUTE_ENDPOINTS = web.AppKey("route_endpoints", dict[web.AbstractRoute, Endpoint])
NODE_NAME = web.AppKey("node_name", str)
# Live connections by user on this edge, and its rt.user subscriptions.
HUB = web.AppKey("delivery_hub", DeliveryHub)
# Where uploads are stored (`[media]`), shared with every other edge and the market workers.
MEDIA_STORE = web.AppKey("media_store", MediaStore)

# Request-scoped values.
ACTOR = web.RequestKey[Actor | None]("actor")
ENDPOINT = web.RequestKey[Endpoint | None]("endpoint")
REQUEST_ID = web.RequestKey("request_id", str)


def actor_of(request: web.Request) -> Actor | None:
    return request.get(ACTOR)
