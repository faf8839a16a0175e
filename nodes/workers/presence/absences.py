"""When a missing key in the connections bucket may be believed: the user has no connection left.

Keys go missing without their users leaving when the bucket could not take the edges' renewals for a
while (no leader, no quorum: keys expire one by one), when it came back empty (an in-memory bucket
whose nats-server restarted), or when a new leader took it over before it had caught up. In each case
every live edge writes its keys again within `rewritten_within_s` of the bucket's taking writes again.
So an absence is held, not announced, until that long after the later of two moments:

- the stream's current leader was elected (or, on one server, the bucket was created), read from the
  stream's own info (`KeyListing.serving_since`);
- every sweep since then got its write through: each sweep puts `PROBE_KEY` with the moment its
  unbroken run of writes began, and a run whose last write is older than a sweep or two starts again
  (a run with no record at all, before the first sweep, counts as unbroken).

A user announced online after both moments had every key written since, so their absence is real.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import orjson
from nats.js.errors import KeyNotFoundError

from nodes.runtime.settings import Settings

from .deps import PresenceDeps

# Not `<user>.<edge>`: the sweep leaves it out of the users it counts, and no user's pattern matches it.
PROBE_KEY = "sweep.probe"
NO_TROUBLE = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class WriteRun:
    """What `PROBE_KEY` holds: since when the sweeps' writes went through, and the last one's time."""

    since: datetime
    last: datetime

    def encode(self) -> bytes:
        return orjson.dumps({"since": self.since, "last": self.last})

    @classmethod
    def decode(cls, raw: bytes) -> WriteRun:
        fields = orjson.loads(raw)
        return cls(since=datetime.fromisoformat(fields["since"]), last=datetime.fromisoformat(fields["last"]))


def _longest_gap(settings: Settings) -> timedelta:
    """Two sweeps' writes further apart than this may have an outage between them."""
    return timedelta(
        seconds=max(settings.presence.renew_every_s, 2 * settings.scheduler.presence_sweep_interval_s)
    )


async def _last_run(deps: PresenceDeps) -> WriteRun | None:
    try:
        entry = await deps.connections.get(PROBE_KEY)
    except KeyNotFoundError:
        return None
    return WriteRun.decode(entry.value) if entry.value else None


def _run_since(settings: Settings, last: WriteRun | None, now: datetime) -> datetime:
    if last is None:
        return NO_TROUBLE  # no sweep wrote within a TTL (none ran yet): nothing says there was trouble
    if now - last.last > _longest_gap(settings):
        return now  # the sweeps stopped getting through, as in an outage: a new run starts
    return last.since


async def sweep_writes(deps: PresenceDeps) -> datetime:
    """The sweep's acknowledged write; since when the bucket has taken writes without a gap.
    Raises as any KV write does while the bucket cannot take it."""
    now = datetime.now(UTC)
    since = _run_since(deps.settings, await _last_run(deps), now)
    await deps.connections.put(PROBE_KEY, WriteRun(since=since, last=now).encode())
    return since


async def writes_since(deps: PresenceDeps) -> datetime:
    """For an edge's report: since when the sweeps' writes went through, as far as they tell."""
    return _run_since(deps.settings, await _last_run(deps), datetime.now(UTC))


def absence_held(settings: Settings, announced_at: datetime, trusted_from: datetime) -> bool:
    """Whether a user announced online at `announced_at` may lack keys only because the bucket's
    trouble ended at `trusted_from`, and the edges have not all written theirs again yet."""
    rewritten_by = trusted_from + timedelta(seconds=settings.presence.rewritten_within_s)
    return announced_at < trusted_from and datetime.now(UTC) < rewritten_by
