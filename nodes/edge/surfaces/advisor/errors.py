"""Car advisor's errors: `{"error": {"code", "message", "details"}}` with the document's lowercase
codes (`validation_error`, `not_found`, ...) and, for a bad field, `details: {"field", "reason"}`
(the body is kit/error_bodies.py's: the `/api/v1/auth` paths it shares with MillionAvto carry it too)."""

from __future__ import annotations

from nodes.edge.http import Surface
from nodes.edge.kit.error_bodies import advisor
from nodes.edge.kit.rewording import Reword, when
from protocols.envelope import DomainError, ErrorCode

SURFACE = Surface(name="advisor", title="Car advisor (AI car-selection chat)", error_format=advisor)


def invalid(field: str, reason: str, message: str) -> DomainError:
    return DomainError(ErrorCode.VALIDATION, message, {"field": field, "reason": reason})


def unknown_message(field: str) -> DomainError:
    """The request's `field` names no message of the chat."""
    return invalid(field, "invalid", f"{field}: no such message in this chat")


def no_such_message(field: str) -> Reword:
    """The chat worker finding no message of the id it was given (as `before_id`) in the chat: the
    request's `field` is invalid."""
    error = unknown_message(field)
    return when(ErrorCode.NOT_FOUND, error.code, error.message, error.details, naming="before_id")
