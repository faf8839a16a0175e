"""What the identity handlers need, opened once per worker process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from nodes.runtime.bus import Bus
from nodes.runtime.ratelimit import RateLimiter
from nodes.runtime.settings import Settings
from nodes.workers.database import domain_database

from .keys import TokenSigner
from .limits import IdentityLimits
from .mail import MailBackend, mail_backend
from .passwords import PasswordHashing
from .revocations import RevocationOutbox
from .sms import SmsSender, sms_sender


@dataclass(frozen=True)
class IdentityDeps:
    settings: Settings
    db: async_sessionmaker[AsyncSession]
    read_db: async_sessionmaker[AsyncSession]  # for handlers that only read: no write lock on SQLite
    passwords: PasswordHashing
    mail: MailBackend
    sms: SmsSender
    bus: Bus | None  # None only for command-line tools running a handler directly
    # Announces ended sessions to the edges until acknowledged. Without a bus (a command-line tool)
    # the ended sessions stay pending in the database, and a running worker's outbox announces them.
    revocations: RevocationOutbox | None
    limiter: RateLimiter | None
    limits: IdentityLimits
    signer: TokenSigner


@asynccontextmanager
async def open_deps(settings: Settings, bus: Bus | None) -> AsyncIterator[IdentityDeps]:
    database = domain_database(settings)
    sms = sms_sender(settings.sms)
    outbox: RevocationOutbox | None = None
    try:
        db = database.write
        signer = await TokenSigner.open(db, settings.auth)
        limiter = RateLimiter(bus) if bus is not None else None
        if bus is not None:
            await signer.publish(bus)
            outbox = RevocationOutbox(bus, db, settings.auth)
            outbox.start()
        yield IdentityDeps(
            settings=settings,
            db=db,
            read_db=database.read,
            passwords=PasswordHashing.configured(settings.auth),
            mail=mail_backend(settings.mail),
            sms=sms,
            bus=bus,
            revocations=outbox,
            limiter=limiter,
            limits=IdentityLimits(limiter, settings.limits),
            signer=signer,
        )
    finally:
        if outbox is not None:
            await outbox.close()
        await sms.close()
        await database.dispose()
