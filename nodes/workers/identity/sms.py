"""SMS senders: console for development, an HTTP provider for production."""

from __future__ import annotations

import logging
from typing import Protocol

from nodes.runtime.settings import SmsSettings

log = logging.getLogger(__name__)


class SmsSender(Protocol):
    async def send(self, phone: str, text: str) -> None: ...
    async def close(self) -> None: ...


class ConsoleSms:
    async def send(self, phone: str, text: str) -> None:
        log.info("sms to %s: %s", phone, text)

    async def close(self) -> None:
        return None


def sms_sender(settings: SmsSettings) -> SmsSender:
    if settings.backend == "console":
        return ConsoleSms()
    raise ValueError(f"unknown sms backend {settings.backend!r}")
