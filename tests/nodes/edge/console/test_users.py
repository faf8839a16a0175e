"""The console's Users section over HTTP: managers and admins read the accounts (filtered, sorted and
paged by identity) and one account with its membership tier and sessions; only admins edit, set the
role, deactivate and activate, set the tier and revoke sessions, each reaching its worker (the
user's API tokens stop working, he cannot sign in, then can again) and landing in the audit log."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

import pytest

from nodes.runtime.settings import Settings
from protocols.envelope import Actor, DomainError, ErrorCode, Role
from protocols.identity import SetRole
from tests.conftest import Cluster
from tests.support.console import PASSWORD, Console, account, console_at, csrf_in, given_role
from tests.support.http import bearer, json_of
from tests.support.polling import status_becomes

# Plain filtered and paged selects: the suite's time keeps this flow on SQLite.
pytestmark = [pytest.mark.domains("identity", "moderation", "garage"), pytest.mark.database_agnostic]

PAGE = 2  # rows in a page of the console's tables
ME = "/api/v1/users/me"
ROW = re.compile(r'<tr id="user-(\d+)">')


@pytest.fixture
def settings_override() -> Callable[[Settings], Settings]:
    return lambda s: replace(s, console=replace(s.console, page_size=PAGE))


async def rows(console: Console, path: str) -> list[int]:
    status, page = await console.page(path)
    assert status == 200, page
    return [int(found) for found in ROW.findall(page)]


def notice_of(location: str) -> str:
    found = re.search(r"notice=([a-z_]+)", location)
    assert found, location
    return found.group(1)


async def test_staff_read_accounts_and_admins_change_them(cluster: Cluster) -> None:
    edge = cluster.edge_a
    ids, headers = {}, {}
    for name in ("admin", "manager", "ann", "ben", "cat"):
        ids[name], headers[name] = await account(edge.post, f"{name}@example.com")
    for role in ("admin", "manager"):
        await given_role(cluster.settings.database.url, ids[role], role)
    ann = ids["ann"]
    base = str(edge.make_url("/"))

    async def me(token_headers: dict[str, str]) -> int:
        return (await edge.get(ME, headers=token_headers)).status

    async def sign_in(email: str = "ann@example.com") -> dict[str, str]:
        body = {"email": email, "password": PASSWORD}
        return bearer((await json_of(await edge.post("/api/v1/auth/login", json=body), 200))["access_token"])

    async with console_at(base) as admin, console_at(base) as manager:
        for console, role in ((admin, "admin"), (manager, "manager")):
            assert (await console.sign_in(f"{role}@example.com")).status == 303

        # The table: sorted, filtered and paged by identity.
        assert await rows(manager, "/admin/users?sort=created_asc") == [ids["admin"], ids["manager"]]
        _, first = await manager.page("/admin/users?sort=created_asc")
        assert "Page 1 of 3" in first and "5 active" in first
        assert await rows(manager, "/admin/users?sort=created_asc&page=3") == [ids["cat"]]
        assert await rows(manager, "/admin/users") == [ids["cat"], ids["ben"]]  # newest first
        assert await rows(manager, "/admin/users?sort=name_asc") == [ids["admin"], ann]
        assert await rows(manager, "/admin/users?sort=name_desc") == [ids["manager"], ids["cat"]]
        # Signed in to the console last: the manager, then the admin.
        assert await rows(manager, "/admin/users?sort=seen_desc") == [ids["manager"], ids["admin"]]
        assert await rows(manager, "/admin/users?q=BEN@") == [ids["ben"]]
        assert await rows(manager, "/admin/users?role=manager") == [ids["manager"]]
        assert await rows(manager, "/admin/users?active=inactive") == []
        assert (await manager.page("/admin/users?role=system&active=maybe"))[0] == 400

        # One account: its profile, tier and sessions; the manager reads it and changes nothing.
        detail = f"/admin/users/{ann}"
        status, page = await manager.page(detail)
        assert status == 200 and "ann@example.com" in page and f'href="/admin/chats?user={ann}"' in page
        assert '<td id="tier">none' in page and '<td id="role">user' in page
        assert len(re.findall(r'<tr id="session-', page)) == 1 and "127.0.0.1" in page
        assert "/edit" not in page and (await manager.page("/admin/users/999999"))[0] == 404
        manager_token = csrf_in(page)
        for action, data in (("edit", {"full_name": "X"}), ("role", {"role": "admin"}), ("deactivate", {}),
                             ("activate", {}), ("membership", {"tier": "plus"}), ("sessions", {})):  # fmt: skip
            assert (await manager.post(f"{detail}/{action}", {"csrf": manager_token, **data})).status == 403
        # ... and identity refuses a manager too, whatever an edge lets through.
        with pytest.raises(DomainError) as refused:
            as_manager = Actor(user_id=ids["manager"], role=Role.MANAGER)
            await cluster.worker_bus.request(SetRole(user_id=ann, role=Role.ADMIN), actor=as_manager)
        assert refused.value.code is ErrorCode.FORBIDDEN
        token = csrf_in((await admin.page(detail))[1])
        assert (await admin.post(f"{detail}/deactivate", {})).status == 403  # no CSRF token
        assert await me(headers["ann"]) == 200

        async def act(action: str, **data: str) -> str:
            done = await admin.post(f"{detail}/{action}", {"csrf": token, **data})
            assert done.status == 303 and done.headers["Location"].startswith(detail + "?"), done.headers
            return done.headers["Location"]

        # Edit, with identity's validation and uniqueness as notices.
        assert notice_of(await act("edit", full_name="Ann Lee", phone="8 700 123-45-67")) == "edited"
        _, page = await admin.page(detail)
        assert "Ann Lee" in page and "+77001234567" in page
        taken = await act("edit", email="BEN@example.com")
        assert notice_of(taken) == "taken" and "field=email" in taken
        assert notice_of(await act("edit", phone="12")) == "invalid"
        _, page = await admin.page(taken)
        assert 'role="status"' in page and "That email belongs to another account" in page
        assert "ann@example.com" in page
        _, page = await admin.page(f"{detail}?notice=taken&field=password%20here")  # a notice names no
        assert "That value belongs to another account" in page  # other field than the form's

        # A role set ends the account's sessions (its tokens named the old role); signed in again, it
        # has the new one. An admin does not change his own.
        assert notice_of(await act("role", role="dealer")) == "role_set"
        assert await status_becomes(401, lambda: edge.get(ME, headers=headers["ann"])) == 401
        again = await json_of(await edge.post("/api/v1/auth/login", json={"email": "ann@example.com",
                                                                          "password": PASSWORD}), 200)  # fmt: skip
        assert again["user"]["role"] == "DEALER"  # as MillionAvto spells it
        own = await admin.post(f"/admin/users/{ids['admin']}/role", {"csrf": token, "role": "user"})
        assert notice_of(own.headers["Location"]) == "not_yourself"
        own = await admin.post(f"/admin/users/{ids['admin']}/deactivate", {"csrf": token})
        assert notice_of(own.headers["Location"]) == "not_yourself"
        assert await rows(admin, "/admin/users?role=admin") == [ids["admin"]]

        # Deactivated: its tokens stop working and it cannot sign in; activated: it can again.
        ann_headers = bearer(again["access_token"])
        assert notice_of(await act("deactivate")) == "deactivated"
        assert await status_becomes(401, lambda: edge.get(ME, headers=ann_headers)) == 401
        login = {"email": "ann@example.com", "password": PASSWORD}
        assert (await edge.post("/api/v1/auth/login", json=login)).status == 401
        assert await rows(admin, "/admin/users?active=inactive") == [ann]
        assert await rows(admin, "/admin/users?active=all&q=ann") == [ann]
        assert notice_of(await act("activate")) == "activated"
        first_token, second_token = await sign_in(), await sign_in()
        assert await me(first_token) == await me(second_token) == 200

        # Sessions: one revoked, then all.
        _, page = await admin.page(detail)
        sessions = re.findall(r'<tr id="session-([0-9a-f-]{36})">', page)
        assert len(sessions) == 2
        newest = sessions[0]  # the most recently used first: the second sign-in's
        assert notice_of(await act("sessions", session=newest)) == "revoked"
        assert await status_becomes(401, lambda: edge.get(ME, headers=second_token)) == 401
        assert await me(first_token) == 200
        assert notice_of(await act("sessions", session=newest)) == "no_session"
        assert "count=1" in await act("sessions")
        assert await status_becomes(401, lambda: edge.get(ME, headers=first_token)) == 401
        _, page = await admin.page(detail)
        assert "No live sessions" in page

        # The membership tier, kept by the garage.
        assert notice_of(await act("membership", tier="plus")) == "tier_set"
        assert '<td id="tier">plus' in (await admin.page(detail))[1]
        assert notice_of(await act("membership", tier="none")) == "tier_ended"
        assert '<td id="tier">none' in (await admin.page(detail))[1]
        assert notice_of(await act("membership", tier="none")) == "no_membership"

        # Every change is in the audit log, on the user, newest first.
        _, log = await admin.page("/admin/audit?action=set_role")
        assert f"user {ann}" in log and "role: dealer" in log
        logged = []  # 8 changes and 2 sign-ins, 2 a page
        for page_number in (1, 2, 3, 4, 5):
            _, audit = await admin.page(f"/admin/audit?page={page_number}")
            logged += re.findall(r'<td class="action">([a-z_]+)</td>\s*<td>user (\d+)</td>', audit)
        assert logged == [
            *[(action, str(ann)) for action in ("set_membership", "set_membership", "revoke_sessions",
              "revoke_sessions", "activate_user", "deactivate_user", "set_role", "edit_user")],
            ("sign_in", str(ids["manager"])), ("sign_in", str(ids["admin"])),
        ]  # fmt: skip
