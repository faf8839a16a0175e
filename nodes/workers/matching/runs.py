"""Runs: run-pipeline (everyone, or around one user), chain discovery, the scheduler's full run, and
the last run's status.

Choices where the contract is silent:

- Everyone's run is for admins (and the system: the scheduled run); a user runs it for himself only,
  anyone else's id is `forbidden`. A user's run matches the part of the pool around him: the engine
  looks only at what can reach his items and be reached from them.
- Discovery is a run that keeps only exchanges of `min_participants` to `max_participants` people;
  an admin's covers the whole pool, anyone else's the part around him.
- The scheduled run also completes exchanges every participant confirmed whose completion a stopped
  worker left unfinished (exchanges.settle).
"""

from __future__ import annotations

from protocols import matching as wire
from protocols.envelope import Actor, DomainError, ErrorCode, Role

from . import queries
from .deps import MatchingDeps
from .exchanges import settle_confirmed
from .handlers import handlers
from .pipeline import run

STAFF = (Role.ADMIN, Role.SYSTEM)
SETTLED_PER_RUN = 100


def _scope(actor: Actor, user_id: int | None) -> int | None:
    if actor.role in STAFF:
        return user_id
    me = actor.require_user()
    if user_id != me:
        raise DomainError(ErrorCode.FORBIDDEN, "Only admins may run the matching for others")
    return me


def _most(deps: MatchingDeps, asked: int | None) -> int:
    settings = deps.settings.matching
    return min(asked or settings.default_max_participants, settings.max_participants)


@handlers.on(wire.RunPipeline)
async def run_pipeline(cmd: wire.RunPipeline, actor: Actor, deps: MatchingDeps) -> wire.RunReport:
    scope = _scope(actor, cmd.user_id)
    scheduled = actor.role is Role.SYSTEM and scope is None
    if scheduled:
        await settle_confirmed(deps, SETTLED_PER_RUN)
    trigger = wire.RunTrigger.SCHEDULED if scheduled else wire.RunTrigger.PIPELINE
    return await run(deps, trigger, None if scope is None else [scope], 2, _most(deps, cmd.max_participants))


@handlers.on(wire.DiscoverChains)
async def discover_chains(cmd: wire.DiscoverChains, actor: Actor, deps: MatchingDeps) -> wire.RunReport:
    if cmd.min_participants > cmd.max_participants:
        raise DomainError(ErrorCode.VALIDATION, "min_participants must not exceed max_participants")
    scope = None if actor.role in STAFF else actor.require_user()
    most = _most(deps, cmd.max_participants)
    focus = None if scope is None else [scope]
    return await run(deps, wire.RunTrigger.DISCOVER, focus, cmd.min_participants, most)


@handlers.on(wire.GetMatchingStatus)
async def matching_status(
    _cmd: wire.GetMatchingStatus, _actor: Actor, deps: MatchingDeps
) -> wire.MatchingStatus:
    async with deps.read_db() as db:
        last = await queries.last_finished_run(db)
    if last is None:
        return wire.MatchingStatus(
            last_run=None, bilateral_matches=0, chains_discovered=0, participants_notified=0, status="never"
        )
    return wire.MatchingStatus(
        last_run=last.started_at, bilateral_matches=last.bilateral_matches, chains_discovered=last.chains_discovered,
        participants_notified=last.participants_notified, status=last.status,
    )  # fmt: skip
