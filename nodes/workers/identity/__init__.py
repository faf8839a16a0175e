"""The identity domain: accounts, profiles, credentials, sessions, phone codes, mailed links and bans.

One module per group of commands (accounts, profiles, dealers, credentials, sessions, codes, links,
bans, staff: others' accounts for the console), their SQL in `queries`; beside them what those need: token signing (keys), revocation
announcements, rate limits, password hashing, mail and SMS senders.
"""

from __future__ import annotations

from nodes.runtime.worker import Domain

# Importing a module registers its handlers.
from . import accounts, bans, codes, credentials, dealers, links, profiles, sessions, staff  # noqa: F401
from .deps import IdentityDeps, open_deps
from .handlers import handlers

DOMAIN: Domain[IdentityDeps] = Domain(handlers=handlers, open_deps=open_deps)
