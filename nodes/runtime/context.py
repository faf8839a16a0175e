"""The request id of the message being handled, for logs, without threading it through every call."""

from __future__ import annotations

import random
from contextvars import ContextVar

current_request_id: ContextVar[str] = ContextVar("souk_request_id", default="-")


def new_request_id() -> str:
    # A correlation id for logs, not a secret: the fast generator, not a system call per event.
    return f"{random.getrandbits(128):032x}"
