"""SMS senders: console for development, an HTTP provider for production."""

from __future__ import annotations

import logging
from typing import Protocol

import aiohttp

from nodes.runtime.settings import SmsSettings
from protocols.envelope import DomainError, ErrorCode

log = logging.getLogger(__name__)

HTTP_TIMEOUT_S = 10.0


class SmsSender(Protocol):
    async def send(self, phone: str, text: str) -> None: ...
    async def close(self) -> None: ...


class ConsoleSms:
    """Development: the text, code included, goes to the log; refused in production, as ConsoleMail."""

    async def send(self, phone: str, text: str) -> None:
        log.info("sms to %s: %s", phone, text)

    async def close(self) -> None:
        return None


class HttpSms:
    """Posts `{"to", "text", "sender"}` as JSON with a bearer token; any non-2xx is a failure."""

    def __init__(self, settings: SmsSettings) -> None:
        if not settings.http_url:
            raise ValueError("sms.http_url is required for the http sms backend")
        self.settings = settings
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        # Created lazily: a ClientSession must be made inside the running event loop.
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                headers={"Authorization": f"Bearer {self.settings.http_token}"},
                timeout=aiohttp.ClientTimeout(total=HTTP_TIMEOUT_S),
            )
        return self._session

    async def send(self, phone: str, text: str) -> None:
        body = {"to": phone, "text": text, "sender": self.settings.sender}
        try:
            async with self._client().post(self.settings.http_url, json=body) as response:
                if response.status >= 300:
                    log.warning("sms provider answered %s for %s", response.status, phone)
                    raise DomainError(ErrorCode.UNAVAILABLE, "SMS could not be sent")
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("sms provider unreachable for %s: %s", phone, type(exc).__name__)
            raise DomainError(ErrorCode.UNAVAILABLE, "SMS could not be sent") from None
        log.info("sms to %s sent", phone)  # never the text: it carries the code

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def sms_sender(settings: SmsSettings) -> SmsSender:
    if settings.backend == "console":
        return ConsoleSms()
    if settings.backend == "http":
        return HttpSms(settings)
    raise ValueError(f"unknown sms backend {settings.backend!r}")
