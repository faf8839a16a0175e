"""The garage domain: Membership Auto's vehicles and the dongles linked to them, and its service side:
locations, appointments, memberships, offers and referral rewards.

Command groups: `vehicles` (the owners' public ids, asked of identity once each, in `owners`),
`locations`, `appointments` (a location's day cut into slots: `slots`), `reminders` (scheduled),
`memberships`, `offers`, `referrals` and `staff_lists` (the console's tables); their SQL in `queries`; who counts as staff in `staff`.
"""

from __future__ import annotations

from nodes.runtime.worker import Domain

# Importing a module registers its handlers.
from . import (  # noqa: F401
    appointments,
    locations,
    memberships,
    offers,
    referrals,
    reminders,
    staff_lists,
    vehicles,
)
from .deps import GarageDeps, open_deps
from .handlers import handlers

DOMAIN: Domain[GarageDeps] = Domain(handlers=handlers, open_deps=open_deps)
