"""Membership Auto (car service membership), seeds/004, in DRF's conventions: authentication
(identity.py), support threads over REST (chat.py) and a WebSocket (ws.py), vehicles (vehicles.py)
and their telemetry (telemetry.py), service locations (locations.py), appointments
(appointments.py), offers (offers.py), referrals (referrals.py), presigned uploads (files.py) and the staff's paths (staff.py)."""

from __future__ import annotations

from nodes.edge.http import SurfaceRoutes

from . import (
    appointments,
    chat,
    files,
    identity,
    locations,
    offers,
    referrals,
    staff,
    telemetry,
    vehicles,
    ws,
)
from .errors import SURFACE

ROUTES: tuple[SurfaceRoutes, ...] = (
    identity.routes,
    chat.routes,
    ws.routes,
    vehicles.routes,
    telemetry.routes,
    locations.routes,
    appointments.routes,
    offers.routes,
    referrals.routes,
    staff.routes,
    files.routes,
)

__all__ = ["ROUTES", "SURFACE"]
