"""The notify domain: per-user notifications with read state, pushed live."""

from __future__ import annotations

from nodes.runtime.worker import Domain

from .deps import NotifyDeps, open_deps
from .handlers import handlers

DOMAIN: Domain[NotifyDeps] = Domain(handlers=handlers, open_deps=open_deps)
