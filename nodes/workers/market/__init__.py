"""The market domain: listings (vehicle ads for now) with their lifecycle, their views, what users
keep of them (favourites, comparison, browsing history), and banners.

Command groups: `ads` (create, edit, renew, delete, read, list), `search`, `media` (images and
videos), `views`, `moderation`, `expiry` (scheduled), `modification_ads` (active ads summed up per
modification, for the advisor; SQL in `modification_ads_queries`), `saved` (favourites and comparison), `history`,
`banners`, and `staff_ads` (the operators' console: any ad read, deleted, its media managed); their SQL in `queries`. FreeMarket's barter vertical: `barter` (its SQL in
`barter_queries`, what it asks of other domains in `barter_places`). Realty's properties: `properties`, `properties_search`, `properties_since` (the realty worker's catch-up) and `properties_staff` (the console's table); SQL in
`properties_queries`, places in `properties_places`. Beside them: the checks of an ad's references with the catalog
(`references`), the live-ad limits (`limits`), the view counters written in batches (`counters`), and
the reply built from the rows (`shapes`, with the dealers' companies: `dealers`).
"""

from __future__ import annotations

from nodes.runtime.worker import Domain

# Importing a module registers its handlers.
from . import (  # noqa: F401  # noqa: F401
    ads,
    banners,
    barter,
    expiry,
    hidden,
    history,
    media,
    moderation,
    modification_ads,
    properties,
    properties_search,
    properties_since,
    properties_staff,
    saved,
    search,
    staff_ads,
    views,
)
from .deps import MarketDeps, open_deps
from .handlers import handlers

DOMAIN: Domain[MarketDeps] = Domain(handlers=handlers, open_deps=open_deps)
