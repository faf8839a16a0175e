"""Who may moderate: moderators and admins (and the system); who may ban: admins (and the system); who
is staff: moderators, admins and managers; anyone else signed in is `forbidden`."""

from __future__ import annotations

from protocols.envelope import Actor, DomainError, ErrorCode, Role

MODERATORS = (Role.MODERATOR, Role.ADMIN, Role.SYSTEM)
ADMINS = (Role.ADMIN, Role.SYSTEM)
STAFF = (Role.ADMIN, Role.MODERATOR, Role.MANAGER)


def require_moderator(actor: Actor) -> int | None:
    """The moderator's user id for the log (None for the system)."""
    if actor.role not in MODERATORS:
        actor.require_user()
        raise DomainError(ErrorCode.FORBIDDEN, "Moderator role required")
    return actor.user_id if actor.signed_in else None


def require_admin(actor: Actor) -> int | None:
    """The admin's user id for the log (None for the system)."""
    if actor.role not in ADMINS:
        actor.require_user()
        raise DomainError(ErrorCode.FORBIDDEN, "Admin role required")
    return actor.user_id if actor.signed_in else None


def require_staff(actor: Actor) -> int:
    """The staff member's user id."""
    if actor.role not in STAFF:
        actor.require_user()
        raise DomainError(ErrorCode.FORBIDDEN, "Staff role required")
    return actor.user_id
