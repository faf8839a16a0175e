"""The record of a console action already done waits out a moderation worker's restart: the action
answers once a worker is back, and the audit log holds it once."""

from __future__ import annotations

import asyncio

import pytest

from tests.conftest import Cluster
from tests.support.console import account, console_at, csrf_in, given_role
from tests.support.workers import more_workers

pytestmark = [pytest.mark.domains("identity"), pytest.mark.database_agnostic]

ACTION = r'<td class="action">([a-z_]+)</td>'


async def test_an_action_done_while_moderation_restarts_is_recorded_once_it_is_back(cluster: Cluster) -> None:
    edge = cluster.edge_a
    admin_id, _ = await account(edge.post, "admin@example.com")
    await given_role(cluster.settings.database.url, admin_id, "admin")
    member_id, _ = await account(edge.post, "member@example.com")
    member_page = f"/admin/users/{member_id}"
    async with console_at(str(edge.make_url("/"))) as admin:
        async with more_workers(cluster.settings, "moderation"):  # a sign-in is recorded too
            assert (await admin.sign_in("admin@example.com")).status == 303
            status, page = await admin.page(member_page)
            assert status == 200
        # Moderation is gone (restarting): identity renames the member, and the record waits for a worker.
        form = {"csrf": csrf_in(page), "full_name": "Renamed Member"}
        editing = asyncio.create_task(admin.post(member_page + "/edit", form))
        await asyncio.sleep(2.5)  # longer than a request waits for a missing worker otherwise
        assert not editing.done()
        async with more_workers(cluster.settings, "moderation"):
            edited = await editing
            assert edited.status == 303 and "notice=edited" in edited.headers["Location"]
            assert (await admin.rows("/admin/audit", ACTION)).count("edit_user") == 1
            assert "Renamed Member" in (await admin.page(member_page))[1]
