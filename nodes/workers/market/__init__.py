"""The market domain: listings (vehicle ads for now) with their lifecycle, their views, what users
keep of them (favourites, comparison, browsing history), and banners.

Command groups: `ads` (create, edit, delete, read, list), `media` (images and videos), `views`,
`moderation`, `saved` (favourites and comparison), `history` and `banners`; their SQL in `queries`,
the checks of an ad's references with the catalog in `references`, the reply built from the rows in
`shapes`.
"""

from __future__ import annotations

from nodes.runtime.worker import Domain

# Importing a module registers its handlers.
from . import ads, banners, history, media, moderation, saved, views  # noqa: F401
from .deps import MarketDeps, open_deps
from .handlers import handlers

DOMAIN: Domain[MarketDeps] = Domain(handlers=handlers, open_deps=open_deps)
