"""Mail backends: console for development, SMTP (aiosmtplib) for production."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

import aiosmtplib

from nodes.runtime.settings import MailSettings
from protocols.envelope import DomainError, ErrorCode

log = logging.getLogger(__name__)

SMTP_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str


class MailBackend(Protocol):
    async def send(self, mail: Mail) -> None: ...


class ConsoleMail:
    """Development: the mail goes to the log, links included, so a developer can follow them. The
    settings refuse this backend in production (`nodes.runtime.settings.checked`)."""

    async def send(self, mail: Mail) -> None:
        log.info("mail to %s: %s\n%s", mail.to, mail.subject, mail.text)


class SmtpMail:
    """One SMTP connection per message: mail is rare, and a pooled connection would go stale."""

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings

    def message(self, mail: Mail) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = self.settings.from_address
        msg["To"] = mail.to
        msg["Subject"] = mail.subject
        msg.set_content(mail.text)
        return msg

    async def send(self, mail: Mail) -> None:
        s = self.settings
        try:
            await aiosmtplib.send(
                self.message(mail),
                hostname=s.smtp_host,
                port=s.smtp_port,
                username=s.smtp_username or None,
                password=s.smtp_password or None,
                start_tls=s.smtp_starttls,
                timeout=SMTP_TIMEOUT_S,
            )
        except (aiosmtplib.SMTPException, OSError) as exc:
            # The body carries single-use tokens: only the recipient and the failure are logged.
            log.warning("mail to %s failed: %s", mail.to, type(exc).__name__)
            raise DomainError(ErrorCode.UNAVAILABLE, "Mail could not be sent") from None
        log.info("mail to %s sent: %s", mail.to, mail.subject)


def mail_backend(settings: MailSettings) -> MailBackend:
    if settings.backend == "console":
        return ConsoleMail()
    if settings.backend == "smtp":
        return SmtpMail(settings)
    raise ValueError(f"unknown mail backend {settings.backend!r}")
