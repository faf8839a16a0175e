"""Membership Auto (004) "Referrals": `GET /api/referrals/me/`.

`{"code", "link", "referrals"}`: the member's referral code, his link (`[garage] referral_link_base`
and the code), and every member who registered with the code (`POST /api/auth/register/` with
`referralCode`), newest first: `id`, `referrerUser` and `referredUser` (account ids), `code`,
`status`, `rewardsApplied`, `createdAt` (when the referred member registered). A referral is `pending`
until the referred member's first appointment is completed; then `credited`, once, and
`rewardsApplied` says what the referrer was given (`{"rewardsBalance": 25}`: his account's
`rewardsBalance` grew by `[garage] referral_reward`).
"""

from __future__ import annotations

from datetime import datetime

from aiohttp import web

from nodes.edge.http import SurfaceRoutes
from nodes.edge.session_http import require_actor
from nodes.edge.state import BUS, SETTINGS
from protocols.garage_members import GetReferrals, Referral, ReferralStatus

from .errors import SURFACE
from .shapes import CamelModel, camel

routes = SurfaceRoutes(SURFACE)


class ReferralOut(CamelModel):
    id: str
    referrer_user: str
    referred_user: str
    code: str
    status: ReferralStatus
    rewards_applied: dict[str, int]
    created_at: datetime


class ReferralsOut(CamelModel):
    code: str | None
    link: str | None
    referrals: list[ReferralOut]


def referral_out(referral: Referral) -> ReferralOut:
    return ReferralOut(
        id=referral.id, referrer_user=referral.referrer_public_id, referred_user=referral.referred_public_id,
        code=referral.code, status=referral.status, rewards_applied=referral.rewards_applied,
        created_at=referral.created_at,
    )  # fmt: skip


@routes.get("/api/referrals/me/", auth=True, responses={200: ReferralsOut, 401: None})
async def my_referrals(request: web.Request) -> web.Response:
    """Get referral info: the member's code, link and referrals."""
    found = await request.app[BUS].request(GetReferrals(), actor=require_actor(request))
    link = request.app[SETTINGS].garage.referral_link_base + found.code if found.code else None
    return camel(ReferralsOut(code=found.code, link=link, referrals=[referral_out(r) for r in found.items]))
