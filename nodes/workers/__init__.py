"""Domain workers, one package each; they talk to each other only over NATS.

Every package has the same shape: `__init__.py` (its `DOMAIN`: the handlers and how to open the
deps), `deps.py`, `handlers.py` (the registry only), `queries.py` (its SQL; a domain without tables
has none) and one module per group of commands, which register on the registry when imported.

Packages are imported by name on demand so that `souk worker chat` loads only the chat domain.
"""

from __future__ import annotations

import importlib
from typing import Any

from nodes.runtime.settings import WORKER_DOMAINS
from nodes.runtime.worker import Domain

KNOWN_DOMAINS = WORKER_DOMAINS


def load_domain(name: str) -> Domain[Any]:
    if name not in KNOWN_DOMAINS:
        raise KeyError(f"unknown worker domain {name!r}; known: {', '.join(KNOWN_DOMAINS)}")
    module = importlib.import_module(f"nodes.workers.{name}")
    domain: Domain[Any] = module.DOMAIN
    return domain
