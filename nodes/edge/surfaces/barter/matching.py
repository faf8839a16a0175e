"""FreeMarket (seeds/001): its matching endpoints, on the matching domain (protocols.matching).

- `POST /api/matching/run-pipeline` `{"user_id": null}`: everyone's run is for admins; a user runs it
  for himself (his own id); anyone else's id is 403. It answers when the run is done:
  `{bilateral_matches, exchange_chains, total_participants, errors}`, the exchanges this run created
  (the participants are notified: `bilateral_match`, `chain_proposal`).
- `GET /api/matching/status`: the last finished run (`status` `success` or `failed`, or `never` with
  `last_run` null before the first); no token needed, as documented.
- `POST /api/matching/test-flow` `{"scenario"}`: admins only. Each scenario runs the real engine on
  entries built in memory (never real users' listings, nothing stored) and `passed` says whether the
  engine's answer is the one the scenario expects.

Choices where the document is silent: the run needs the token (it changes things); `user_id` left out
is null. A run waits for the engine up to `[matching] solver_time_limit_s`.
"""

from __future__ import annotations

from datetime import datetime

from aiohttp import web
from pydantic import BaseModel

from nodes.edge.http import SurfaceRoutes, json_response, read_body
from nodes.edge.session_http import require_actor
from nodes.edge.state import BUS, SETTINGS
from protocols.envelope import Actor
from protocols.fields import Id
from protocols.matching import GetMatchingStatus, RunPipeline, RunTestFlow, TestScenario

from .errors import SURFACE

routes = SurfaceRoutes(SURFACE)
# Beyond the solver's own limit: reading the pool, storing what it chose, telling people.
RUN_MARGIN_S = 30.0


class RunBody(BaseModel):
    user_id: Id | None = None


class RunOut(BaseModel):
    bilateral_matches: int
    exchange_chains: int
    total_participants: int
    errors: list[str]


class StatusOut(BaseModel):
    last_run: datetime | None
    bilateral_matches: int
    chains_discovered: int
    participants_notified: int
    status: str


class TestFlowBody(BaseModel):
    scenario: TestScenario


class TestFlowOut(BaseModel):
    test: TestScenario
    passed: bool
    matches_found: int
    details: str


def run_timeout(request: web.Request) -> float:
    return request.app[SETTINGS].matching.solver_time_limit_s + RUN_MARGIN_S


@routes.post("/api/matching/run-pipeline", body=RunBody, auth=True,
             responses={200: RunOut, 400: None, 401: None, 403: None})  # fmt: skip
async def run_pipeline(request: web.Request) -> web.Response:
    """Run the matching pipeline for one user (yourself) or, for admins, everyone (`user_id` null)."""
    body = await read_body(request, RunBody)
    actor = require_actor(request)
    cmd = RunPipeline(user_id=body.user_id)
    done = await request.app[BUS].request(cmd, actor=actor, timeout=run_timeout(request))
    return json_response(RunOut(
        bilateral_matches=done.bilateral_matches, exchange_chains=done.exchange_chains,
        total_participants=done.total_participants, errors=done.errors,
    ))  # fmt: skip


@routes.get("/api/matching/status", responses={200: StatusOut})
async def status(request: web.Request) -> web.Response:
    """The status of the last matching run."""
    last = await request.app[BUS].request(GetMatchingStatus(), actor=Actor.anonymous())
    return json_response(StatusOut.model_validate(last.model_dump()))


@routes.post("/api/matching/test-flow", body=TestFlowBody, auth=True,
             responses={200: TestFlowOut, 400: None, 401: None, 403: None})  # fmt: skip
async def test_flow(request: web.Request) -> web.Response:
    """Run a matching scenario on sample data built in memory (admins)."""
    body = await read_body(request, TestFlowBody)
    cmd = RunTestFlow(scenario=body.scenario)
    done = await request.app[BUS].request(cmd, actor=require_actor(request), timeout=run_timeout(request))
    return json_response(TestFlowOut.model_validate(done.model_dump()))
