"""The console's ad page and banners over HTTP: staff open an ad with its images (uploaded through
MillionAvto's API), approve it there, make an image the main one, delete an image (gone from the public
ad and from the store) and the ad (gone from the public search, 404); admins create, edit and delete
banners, seen through the public banners API; every change is in the audit log. A manager is refused,
a form without its CSRF token too, and the market worker checks the role itself."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from aiohttp import FormData
from PIL import Image

from protocols.envelope import Actor, Command, DomainError, ErrorCode, Role
from protocols.market import RemoveAd, RemoveAdMedia
from tests.conftest import Cluster
from tests.support.ads import ADS, CAR, Post
from tests.support.console import Console, account, console_at, given_role
from tests.support.http import json_of

# Plain filtered and paged selects: the suite's time keeps this flow on SQLite.
pytestmark = [
    pytest.mark.domains("identity", "catalog", "market", "moderation"),
    pytest.mark.database_agnostic,
]

BANNERS = "/api/v1/banners/"
NEW_BANNER = {"title": "Spring sale", "image_url": "https://cdn.example.com/spring.webp", "link_url": "/sale",
              "location": "home_top", "starts_at": "2026-01-01T00:00", "ends_at": "", "position": "2",
              "is_active": "on"}  # fmt: skip


def png(color: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (24, 16), color).save(out, format="PNG")
    return out.getvalue()


async def upload(post: Post, ad_id: int, headers: dict[str, str], color: str) -> int:
    form = FormData()
    form.add_field("file", png(color), filename=f"{color}.png", content_type="image/png")
    return int(
        (await json_of(await post(f"{ADS}{ad_id}/upload-image", data=form, headers=headers), 201))["id"]
    )


async def signed_in(cluster: Cluster, console: Console, role: str) -> None:
    """`console` signed in as a new account of `role`."""
    user_id, _ = await account(cluster.edge_a.post, f"{role}@example.com")
    await given_role(cluster.settings.database.url, user_id, role)
    assert (await console.sign_in(f"{role}@example.com")).status == 303


def notice_of(location: str) -> str:
    found = re.search(r"notice=([a-z_]+)", location)
    assert found, location
    return found.group(1)


async def test_ad_page_media_deletion_and_banners(cluster: Cluster) -> None:
    edge, base = cluster.edge_a, str(cluster.edge_a.make_url("/"))
    owner_id, owner = await account(edge.post, "owner@example.com")
    ad_id = int((await json_of(await edge.post(ADS, json=CAR, headers=owner), 201))["id"])
    first, second, third = [
        await upload(edge.post, ad_id, owner, color) for color in ("red", "green", "blue")
    ]
    async with console_at(base) as moderator, console_at(base) as admin, console_at(base) as manager:
        for console, role in ((moderator, "moderator"), (admin, "admin"), (manager, "manager")):
            await signed_in(cluster, console, role)
        token = await moderator.csrf()
        # A manager opens neither the ad nor the banners, nor deletes; a form without its token does
        # nothing; the market worker checks the role itself, whatever an edge lets through.
        assert (await manager.page(f"/admin/ads/{ad_id}"))[0] == 403
        assert (await manager.page("/admin/banners"))[0] == (await moderator.page("/admin/banners"))[0] == 403
        refused = await manager.post(
            f"/admin/ads/{ad_id}/delete", {"csrf": await manager.csrf(), "reason": "No"}
        )
        assert refused.status == 403
        assert (await moderator.post(f"/admin/ads/{ad_id}/delete", {"reason": "No"})).status == 403
        commands: tuple[Command[Any], ...] = (
            RemoveAd(ad_id=ad_id),
            RemoveAdMedia(ad_id=ad_id, media_id=first),
        )
        for cmd in commands:
            with pytest.raises(DomainError) as refused_by_worker:
                await cluster.worker_bus.request(cmd, actor=Actor(user_id=owner_id, role=Role.MANAGER))
            assert refused_by_worker.value.code is ErrorCode.FORBIDDEN

        # The queue links the ad's title to its page: every field, the owner, the images.
        _, queue = await moderator.page("/admin/ads?status=pending")
        assert f'<a href="/admin/ads/{ad_id}">Toyota Camry 2019</a>' in queue
        status, page = await moderator.page(f"/admin/ads/{ad_id}")
        assert status == 200 and 'id="status">pending<' in page
        assert f'href="/admin/users/{owner_id}"' in page and "60000" in page and "2,100,000 RUB" in page
        assert re.findall(r'<li id="media-(\d+)">', page) == [str(i) for i in (first, second, third)]
        thumbnail = re.findall(r'<img src="([^"]+)"', page)[0]
        assert (await edge.get(thumbnail)).status == 200
        # Approved from its page, back to its page; now it is public.
        approved = await moderator.post(
            f"/admin/ads/{ad_id}/approve", {"csrf": token, "back": f"/admin/ads/{ad_id}"}
        )
        assert approved.headers["Location"].startswith(f"/admin/ads/{ad_id}?notice=approved")
        found = await json_of(await edge.get(ADS), 200)
        assert [ad["id"] for ad in found["items"]] == [ad_id]

        # The third image made the main one, then the first deleted: the public ad shows it so.
        made = await moderator.post(f"/admin/ads/{ad_id}/media/{third}/main", {"csrf": token})
        assert notice_of(made.headers["Location"]) == "main_image"
        public = await json_of(await edge.get(f"{ADS}{ad_id}"), 200)
        assert [image["id"] for image in public["images"]] == [third, first, second]
        gone = public["images"][1]
        deleted = await moderator.post(f"/admin/ads/{ad_id}/media/{first}/delete", {"csrf": token})
        assert notice_of(deleted.headers["Location"]) == "media_deleted"
        public = await json_of(await edge.get(f"{ADS}{ad_id}"), 200)
        assert [image["id"] for image in public["images"]] == [third, second]
        assert public["images_count"] == 2
        assert [(await edge.get(gone[url])).status for url in ("url", "thumbnail_url")] == [404, 404]
        again = await moderator.post(f"/admin/ads/{ad_id}/media/{first}/delete", {"csrf": token})
        assert notice_of(again.headers["Location"]) == "media_missing"
        _, page = await moderator.page(f"/admin/ads/{ad_id}?notice=media_deleted")
        assert re.findall(r'<li id="media-(\d+)">', page) == [str(third), str(second)]
        assert f"deleted from ad {ad_id}" in page and 'id="status">active<' in page

        # Deleting the ad needs a reason; then it is gone from the search, its page and the console.
        delete = f"/admin/ads/{ad_id}/delete"
        unreasoned = await moderator.post(delete, {"csrf": token, "back": "/admin/ads?status=active"})
        assert notice_of(unreasoned.headers["Location"]) == "no_delete_reason"
        assert (await edge.get(f"{ADS}{ad_id}")).status == 200
        removed = await moderator.post(
            delete, {"csrf": token, "reason": "Stolen car", "back": "/admin/ads?status=active"}
        )
        assert removed.headers["Location"] == f"/admin/ads?status=active&notice=deleted&ad={ad_id}"
        assert (await json_of(await edge.get(ADS), 200))["total"] == 0
        assert (await edge.get(f"{ADS}{ad_id}")).status == 404
        assert (await moderator.page(f"/admin/ads/{ad_id}"))[0] == 404

        # Banners: created, refused when wrong, edited, deleted; the public API follows.
        token = await admin.csrf()
        created = await admin.post("/admin/banners", {"csrf": token, **NEW_BANNER})
        banner_id = int(re.findall(r"banner=(\d+)", created.headers["Location"])[0])
        assert notice_of(created.headers["Location"]) == "created"
        shown = await json_of(await edge.get(BANNERS), 200)
        assert [(b["id"], b["title"], b["link_url"], b["position"]) for b in shown["items"]] == [
            (banner_id, "Spring sale", "/sale", 2)
        ]
        async with admin.http.post(
            "/admin/banners", data={"csrf": token, **NEW_BANNER, "ends_at": "2025-12-31T00:00"}
        ) as resp:
            assert resp.status == 400 and "ends_at: must come after starts_at" in await resp.text()
        status, form = await admin.page(f"/admin/banners/{banner_id}")
        assert status == 200 and 'value="2026-01-01T00:00"' in form and "checked" in form
        edited = {**NEW_BANNER, "title": "Summer sale", "link_url": ""}
        del edited["is_active"]  # unchecked: not posted
        saved = await admin.post(f"/admin/banners/{banner_id}", {"csrf": token, **edited})
        assert notice_of(saved.headers["Location"]) == "updated"
        assert (await json_of(await edge.get(BANNERS), 200))["items"] == []
        _, table = await admin.page("/admin/banners")
        assert re.search(rf'<tr id="banner-{banner_id}">.*?Summer sale.*?<td>no</td>', table, re.DOTALL)
        dropped = await admin.post(f"/admin/banners/{banner_id}/delete", {"csrf": token})
        assert notice_of(dropped.headers["Location"]) == "deleted"
        assert (await admin.page(f"/admin/banners/{banner_id}"))[0] == 404
        assert f'id="banner-{banner_id}"' not in (await admin.page("/admin/banners"))[1]

        # Every change is in the audit log, the deletion's reason with it.
        _, log = await admin.page("/admin/audit")
        actions = re.findall(r'<td class="action">([a-z_]+)</td>', log)
        assert actions[:7] == ["delete_banner", "update_banner", "create_banner", "delete_ad",
                               "delete_media", "main_image", "approve_ad"]  # fmt: skip
        assert "reason: Stolen car" in log and f"media: {first}" in log and "kind: image" in log
