"""The moderation domain: users' reports, moderators' handling of them and of pending ads, bans, and
the log of every moderation action.

Command groups: `reports` (file, list, read, set a status), `resolutions` (close a report and do what
its resolution says: through the market, notify and identity), `listings` (an ad's approval or
rejection, done by the market over NATS), `bans` (done by identity, recorded here: given, listed,
lifted), `overview` (the log, the counts, the dashboard, reports received) and `console` (staff
sign-ins and sign-outs in the log); their SQL in `queries` and `ban_queries`, who may moderate in
`staff`, the replies built from the rows in `shapes`.
"""

from __future__ import annotations

from nodes.runtime.worker import Domain

# Importing a module registers its handlers.
from . import bans, console, listings, overview, reports, resolutions  # noqa: F401
from .deps import ModerationDeps, open_deps
from .handlers import handlers

DOMAIN: Domain[ModerationDeps] = Domain(handlers=handlers, open_deps=open_deps)
