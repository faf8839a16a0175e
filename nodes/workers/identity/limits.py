"""The identity rate limits, per client IP and per account, counted across every process (NATS KV).

Limits sit in the worker rather than the edge so that every contract's route to the same action
shares one budget: a login through MillionAvto and one through FreeMarket count together.
"""

from __future__ import annotations

from nodes.runtime.ratelimit import RateLimiter, Rule
from nodes.runtime.settings import LimitSettings
from protocols.identity import ClientInfo


def account_key(user_id: int) -> str:
    """What the login limit counts an existing account by, whichever identifier named it (its email,
    username or phone): otherwise each of them would have a budget of its own."""
    return f"user:{user_id}"


class IdentityLimits:
    def __init__(self, limiter: RateLimiter | None, settings: LimitSettings) -> None:
        self._limiter = limiter
        login_window = settings.login_window_s
        self.login_ip = Rule("login_ip", settings.login_per_ip, login_window)
        self.login_account = Rule("login_account", settings.login_per_account, login_window)
        # Code guesses per IP share the login budget. Per phone they are bounded by the codes
        # themselves: 5 tries each, 3 codes an hour.
        self.code_ip = Rule("code_ip", settings.login_per_ip, login_window)
        self.register_ip = Rule("register_ip", settings.register_per_ip, settings.register_window_s)
        self.refresh_ip = Rule("refresh_ip", settings.refresh_per_ip, settings.refresh_window_s)

    async def _hit(self, rule: Rule, who: str | None) -> None:
        if self._limiter is not None and who:
            await self._limiter.hit(rule, who)

    async def login_from(self, client: ClientInfo) -> None:
        """A password guess from the client's address, whichever account it names."""
        await self._hit(self.login_ip, client.ip)

    async def login_to(self, account: str) -> None:
        """A password guess at one account (see `account_key`), whichever address it comes from."""
        await self._hit(self.login_account, account)

    async def code(self, client: ClientInfo) -> None:
        await self._hit(self.code_ip, client.ip)

    async def register(self, client: ClientInfo) -> None:
        await self._hit(self.register_ip, client.ip)

    async def refresh(self, client: ClientInfo) -> None:
        await self._hit(self.refresh_ip, client.ip)
