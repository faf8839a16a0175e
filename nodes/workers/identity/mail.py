"""Mail backends: console for development, SMTP (aiosmtplib) for production."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from nodes.runtime.settings import MailSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str


class MailBackend(Protocol):
    async def send(self, mail: Mail) -> None: ...


class ConsoleMail:
    """Development: the mail goes to the log (links included, so a developer can follow them)."""

    async def send(self, mail: Mail) -> None:
        log.info("mail to %s: %s\n%s", mail.to, mail.subject, mail.text)


def mail_backend(settings: MailSettings) -> MailBackend:
    if settings.backend == "console":
        return ConsoleMail()
    raise ValueError(f"unknown mail backend {settings.backend!r}")
