"""When a missing key in the connections bucket may be believed: the user has no connection left.

Keys go missing without their users leaving when the bucket could not take the edges' renewals for a
while (no leader, no quorum: keys expire one by one), when it came back empty (an in-memory bucket
whose nats-server restarted), or when a new leader took it over before it had caught up. In each case
every live edge writes its keys again within `rewritten_within_s` of the bucket's taking writes again.
So an absence is held, not announced, until that long after the later of two moments:

- the stream's current leader was elected (or, on one server, the bucket was created), read from the
  stream's own info (`KeyListing.serving_since`);
- the end of the last trouble a presence worker saw with the bucket: a sweep whose write to it or
  listing of it failed. Each worker remembers its own (`Troubles`, starting at the worker's start:
  what came before is unknown to it), and each sweep's write to `PROBE_KEY` shares the latest end
  any worker saw.

A user announced online after both moments had every key written since, so their absence is real.
And no absence is held longer than one TTL from when this worker first saw it: troubles that keep
coming back (the sweeps of a badly loaded machine timing out) must not keep a user online for good.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import orjson
from nats.js.errors import KeyNotFoundError

from nodes.runtime.settings import Settings

if TYPE_CHECKING:  # deps holds this module's Troubles
    from .deps import PresenceDeps

# Not `<user>.<edge>`: the sweep leaves it out of the users it counts, and no user's pattern matches it.
PROBE_KEY = "sweep.probe"
NO_TROUBLE = datetime.min.replace(tzinfo=UTC)


class Troubles:
    """This process's part: when the last trouble with the connections bucket it saw ended, or None
    while it lasts; and since when it has held each absence it holds."""

    def __init__(self) -> None:
        self.ended: datetime | None = datetime.now(UTC)  # what came before this process is unknown
        self.holding: dict[int, datetime] = {}

    def holds_still(self, user_id: int, now: datetime, longest: timedelta) -> bool:
        """Whether an absence held since it was first seen may be held on; troubles that keep coming
        back (a loaded machine's timeouts, say) must not hold an absence for good: one TTL at most,
        within which a live edge has renewed its keys unless the bucket refused every renewal."""
        since = self.holding.setdefault(user_id, now)
        if now - since < longest:
            return True
        del self.holding[user_id]
        return False

    def released(self, user_id: int) -> None:
        self.holding.pop(user_id, None)

    def keep_only(self, user_ids: set[int]) -> None:
        """Forget the absences not seen any more (the user is back, or was announced offline)."""
        for user_id in set(self.holding) - user_ids:
            del self.holding[user_id]

    def began(self) -> None:
        self.ended = None

    def as_of(self, now: datetime) -> datetime:
        """When it ended; `now` while it lasts."""
        return now if self.ended is None else self.ended


@dataclass(frozen=True)
class TroubleRecord:
    """What `PROBE_KEY` holds: the latest end of a trouble that any presence worker saw."""

    ended: datetime

    def encode(self) -> bytes:
        return orjson.dumps({"ended": self.ended})

    @classmethod
    def decode(cls, raw: bytes) -> TroubleRecord:
        return cls(ended=datetime.fromisoformat(orjson.loads(raw)["ended"]))


async def _shared(deps: PresenceDeps) -> datetime:
    try:
        entry = await deps.connections.get(PROBE_KEY)
    except KeyNotFoundError:
        return NO_TROUBLE
    return TroubleRecord.decode(entry.value).ended if entry.value else NO_TROUBLE


async def sweep_writes(deps: PresenceDeps) -> datetime:
    """The sweep's write to the bucket, which shows that it takes writes; the end of the latest
    trouble any worker saw. When the bucket cannot take it, the trouble is remembered and this raises."""
    try:
        now = datetime.now(UTC)
        ended = max(await _shared(deps), deps.troubles.as_of(now))
        await deps.connections.put(PROBE_KEY, TroubleRecord(ended=ended).encode())
    except Exception:
        deps.troubles.began()
        raise
    deps.troubles.ended = deps.troubles.as_of(now)
    return ended


async def writes_since(deps: PresenceDeps) -> datetime:
    """For an edge's report: the end of the latest trouble known (now, while this worker sees one)."""
    return max(await _shared(deps), deps.troubles.as_of(datetime.now(UTC)))


def absence_held(
    settings: Settings, troubles: Troubles, user_id: int, announced_at: datetime, trusted_from: datetime
) -> bool:
    """Whether a user announced online at `announced_at` may lack keys only because the bucket's
    trouble ended at `trusted_from`, and the edges have not all written theirs again yet (for at most
    one TTL from the absence's first sighting)."""
    now = datetime.now(UTC)
    rewritten_by = trusted_from + timedelta(seconds=settings.presence.rewritten_within_s)
    if announced_at < trusted_from and now < rewritten_by:
        return troubles.holds_still(user_id, now, timedelta(seconds=settings.presence.ttl_s))
    troubles.released(user_id)
    return False
