"""How a user is named to other people, on every contract that shows a name."""

from __future__ import annotations

from protocols.identity import UserProfile


def display_name(user: UserProfile) -> str | None:
    if user.full_name:
        return user.full_name
    joined = " ".join(part for part in (user.first_name, user.last_name) if part)
    return joined or None
