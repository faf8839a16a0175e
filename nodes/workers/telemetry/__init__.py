"""The telemetry domain: OBD dongles' batches, taken from the JetStream stream `TELEMETRY` and stored
once each (`intake`, `samples`), what they tell derived as they land (`derive`: odometer, trips, fault
codes), fault notices to the owners (`notices`), the member's read-backs (`readings`) and the
retention of raw samples (`retention`); their SQL in `queries`, the OBD-II code table in `codes`.
"""

from __future__ import annotations

from nodes.runtime.worker import Domain

# Importing a module registers its handlers.
from . import figures, readings, retention  # noqa: F401
from .deps import TelemetryDeps, open_deps
from .handlers import handlers

DOMAIN: Domain[TelemetryDeps] = Domain(handlers=handlers, open_deps=open_deps)
