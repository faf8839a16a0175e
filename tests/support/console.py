"""Staff of the operators' console as a test holds them: accounts given a staff role (no command sets
one yet: the role is written to the identity table, as an admin's tool will do), and a browser-like
HTTP client of its own (its own cookies) that signs in through `/admin/login` and posts forms."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from http.cookies import SimpleCookie

import aiohttp
from sqlalchemy import update
from yarl import URL

from storage.engine import create_engine, session_factory
from storage.models.identity import User
from tests.support.ads import Post
from tests.support.http import bearer, json_of

PASSWORD = "SecurePass123!"
CSRF_IN_PAGE = re.compile(r'name="csrf" value="([0-9a-f]{64})"')


async def account(post: Post, email: str) -> tuple[int, dict[str, str]]:
    """A new user (MillionAvto's register), signed up with `PASSWORD`: its id and API headers."""
    body = {"email": email, "password": PASSWORD}
    out = await json_of(await post("/api/v1/auth/register", json=body), 201)
    return int(out["user"]["id"]), bearer(out["access_token"])


async def given_role(database_url: str, user_id: int, role: str) -> None:
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as db:
            await db.execute(update(User).where(User.id == user_id).values(role=role))
            await db.commit()
    finally:
        await engine.dispose()


def csrf_in(page: str) -> str:
    found = CSRF_IN_PAGE.search(page)
    assert found, page
    return found.group(1)


@dataclass(eq=False)
class Console:
    """One browser's worth of cookies against an edge; redirects are not followed (tests read them)."""

    http: aiohttp.ClientSession
    base: URL

    async def page(self, path: str) -> tuple[int, str]:
        async with self.http.get(path, allow_redirects=False) as resp:
            return resp.status, await resp.text()

    async def rows(self, path: str, row: str) -> list[str]:
        """`row`'s matches in a table, page after page as its "next" links lead."""
        found: list[str] = []
        while path:
            status, page = await self.page(path)
            assert status == 200, page
            found += re.findall(row, page)
            following = re.search(r'<a href="([^"]+)" rel="next">', page)
            path = following.group(1).replace("&amp;", "&") if following else ""
        return found

    async def sign_in(self, email: str, password: str = PASSWORD) -> aiohttp.ClientResponse:
        _status, form = await self.page("/admin/login")
        data = {"csrf": csrf_in(form), "email": email, "password": password, "next": "/admin/"}
        async with self.http.post("/admin/login", data=data, allow_redirects=False) as resp:
            await resp.read()
            return resp

    async def csrf(self) -> str:
        """The session's form token, as a page of the console carries it."""
        _status, page = await self.page("/admin/")
        return csrf_in(page)

    async def post(self, path: str, data: dict[str, str]) -> aiohttp.ClientResponse:
        async with self.http.post(path, data=data, allow_redirects=False) as resp:
            await resp.read()
            return resp

    def set_cookie(self, name: str, value: str) -> None:
        """As the console would set it (on /admin), replacing the one the browser has."""
        cookie: SimpleCookie = SimpleCookie()
        cookie[name] = value
        cookie[name]["path"] = "/admin"
        self.http.cookie_jar.update_cookies(cookie, response_url=self.base)

    def cookie(self, name: str) -> str | None:
        found = [cookie.value for cookie in self.http.cookie_jar if cookie.key == name]
        return found[0] if found else None


@asynccontextmanager
async def console_at(base_url: str) -> AsyncIterator[Console]:
    async with aiohttp.ClientSession(base_url=base_url, cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        yield Console(http, URL(base_url))
