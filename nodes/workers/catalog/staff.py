"""What every admin's write in the catalog shares: the role it needs (an admin, or the system), how a
field's wrong value is answered (a `validation` error naming it, as the edges reword it), and a write
of the vehicle references or places committed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from protocols.envelope import Actor, DomainError, ErrorCode, Message, Role

from .deps import CatalogDeps

M = TypeVar("M", bound=Message)

ADMINS = (Role.ADMIN, Role.SYSTEM)


def require_admin(actor: Actor) -> None:
    if actor.role in ADMINS:
        return
    actor.require_user()
    raise DomainError(ErrorCode.FORBIDDEN, "Admin role required")


def invalid(field: str, message: str) -> DomainError:
    error = {"type": "value_error", "loc": [field], "msg": message}
    return DomainError(ErrorCode.VALIDATION, f"{field}: {message}", {"errors": [error]})


def check_years(year_from: int | None, year_to: int | None) -> None:
    if year_from is not None and year_to is not None and year_to < year_from:
        raise invalid("year_to", "may not be before year_from")


async def saved(
    deps: CatalogDeps,
    save: Callable[[AsyncSession], Awaitable[M | None]],
    *,
    then: Callable[[M], Awaitable[None]],
    missing: str,
    conflict: str = "Changed meanwhile: try again",
) -> M:
    """`save`'s reply, committed, and `then` told of it (the caches). `save` checks what it writes and
    answers the row as it goes on the wire, or None when the row it was to change is not there. A key
    the checks did not see taken (a race) is a `conflict`."""
    async with deps.db() as db:
        try:
            reply = await save(db)
            if reply is None:
                raise DomainError(ErrorCode.NOT_FOUND, missing)
            await db.commit()
        except IntegrityError:
            raise DomainError(ErrorCode.CONFLICT, conflict) from None
    await then(reply)
    return reply
