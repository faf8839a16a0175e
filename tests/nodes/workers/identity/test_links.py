"""Mailed links over NATS, delivered through a real SMTP server: password reset and email verification."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from nodes.runtime.settings import Settings
from protocols.envelope import Actor, Command, DomainError, Empty, ErrorCode, Role
from protocols.identity import (
    Login,
    LoginKind,
    Refresh,
    Register,
    RequestEmailVerification,
    RequestPasswordReset,
    ResetPassword,
    SignedIn,
    VerifyEmail,
)
from storage.engine import create_engine, session_factory
from storage.models.identity import EmailLink
from tests.conftest import Cluster
from tests.support.smtp import SmtpSink, body, mail_through

pytestmark = pytest.mark.domains("identity")

EMAIL = "Ayla@Example.com"
PASSWORD = "old-password-1"
NEW_PASSWORD = "new-password-2"
RESET_BASE = "https://souk.test/reset-password"
VERIFY_BASE = "https://souk.test/verify-email"
TOKEN = re.compile(r"[?&]token=([A-Za-z0-9_\-]+)")


@pytest.fixture
def settings_override(smtp: SmtpSink) -> Callable[[Settings], Settings]:
    def override(settings: Settings) -> Settings:
        return mail_through(settings, smtp)

    return override


async def register(cluster: Cluster) -> SignedIn:
    registered = await cluster.worker_bus.request(Register(email=EMAIL, password=PASSWORD, username="ayla"))
    assert registered.tokens is not None
    return SignedIn(user=registered.user, tokens=registered.tokens)


async def login(cluster: Cluster, password: str) -> SignedIn:
    return await cluster.worker_bus.request(Login(kind=LoginKind.EMAIL, identifier=EMAIL, password=password))


async def mailed_token(smtp: SmtpSink, base: str, count: int = 1) -> str:
    await smtp.wait_for(lambda m: len(smtp.to(EMAIL)) >= count)
    text = body(smtp.to(EMAIL)[count - 1])
    assert base + "?token=" in text
    match = TOKEN.search(text)
    assert match is not None
    return match.group(1)


async def error_of(cluster: Cluster, cmd: Command[Any]) -> DomainError:
    with pytest.raises(DomainError) as caught:
        await cluster.worker_bus.request(cmd)
    return caught.value


async def test_a_reset_link_arrives_over_smtp_and_works_once(cluster: Cluster, smtp: SmtpSink) -> None:
    signed = await register(cluster)
    other = await login(cluster, PASSWORD)
    answer = await cluster.worker_bus.request(
        RequestPasswordReset(email="  ayla@EXAMPLE.com", link_base=RESET_BASE)
    )
    assert answer == Empty()
    token = await mailed_token(smtp, RESET_BASE)
    mail = smtp.to(EMAIL)[0]
    assert (
        mail["From"] == cluster.settings.mail.from_address and mail["Subject"] == "Reset your Souk password"
    )

    assert await cluster.worker_bus.request(ResetPassword(token=token, new_password=NEW_PASSWORD)) == Empty()
    error = await error_of(cluster, ResetPassword(token=token, new_password="third-password-3"))
    assert (error.code, error.message) == (ErrorCode.VALIDATION, "Invalid or expired token")

    assert (
        await error_of(cluster, Login(kind=LoginKind.EMAIL, identifier=EMAIL, password=PASSWORD))
    ).code is (ErrorCode.UNAUTHORIZED)
    await login(cluster, NEW_PASSWORD)
    for session in (signed, other):  # every session of the account ended
        refresh = Refresh(refresh_token=session.tokens.refresh_token)
        assert (await error_of(cluster, refresh)).code is ErrorCode.UNAUTHORIZED


async def test_an_unknown_email_gets_the_same_answer_and_no_mail(cluster: Cluster, smtp: SmtpSink) -> None:
    answer = await cluster.worker_bus.request(
        RequestPasswordReset(email="nobody@example.com", link_base=RESET_BASE)
    )
    assert answer == Empty()
    assert smtp.messages == []  # the sink records a message before the sender hears it was accepted


async def test_bad_and_expired_reset_tokens_fail(cluster: Cluster, smtp: SmtpSink) -> None:
    await register(cluster)
    await cluster.worker_bus.request(RequestPasswordReset(email=EMAIL, link_base=RESET_BASE))
    token = await mailed_token(smtp, RESET_BASE)
    assert (await error_of(cluster, ResetPassword(token=token[:-2], new_password=NEW_PASSWORD))).code is (
        ErrorCode.VALIDATION
    )
    assert (await error_of(cluster, VerifyEmail(token=token))).code is ErrorCode.VALIDATION  # wrong purpose

    engine = create_engine(cluster.settings.database.url)
    try:
        async with session_factory(engine)() as db:
            past = datetime.now(UTC) - timedelta(seconds=1)
            await db.execute(update(EmailLink).values(expires_at=past))
            await db.commit()
    finally:
        await engine.dispose()
    error = await error_of(cluster, ResetPassword(token=token, new_password=NEW_PASSWORD))
    assert (error.code, error.message) == (ErrorCode.VALIDATION, "Invalid or expired token")
    await login(cluster, PASSWORD)  # nothing changed


async def test_a_verification_link_verifies_the_email_once(cluster: Cluster, smtp: SmtpSink) -> None:
    signed = await register(cluster)
    assert not signed.user.email_verified
    actor = Actor(user_id=signed.user.id, role=Role.USER, session_id=signed.tokens.session_id)
    await cluster.worker_bus.request(RequestEmailVerification(link_base=VERIFY_BASE), actor=actor)
    token = await mailed_token(smtp, VERIFY_BASE)
    assert smtp.to(EMAIL)[0]["Subject"] == "Confirm your email"

    user = await cluster.worker_bus.request(VerifyEmail(token=token))
    assert user.id == signed.user.id and user.email_verified
    assert (await error_of(cluster, VerifyEmail(token=token))).code is ErrorCode.VALIDATION
    assert (await error_of(cluster, ResetPassword(token=token, new_password=NEW_PASSWORD))).code is (
        ErrorCode.VALIDATION
    )
    # Already verified: nothing more is mailed.
    await cluster.worker_bus.request(RequestEmailVerification(link_base=VERIFY_BASE), actor=actor)
    assert len(smtp.to(EMAIL)) == 1
