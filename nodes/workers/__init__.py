"""Domain workers, one package each; they talk to each other only over NATS.

Packages are imported by name on demand so that `souk worker chat` loads only the chat domain.
"""

from __future__ import annotations

import importlib
from typing import Any

from nodes.runtime.worker import Domain

KNOWN_DOMAINS = ("identity", "chat", "notify", "presence")


def load_domain(name: str) -> Domain[Any]:
    if name not in KNOWN_DOMAINS:
        raise KeyError(f"unknown worker domain {name!r}; known: {', '.join(KNOWN_DOMAINS)}")
    module = importlib.import_module(f"nodes.workers.{name}")
    domain: Domain[Any] = module.DOMAIN
    return domain
