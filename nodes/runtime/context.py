"""The request id of the message being handled, for logs, without threading it through every call."""

from __future__ import annotations

import logging
import random
from contextvars import ContextVar

current_request_id: ContextVar[str] = ContextVar("souk_request_id", default="-")


def new_request_id() -> str:
    # A correlation id for logs, not a secret: the fast generator, not a system call per event.
    return f"{random.getrandbits(128):032x}"


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        return True


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Two INFO lines on every firing of every job ("Running job", "executed successfully") drown an
    # operator's log; its warnings and errors still come through.
    logging.getLogger("apscheduler").setLevel(max(root.level, logging.WARNING))
