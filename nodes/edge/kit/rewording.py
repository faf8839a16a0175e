"""A worker's error (or a reader's) as a contract words it: another code, message or details where the
contract documents its own, the rest passed on as they are."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from typing import Any

from protocols.envelope import DomainError, ErrorCode

# The contract's error in place of this one; None: this one stands.
Reword = Callable[[DomainError], DomainError | None]


def when(
    codes: ErrorCode | Collection[ErrorCode],
    code: ErrorCode | None = None,
    message: str | None = None,
    details: dict[str, Any] | None = None,
    *,
    naming: str | None = None,
) -> Reword:
    """Errors of `codes` (only those whose details name the field `naming`, if given) become `code`
    with `message` and `details`; what is left None keeps the error's own."""
    wanted = {codes} if isinstance(codes, ErrorCode) else set(codes)

    def reword(exc: DomainError) -> DomainError | None:
        if exc.code not in wanted or (naming is not None and exc.details.get("field") != naming):
            return None
        return DomainError(
            code or exc.code, message or exc.message, exc.details if details is None else details
        )

    return reword


@contextmanager
def reworded(*rewords: Reword) -> Iterator[None]:
    """A DomainError raised inside, as the first of `rewords` that takes it words it."""
    try:
        yield
    except DomainError as exc:
        for reword in rewords:
            better = reword(exc)
            if better is not None:
                raise better from None
        raise
