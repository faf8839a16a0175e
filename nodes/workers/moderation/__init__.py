"""The moderation domain: users' reports, moderators' handling of them and of pending ads, and the log
of every moderation action.

Command groups: `reports` (file, list, set a status), `listings` (an ad's approval or rejection, done
by the market over NATS) and `overview` (the log and the counts); their SQL in `queries`, who may
moderate in `staff`, the replies built from the rows in `shapes`.
"""

from __future__ import annotations

from nodes.runtime.worker import Domain

# Importing a module registers its handlers.
from . import listings, overview, reports  # noqa: F401
from .deps import ModerationDeps, open_deps
from .handlers import handlers

DOMAIN: Domain[ModerationDeps] = Domain(handlers=handlers, open_deps=open_deps)
