"""How every `souk` process logs, set in this one place: a line per record on stderr, as text or as
one JSON object (`[log] format`), each with the id of the request being handled."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import orjson

from .context import current_request_id
from .settings import LogSettings

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
# Libraries whose INFO lines are routine: APScheduler writes two on every firing of every job,
# Alembic one per migration step. Their warnings and errors still come through; DEBUG shows all.
CHATTY_LIBRARIES = ("apscheduler", "alembic")


class RequestIdFilter(logging.Filter):
    """Gives a record the request id of the message being handled, unless the caller passed one
    (the access log passes the id of the request it writes about)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log collectors: time (UTC, ISO 8601), level, logger, request
    id, message, and the traceback as one string when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return orjson.dumps(entry).decode()


def configure_logging(settings: LogSettings) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter() if settings.format == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.level)
    if root.level > logging.DEBUG:
        for name in CHATTY_LIBRARIES:
            logging.getLogger(name).setLevel(max(root.level, logging.WARNING))
