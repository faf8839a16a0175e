"""Who runs the service network: moderators, managers and admins (and the system). They manage
locations, offers and memberships and complete appointments; anyone else signed in is `forbidden`.
The console's tables of every member's data (`staff_lists`) are for admins only."""

from __future__ import annotations

from protocols.envelope import Actor, DomainError, ErrorCode, Role

STAFF = (Role.MODERATOR, Role.MANAGER, Role.ADMIN, Role.SYSTEM)
STAFF_ONLY = "Staff only"


def require_staff(actor: Actor) -> None:
    if actor.role not in STAFF:
        actor.require_user()  # no token at all is `unauthorized`
        raise DomainError(ErrorCode.FORBIDDEN, STAFF_ONLY)


def require_admin(actor: Actor) -> None:
    if actor.role is not Role.ADMIN:
        actor.require_user()
        raise DomainError(ErrorCode.FORBIDDEN, "Admin role required")
