"""MillionAvto (000): a dealer's company profile. The document gives dealers "a company profile"
(Admin Roles) but no path for it; these two are Souk's, beside the user's own profile:

- `GET /api/v1/users/me/dealer-profile`: `{user_id, company_name, address, phone, logo_url,
  updated_at}`; 404 until the dealer has set it.
- `PUT /api/v1/users/me/dealer-profile`: `{company_name, address?, phone?, logo_url?}`, written whole
  (a field left out is cleared); 200 with the profile.

A dealer account only (its token's role); any other account gets 403, no token 401, a body failing
its schema 422. Every ad of a dealer shows its company as `dealer: {company_name, phone, logo_url}`
(`null` until set, and on a private seller's ad).
"""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel

from nodes.edge.http import SurfaceRoutes, json_response
from nodes.edge.kit.fastapi import answers_422, body_of
from nodes.edge.session_http import require_actor
from nodes.edge.state import BUS
from protocols.fields import Address, CompanyName, Phone, Url
from protocols.identity import DealerProfile, GetDealerProfile, SetDealerProfile

from .errors import SURFACE

routes = SurfaceRoutes(SURFACE)

PATH = "/api/v1/users/me/dealer-profile"


class DealerProfileBody(BaseModel):
    company_name: CompanyName
    address: Address | None = None
    phone: Phone | None = None
    logo_url: Url | None = None


@routes.get(PATH, auth=True, responses={200: DealerProfile, 401: None, 403: None, 404: None})
async def get_dealer_profile(request: web.Request) -> web.Response:
    """Get my company profile (dealers)."""
    actor = require_actor(request)
    return json_response(await request.app[BUS].request_json(GetDealerProfile(), actor=actor))


@routes.put(PATH, auth=True, body=DealerProfileBody,
            responses={200: DealerProfile, 401: None, 403: None, 422: None})  # fmt: skip
@answers_422
async def set_dealer_profile(request: web.Request) -> web.Response:
    """Set my company profile (dealers): name, address, phone, logo URL."""
    actor = require_actor(request)
    body = await body_of(request, DealerProfileBody)
    cmd = SetDealerProfile(**body.model_dump())
    return json_response(await request.app[BUS].request_json(cmd, actor=actor))
