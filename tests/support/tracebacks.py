"""The suite's watch on the log: a test that logs a traceback, or anything at ERROR, fails.

A traceback in a running platform's log means a bug, so one in a test's log is treated as one. A test
that provokes an error on purpose names the messages it expects:
`@pytest.mark.logs_errors(r"storing a message failed")` (regular expressions, searched).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

MARKER = "logs_errors"


class _Collector(logging.Handler):
    """Keeps the records that would alarm an operator: ERROR and above, or any with a traceback."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR or (record.exc_info and record.levelno >= logging.WARNING):
            self.records.append(record)


def _describe(record: logging.LogRecord) -> str:
    text = f"{record.levelname} {record.name}: {record.getMessage()}"
    if record.exc_info:
        text += "\n" + logging.Formatter().formatException(record.exc_info)
    return text


@contextmanager
def watching(item: pytest.Item) -> Iterator[None]:
    """Fail `item` (at teardown) for what it logged that it did not say it expects."""
    collector = _Collector()
    root = logging.getLogger()
    root.addHandler(collector)
    try:
        yield
    finally:
        root.removeHandler(collector)
    marker = item.get_closest_marker(MARKER)
    expected = [re.compile(p) for p in (marker.args if marker else ())]
    unexpected = [r for r in collector.records if not any(p.search(r.getMessage()) for p in expected)]
    if unexpected:
        pytest.fail(
            "logged unexpectedly:\n" + "\n---\n".join(_describe(r) for r in unexpected[:5]), pytrace=False
        )
