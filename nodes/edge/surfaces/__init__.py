"""The contracts' surfaces, one package each with the same file names inside (errors.py, shapes.py,
identity.py, chat.py, ws.py, then one module per further section of its document). A package never
imports another's: what two share is in nodes/edge/kit. All of them are registered here, in the
order they are mounted (MillionAvto's `/api/v1/users/me` before Car advisor's `/api/v1/users/{user_id}`)."""

from __future__ import annotations

from nodes.edge.http import SurfaceRoutes

from . import advisor, autos, barter, garage, realty

ALL: tuple[SurfaceRoutes, ...] = (
    *autos.ROUTES,
    *barter.ROUTES,
    *advisor.ROUTES,
    *realty.ROUTES,
    *garage.ROUTES,
)
