"""The telemetry domain's handler registry; the modules beside it register on it.

Telemetry handlers (and the intake beside them) are the only writers of the telemetry tables.
"""

from __future__ import annotations

from nodes.runtime.worker import Handlers
from protocols.telemetry import DOMAIN

from .deps import TelemetryDeps

handlers: Handlers[TelemetryDeps] = Handlers(DOMAIN)
