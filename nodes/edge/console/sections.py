"""The console's pages by role, as MillionAvto's "Admin Panel" and issue 19 give them: a moderator
moderates ads and handles reports, a manager sees users and their advisor chats, an admin everything.
The navigation shows a staff member exactly the sections of his role; any other page is 403."""

from __future__ import annotations

from dataclasses import dataclass

from protocols.envelope import Role

from .session import STAFF


@dataclass(frozen=True)
class Section:
    name: str
    title: str
    link: str  # where the navigation leads
    roles: frozenset[Role]


MODERATORS = frozenset({Role.ADMIN, Role.MODERATOR})
MANAGERS = frozenset({Role.ADMIN, Role.MANAGER})
ADMINS = frozenset({Role.ADMIN})

DASHBOARD = Section("dashboard", "Dashboard", "/admin/", STAFF)
USERS = Section("users", "Users", "/admin/users", MANAGERS)
CHATS = Section("chats", "Chats", "/admin/chats", MANAGERS)
ADS = Section("ads", "Ads", "/admin/ads?status=pending", MODERATORS)
REPORTS = Section("reports", "Reports", "/admin/reports", MODERATORS)
BANS = Section("bans", "Bans", "/admin/bans", ADMINS)
CATEGORIES = Section("categories", "Categories", "/admin/categories", ADMINS)
VEHICLES = Section("vehicles", "Vehicle references", "/admin/vehicles", ADMINS)
LOCATIONS = Section("locations", "Locations", "/admin/locations", ADMINS)
BANNERS = Section("banners", "Banners", "/admin/banners", ADMINS)
REALTY = Section("realty", "Realty", "/admin/realty", ADMINS)
GARAGE = Section("garage", "Garage", "/admin/garage", ADMINS)
AUDIT = Section("audit", "Audit log", "/admin/audit", ADMINS)
# Signing out is every staff member's, and no page of the navigation.
SIGN_OUT = Section("sign_out", "Sign out", "/admin/logout", STAFF)
# The waiting work's event stream (the badges of Ads and Reports): no page of the navigation either.
LIVE = Section("live", "Waiting work", "/admin/live", MODERATORS)

NAVIGATION = (
    DASHBOARD, USERS, CHATS, ADS, REPORTS, BANS, CATEGORIES, VEHICLES, LOCATIONS, BANNERS, REALTY,
    GARAGE, AUDIT,
)  # fmt: skip


def navigation(role: Role) -> list[Section]:
    return [section for section in NAVIGATION if role in section.roles]
