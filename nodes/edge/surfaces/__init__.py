"""One module per contract (`routes`, a SurfaceRoutes), and one per further part of a contract
(its chat endpoints, live endpoints, FreeMarket's notifications and events)."""

from __future__ import annotations

from nodes.edge.http import SurfaceRoutes

from . import (
    advisor,
    advisor_chat,
    advisor_stream,
    autos,
    autos_chat,
    autos_ws,
    barter,
    barter_chat,
    barter_events,
    barter_notifications,
    barter_ws,
    garage,
    garage_chat,
    garage_ws,
    realty,
    realty_chat,
    realty_ws,
)

ALL: tuple[SurfaceRoutes, ...] = (
    autos.routes,
    autos_chat.routes,
    autos_ws.routes,
    barter.routes,
    barter_chat.routes,
    barter_notifications.routes,
    barter_ws.routes,
    barter_events.routes,
    advisor.routes,
    advisor_chat.routes,
    advisor_stream.routes,
    realty.routes,
    realty_chat.routes,
    realty_ws.routes,
    garage.routes,
    garage_chat.routes,
    garage_ws.routes,
)
