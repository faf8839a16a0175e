"""Messages every worker answers regardless of its domain."""

from __future__ import annotations

from .envelope import Message


class Ping(Message):
    """Sent to `subjects.ping(domain)`; the subject is per domain, so it is not a class constant."""


class Pong(Message):
    domain: str
    instance: str
    uptime_s: float
