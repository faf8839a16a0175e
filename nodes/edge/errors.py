"""Each contract's error body, and how a domain error code maps to an HTTP status."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from protocols.envelope import DomainError, ErrorCode

T = TypeVar("T")

STATUS_OF: dict[ErrorCode, int] = {
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.CONFLICT: 409,
    ErrorCode.VALIDATION: 400,
    ErrorCode.UNAUTHORIZED: 401,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.UNAVAILABLE: 503,
    ErrorCode.INTERNAL: 500,
}

CODE_OF_STATUS: dict[int, ErrorCode] = {status: code for code, status in STATUS_OF.items()}
CODE_OF_STATUS[422] = ErrorCode.VALIDATION
CODE_OF_STATUS[413] = ErrorCode.VALIDATION
CODE_OF_STATUS[405] = ErrorCode.NOT_FOUND


async def found_or_none(reply: Awaitable[T]) -> T | None:
    """A worker's reply, or None where it answers not-found; any other error passes."""
    return await none_where(ErrorCode.NOT_FOUND, reply)


async def none_where(code: ErrorCode, reply: Awaitable[T]) -> T | None:
    """A worker's reply, or None where it answers `code`; any other error passes."""
    try:
        return await reply
    except DomainError as exc:
        if exc.code is not code:
            raise
        return None


@contextmanager
def not_found_says(message: str) -> Iterator[None]:
    """A not-found raised inside, reworded as the contract words it."""
    try:
        yield
    except DomainError as exc:
        if exc.code is not ErrorCode.NOT_FOUND:
            raise
        raise DomainError(ErrorCode.NOT_FOUND, message) from None


# (status, code, message, details) -> body
ErrorFormat = Callable[[int, ErrorCode, str, dict[str, Any]], dict[str, Any]]


def detail_only(_status: int, _code: ErrorCode, message: str, details: dict[str, Any]) -> dict[str, Any]:
    """FastAPI's shape: MillionAvto and Realty."""
    errors = details.get("errors")
    return {"detail": errors if errors else message}
