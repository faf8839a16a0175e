"""SMS codes over NATS, texted through a real HTTP provider: activation, sign-in, tries, expiry, limits."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Executable, select, update

from nodes.runtime.settings import Settings
from protocols.envelope import Command, DomainError, ErrorCode
from protocols.identity import ActivatePhone, CodeSent, LoginWithCode, SendPhoneCode
from storage.engine import create_engine, session_factory
from storage.models.identity import PhoneCode, User
from tests.conftest import Cluster
from tests.support.sms_provider import SmsProvider, sms_provider

pytestmark = pytest.mark.domains("identity")

PHONE = "+77001234567"


@pytest.fixture
async def sms() -> AsyncIterator[SmsProvider]:
    async with sms_provider() as provider:
        yield provider


@pytest.fixture
def settings_override(sms: SmsProvider) -> Callable[[Settings], Settings]:
    def override(settings: Settings) -> Settings:
        return replace(
            settings, sms=replace(settings.sms, backend="http", http_url=sms.url, http_token=sms.token)
        )

    return override


async def in_db(cluster: Cluster, *statements: User | Executable) -> None:
    engine = create_engine(cluster.settings.database.url)
    try:
        async with session_factory(engine)() as db:
            for statement in statements:
                if isinstance(statement, User):
                    db.add(statement)
                else:
                    await db.execute(statement)
            await db.commit()
    finally:
        await engine.dispose()


async def new_account(cluster: Cluster, phone: str = PHONE) -> None:
    """A phone-only account that has not proved its phone yet."""
    await in_db(cluster, User(phone=phone, first_name="Иван", last_name="Иванов", role="realtor"))


async def send(cluster: Cluster, phone: str = PHONE) -> CodeSent:
    return await cluster.worker_bus.request(SendPhoneCode(phone=phone))


async def refused(cluster: Cluster, cmd: Command[Any]) -> DomainError:
    with pytest.raises(DomainError) as caught:
        await cluster.worker_bus.request(cmd)
    return caught.value


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


async def test_a_texted_code_activates_the_phone(cluster: Cluster, sms: SmsProvider) -> None:
    await new_account(cluster)
    sent = await send(cluster, "8 700 123-45-67")  # the same phone, as people type it
    code = await sms.code_for(PHONE)
    assert sent.dev_code == code  # development mode shows it, as Realty's document does
    message = sms.to(PHONE)[0]
    assert message == {"to": PHONE, "text": f"Your Souk code: {code}", "sender": "Souk"}

    user = await cluster.worker_bus.request(ActivatePhone(phone=PHONE, code=code))
    assert user.phone == PHONE and user.phone_verified and user.is_active


async def test_an_unknown_phone_answers_alike_and_gets_no_sms(cluster: Cluster, sms: SmsProvider) -> None:
    assert await send(cluster, "+77009999999") == CodeSent(dev_code=None)
    assert sms.messages == [] and sms.rejected == 0
    error = await refused(cluster, ActivatePhone(phone="+77009999999", code="123456"))
    assert (error.code, error.message) == (ErrorCode.VALIDATION, "Invalid or expired code")


async def test_the_sixth_try_fails_even_with_the_right_code(cluster: Cluster, sms: SmsProvider) -> None:
    await new_account(cluster)
    await send(cluster)
    code = await sms.code_for(PHONE)
    for _ in range(4):
        assert (
            await refused(cluster, ActivatePhone(phone=PHONE, code=wrong(code)))
        ).code is ErrorCode.VALIDATION
    await cluster.worker_bus.request(ActivatePhone(phone=PHONE, code=code))  # the 5th try still counts

    await send(cluster)
    code = await sms.code_for(PHONE, count=2)
    for _ in range(5):
        await refused(cluster, LoginWithCode(phone=PHONE, code=wrong(code)))
    error = await refused(cluster, LoginWithCode(phone=PHONE, code=code))
    assert (error.code, error.message) == (ErrorCode.VALIDATION, "Invalid or expired code")


async def test_a_code_signs_in_once(cluster: Cluster, sms: SmsProvider) -> None:
    await new_account(cluster)
    await send(cluster)
    code = await sms.code_for(PHONE)
    signed = await cluster.worker_bus.request(LoginWithCode(phone=PHONE, code=code))
    assert signed.user.phone_verified and signed.tokens.access_token and signed.tokens.refresh_token
    assert (await refused(cluster, LoginWithCode(phone=PHONE, code=code))).code is ErrorCode.VALIDATION
    assert (await refused(cluster, ActivatePhone(phone=PHONE, code=code))).code is ErrorCode.VALIDATION


async def test_the_activation_code_then_signs_in_once(cluster: Cluster, sms: SmsProvider) -> None:
    await new_account(cluster)
    await send(cluster)
    code = await sms.code_for(PHONE)
    for _ in range(4):
        await refused(cluster, LoginWithCode(phone=PHONE, code=wrong(code)))
    await cluster.worker_bus.request(ActivatePhone(phone=PHONE, code=code))
    assert (await refused(cluster, ActivatePhone(phone=PHONE, code=code))).code is ErrorCode.VALIDATION
    await refused(cluster, LoginWithCode(phone=PHONE, code=wrong(code)))  # the 5th wrong try voids it
    assert (await refused(cluster, LoginWithCode(phone=PHONE, code=code))).code is ErrorCode.VALIDATION

    await in_db(cluster, update(User).where(User.phone == PHONE).values(phone_verified=False))
    await send(cluster)
    code = await sms.code_for(PHONE, count=2)
    await cluster.worker_bus.request(ActivatePhone(phone=PHONE, code=code))
    signed = await cluster.worker_bus.request(LoginWithCode(phone=PHONE, code=code))
    assert signed.user.phone == PHONE and signed.tokens.access_token
    assert (await refused(cluster, LoginWithCode(phone=PHONE, code=code))).code is ErrorCode.VALIDATION


async def test_only_the_newest_code_counts(cluster: Cluster, sms: SmsProvider) -> None:
    await new_account(cluster)
    await send(cluster)
    await send(cluster)
    first, second = await sms.code_for(PHONE, 1), await sms.code_for(PHONE, 2)
    if first != second:
        await refused(cluster, ActivatePhone(phone=PHONE, code=first))
    await cluster.worker_bus.request(ActivatePhone(phone=PHONE, code=second))


async def test_an_expired_code_fails(cluster: Cluster, sms: SmsProvider) -> None:
    await new_account(cluster)
    await send(cluster)
    code = await sms.code_for(PHONE)
    past = datetime.now(UTC) - timedelta(seconds=1)
    await in_db(cluster, update(PhoneCode).where(PhoneCode.phone == PHONE).values(expires_at=past))
    assert (await refused(cluster, ActivatePhone(phone=PHONE, code=code))).code is ErrorCode.VALIDATION


@pytest.mark.parametrize("known", [True, False], ids=["known", "unknown"])
async def test_a_fourth_send_within_the_hour_is_rate_limited(
    cluster: Cluster, sms: SmsProvider, known: bool
) -> None:
    if known:
        await new_account(cluster)
    for _ in range(3):
        await send(cluster)
    with pytest.raises(DomainError) as caught:
        await send(cluster)
    assert caught.value.code is ErrorCode.RATE_LIMITED
    assert 3500 < caught.value.details["retry_after"] <= 3600
    assert len(sms.to(PHONE)) == (3 if known else 0)

    # Once the oldest send has left the hour, one more is allowed.
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1, seconds=1)
    oldest = min(await _code_ids(cluster))
    await in_db(cluster, update(PhoneCode).where(PhoneCode.id == oldest).values(created_at=an_hour_ago))
    await send(cluster)


async def _code_ids(cluster: Cluster) -> list[int]:
    engine = create_engine(cluster.settings.database.url)
    try:
        async with session_factory(engine)() as db:
            return list((await db.scalars(select(PhoneCode.id))).all())
    finally:
        await engine.dispose()


async def test_a_provider_failure_answers_unavailable(cluster: Cluster, sms: SmsProvider) -> None:
    await new_account(cluster)
    sms.fail_with = 503
    with pytest.raises(DomainError) as caught:
        await send(cluster)
    assert caught.value.code is ErrorCode.UNAVAILABLE


class TestProduction:
    @pytest.fixture
    def settings_override(self, sms: SmsProvider) -> Callable[[Settings], Settings]:
        def override(settings: Settings) -> Settings:
            sms_settings = replace(settings.sms, backend="http", http_url=sms.url, http_token=sms.token)
            return replace(settings, app=replace(settings.app, environment="production"), sms=sms_settings)

        return override

    async def test_the_code_is_never_in_the_answer(self, cluster: Cluster, sms: SmsProvider) -> None:
        await new_account(cluster)
        assert await send(cluster) == CodeSent(dev_code=None)
        await sms.code_for(PHONE)
