"""One module per contract (`routes`, a SurfaceRoutes), and one per further part of a contract
(its chat endpoints, FreeMarket's notifications)."""

from __future__ import annotations

from nodes.edge.http import SurfaceRoutes

from . import (
    advisor,
    advisor_chat,
    autos,
    autos_chat,
    barter,
    barter_chat,
    barter_notifications,
    garage,
    garage_chat,
    realty,
    realty_chat,
)

ALL: tuple[SurfaceRoutes, ...] = (
    autos.routes,
    autos_chat.routes,
    barter.routes,
    barter_chat.routes,
    barter_notifications.routes,
    advisor.routes,
    advisor_chat.routes,
    realty.routes,
    realty_chat.routes,
    garage.routes,
    garage_chat.routes,
)
