"""The presence domain: online and last seen, from per-(user, edge) keys in NATS KV."""

from __future__ import annotations

from nodes.runtime.worker import Domain

from .deps import PresenceDeps, open_deps
from .handlers import handlers

DOMAIN: Domain[PresenceDeps] = Domain(handlers=handlers, open_deps=open_deps)
