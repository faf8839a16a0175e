"""The console's pages by role, as MillionAvto's "Admin Panel" and issue 19 give them: a moderator
moderates ads (and handles reports), a manager sees users and their advisor chats, an admin everything.
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
ADMINS = frozenset({Role.ADMIN})

DASHBOARD = Section("dashboard", "Dashboard", "/admin/", STAFF)
ADS = Section("ads", "Ads", "/admin/ads?status=pending", MODERATORS)
AUDIT = Section("audit", "Audit log", "/admin/audit", ADMINS)
# Signing out is every staff member's, and no page of the navigation.
SIGN_OUT = Section("sign_out", "Sign out", "/admin/logout", STAFF)

NAVIGATION = (DASHBOARD, ADS, AUDIT)


def navigation(role: Role) -> list[Section]:
    return [section for section in NAVIGATION if role in section.roles]
