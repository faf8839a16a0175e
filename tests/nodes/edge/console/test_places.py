"""The console's Realty and Garage sections over HTTP: data made through the contracts' APIs (a realtor's
properties, a buyer's request, a member's vehicle and appointment) shows in each table, filtered and
sorted on the server; an admin archives and restores a property (it leaves and returns to the public
search), closes a request, cancels an appointment (the garage's staff API sees it cancelled) and
deletes an offer, each in the audit log; a moderator is refused (by the edge, and by the workers), and
a form without its CSRF token changes nothing."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from protocols.envelope import Actor, Command, DomainError, ErrorCode, Role
from protocols.garage import ListVehiclesForStaff
from protocols.garage_service import ListLocationsForStaff
from protocols.market_realty import ListPropertiesForStaff
from protocols.realty import ListRequestsForStaff
from tests.conftest import Cluster
from tests.nodes.edge.surfaces.garage.service_client import add_location, book, next_slot, staff
from tests.nodes.edge.surfaces.garage.telemetry_client import CIVIC, account_of, member_with_vehicle
from tests.support.console import Console, account, console_at, given_role
from tests.support.eventually import until
from tests.support.http import json_of
from tests.support.places import places_loaded
from tests.support.realty import list_property, realty_user

# Plain filtered and paged selects: the suite's time keeps this flow on SQLite.
pytestmark = [
    pytest.mark.domains("identity", "catalog", "market", "realty", "garage", "moderation"),
    pytest.mark.database_agnostic,
]

REQUEST = {"city": "Москва", "deal_format": "хочу купить", "type": "квартира"}
ACTION = r'<td class="action">([a-z_]+)</td>'


def rows(page: str, kind: str) -> list[str]:
    return re.findall(rf'<tr id="{kind}-([0-9a-f-]+)">', page)


async def shown(console: Console, path: str, kind: str) -> list[str]:
    status, page = await console.page(path)
    assert status == 200, page
    return rows(page, kind)


async def searched(cluster: Cluster) -> list[int]:
    found = await json_of(await cluster.edge_b.get("/properties/search", params={"city": "Москва"}), 200)
    return [item["id"] for item in found]


async def test_realty_and_garage_tables_and_their_recorded_actions(cluster: Cluster) -> None:
    edge, url = cluster.edge_a, cluster.settings.database.url
    admin_id, _ = await account(edge.post, "admin@example.com")
    moderator_id, _ = await account(edge.post, "moderator@example.com")
    await given_role(url, admin_id, "admin")
    await given_role(url, moderator_id, "moderator")
    realtor = await realty_user(edge, "+79001112233", "realtor")
    buyer = await realty_user(edge, "+79004445566")
    # The request first: the properties then match it as they are published (no notice to wait on).
    await places_loaded(cluster.worker_bus)
    asked = await json_of(await edge.post("/users/create_request", json=REQUEST, headers=buyer.headers), 200)
    dear = await list_property(cluster, edge, realtor, price="30000000", title="Пентхаус")
    cheap = await list_property(cluster, edge, realtor, price="9000000", title="Студия")
    member, vehicle_id = await member_with_vehicle(edge, "member@example.com")
    shop = await add_location(cluster, "Harbour Garage")
    start = next_slot(timedelta(hours=2))
    booked = await json_of(await book(edge, member, vehicle_id, shop["id"], start), 201)
    offers = await json_of(await edge.get("/api/staff/offers/", headers=staff(cluster)), 200)
    offer_id = offers[0]["id"]
    owner = account_of(member)
    as_admin = Actor(user_id=admin_id, role=Role.ADMIN)

    async with console_at(str(edge.make_url("/"))) as admin, console_at(str(edge.make_url("/"))) as moderator:
        assert (await admin.sign_in("admin@example.com")).status == 303
        assert (await moderator.sign_in("moderator@example.com")).status == 303
        token = await admin.csrf()

        # Refused: a moderator's pages and forms (the edge), his commands (each worker); a form
        # without the session's token.
        assert (await moderator.page("/admin/realty/properties"))[0] == 403
        assert (await moderator.page("/admin/garage/vehicles"))[0] == 403
        archive = f"/admin/realty/properties/{dear['id']}/archive"
        assert (await moderator.post(archive, {"csrf": await moderator.csrf()})).status == 403
        assert (await admin.post(archive, {})).status == 403
        staff_lists: list[Command[Any]] = [
            ListPropertiesForStaff(),
            ListRequestsForStaff(),
            ListVehiclesForStaff(),
        ]
        for cmd in staff_lists:
            with pytest.raises(DomainError) as refused:
                await cluster.worker_bus.request(cmd, actor=Actor(user_id=moderator_id, role=Role.MODERATOR))
            assert refused.value.code is ErrorCode.FORBIDDEN
        assert sorted(await searched(cluster)) == sorted([dear["id"], cheap["id"]])

        # Buyer requests: with their criteria and matches; closed from the console.
        open_requests = f"/admin/realty/requests?status=open&owner={buyer.id}"
        matched = re.compile(rf'<tr id="request-{asked["id"]}">.*?<td class="num">2</td>', re.DOTALL)

        async def both_matched() -> bool:
            return matched.search((await admin.page(open_requests))[1]) is not None

        await until(both_matched, within_s=10, what="the request's two matches")
        _, requests = await admin.page(open_requests)
        assert rows(requests, "request") == [str(asked["id"])] and "in Москва" in requests
        closed = await admin.post(f"/admin/realty/requests/{asked['id']}/close", {"csrf": token})
        assert "notice=closed" in closed.headers["Location"]
        assert await shown(admin, "/admin/realty/requests?status=open", "request") == []
        assert await shown(admin, "/admin/realty/requests?status=closed", "request") == [str(asked["id"])]
        mine = await json_of(await edge.get("/users/my_requests", headers=buyer.headers), 200)
        assert [item["status"] for item in mine] == ["closed"]

        # Properties: shown, filtered by status, city and owner, sorted by price.
        assert (await admin.page("/admin/realty"))[0] == 303
        both = [str(dear["id"]), str(cheap["id"])]
        assert await shown(admin, "/admin/realty/properties?sort=price_asc", "property") == both[::-1]
        assert await shown(admin, "/admin/realty/properties?sort=price_desc", "property") == both
        assert (
            await shown(admin, f"/admin/realty/properties?city=Москва&owner={realtor.id}", "property")
            == both[::-1]
        )
        assert await shown(admin, "/admin/realty/properties?city=Казань", "property") == []
        assert await shown(admin, f"/admin/realty/properties?owner={buyer.id}", "property") == []
        _, listed = await admin.page("/admin/realty/properties")
        assert f'href="/admin/users/{realtor.id}"' in listed and "Пентхаус" in listed
        assert (await admin.page("/admin/realty/properties?status=sold"))[0] == 400
        second = await cluster.worker_bus.request(ListPropertiesForStaff(offset=1, limit=1), actor=as_admin)
        assert [item.id for item in second.items] == [dear["id"]] and second.total == 2  # newest first

        # Archived from the console: out of the public search; restored: back in it.
        back = f"/admin/realty/properties?owner={realtor.id}"
        done = await admin.post(archive, {"csrf": token, "back": back})
        assert done.status == 303 and done.headers["Location"].startswith(back + "&notice=archived")
        assert await searched(cluster) == [cheap["id"]]
        assert await shown(admin, "/admin/realty/properties?status=archived", "property") == [str(dear["id"])]
        _, noticed = await admin.page(done.headers["Location"])
        assert f"Property {dear['id']} archived" in noticed
        restore = f"/admin/realty/properties/{dear['id']}/restore"
        assert "notice=restored" in (await admin.post(restore, {"csrf": token})).headers["Location"]
        assert sorted(await searched(cluster)) == sorted([dear["id"], cheap["id"]])
        missing = await admin.post("/admin/realty/properties/999999/archive", {"csrf": token})
        assert "notice=missing" in missing.headers["Location"]

        # Vehicles: filtered by owner and make (its case aside), the VIN in full.
        assert (await admin.page("/admin/garage"))[0] == 303
        _, vehicles = await admin.page(f"/admin/garage/vehicles?owner={owner}&make=honda")
        assert rows(vehicles, "vehicle") == [vehicle_id] and str(CIVIC["vin"]) in vehicles
        assert await shown(admin, "/admin/garage/vehicles?make=Toyota", "vehicle") == []
        assert await shown(admin, f"/admin/garage/vehicles?owner={admin_id}", "vehicle") == []

        # Appointments: filtered by status, location and day; cancelled from the console.
        day = start.date().isoformat()
        here = f"/admin/garage/appointments?status=booked&location={shop['id']}&day={day}"
        _, appointments = await admin.page(here)
        assert rows(appointments, "appointment") == [booked["id"]]
        assert re.search(
            rf'<tr id="appointment-{booked["id"]}">\s*<td>[^<]+</td>\s*<td>Harbour Garage</td>', appointments
        )
        later = (start + timedelta(days=2)).date().isoformat()
        assert await shown(admin, f"/admin/garage/appointments?day={later}", "appointment") == []
        assert await shown(admin, "/admin/garage/appointments?status=completed", "appointment") == []
        cancel = f"/admin/garage/appointments/{booked['id']}/cancel"
        cancelled = await admin.post(cancel, {"csrf": token, "back": here})
        assert cancelled.headers["Location"].startswith(here + "&notice=cancelled")
        the_day = f"/api/staff/appointments/?locationId={shop['id']}&date={day}"
        listed_day = await json_of(await edge.get(the_day, headers=staff(cluster)), 200)
        assert [(a["id"], a["status"]) for a in listed_day] == [(booked["id"], "cancelled")]
        assert await shown(admin, "/admin/garage/appointments?status=cancelled", "appointment") == [
            booked["id"]
        ]

        # Locations and offers: their tables; an offer deleted from the console.
        _, locations = await admin.page("/admin/garage/locations")
        assert shop["id"] in rows(locations, "location") and "Harbour Garage" in locations
        paged = await cluster.worker_bus.request(ListLocationsForStaff(offset=1, limit=1), actor=as_admin)
        assert [item.id for item in paged.items] == rows(locations, "location")[1:2]
        assert paged.total == len(rows(locations, "location")) > 1
        assert offer_id in await shown(admin, "/admin/garage/offers", "offer")
        deleted = await admin.post(f"/admin/garage/offers/{offer_id}/delete", {"csrf": token})
        assert "notice=deleted" in deleted.headers["Location"]
        left = await json_of(await edge.get("/api/staff/offers/", headers=staff(cluster)), 200)
        assert offer_id not in {offer["id"] for offer in left}
        assert offer_id not in await shown(admin, "/admin/garage/offers", "offer")

        # Every action in the audit log, newest first, with what it was done to.
        _, audit = await admin.page("/admin/audit")
        assert re.findall(ACTION, audit)[:5] == [
            "delete_offer", "cancel_appointment", "restore_property", "archive_property", "close_request",
        ]  # fmt: skip
        assert f"property {dear['id']}" in audit and f"request {asked['id']}" in audit
        assert f"user {owner}" in audit and booked["id"] in audit and offer_id in audit
