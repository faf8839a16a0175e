"""Membership Auto (004) appointments through HTTP on two edges, on both databases: a location's slots
on its own clock, booking (own vehicle, published services, slot starts, opening hours, bays),
upcoming, cancelling, staff completing; a slot asked for by several members at the same moment, on two
garage workers, is booked once; the reminder a day before is sent once."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from protocols.envelope import Actor, Role
from protocols.garage_service import APPOINTMENT_REMINDER
from protocols.identity import GetUser
from protocols.notify import ListNotifications
from scheduler.app import SchedulerApp
from tests.conftest import Cluster
from tests.support.http import json_of
from tests.support.workers import more_workers

from .service_client import WEEK, add_location, at_once, book, next_slot, staff, zulu
from .telemetry_client import member_with_vehicle

pytestmark = pytest.mark.domains("identity", "garage", "notify")

KOLKATA = ZoneInfo("Asia/Kolkata")  # +05:30 all year: a location's day is not UTC's
FIELDS = {"id", "user", "vehicleId", "locationId", "startTime", "endTime", "services", "status", "createdAt"}


def local(day: date, clock: str) -> datetime:
    hours, minutes = map(int, clock.split(":"))
    return datetime(day.year, day.month, day.day, hours, minutes, tzinfo=KOLKATA)


def weekday_after(start: date, *, sunday: bool) -> date:
    """The first date from `start` that is (or is not) a Sunday."""
    day = start
    while (day.weekday() == 6) != sunday:
        day += timedelta(days=1)
    return day


async def test_a_member_books_sees_and_cancels_and_staff_complete(cluster: Cluster) -> None:
    edge_a, edge_b = cluster.edges
    hours = [{"weekday": day, "opens": "08:00", "closes": "18:00"} for day in WEEK[:6]]  # closed on Sundays
    shop = await add_location(cluster, "Kolkata Service", timeZone="Asia/Kolkata", openingHours=hours)
    john, civic = await member_with_vehicle(edge_a, "john@example.com")
    mary, marys = await member_with_vehicle(edge_b, "mary@example.com")
    tomorrow = datetime.now(KOLKATA).date() + timedelta(days=1)
    day = weekday_after(tomorrow + timedelta(days=1), sunday=False)  # a weekday, entirely ahead
    assert shop["id"] in {
        loc["id"] for loc in await json_of(await edge_b.get("/api/locations/", headers=mary), 200)
    }

    def slots_of(on: date) -> str:
        return f"/api/appointments/availability/?locationId={shop['id']}&date={on.isoformat()}"

    free = (await json_of(await edge_a.get(slots_of(day), headers=john), 200))["availableSlots"]
    assert len(free) == 20 and free[0] == {
        "start": zulu(local(day, "08:00")),
        "end": zulu(local(day, "08:30")),
    }
    assert free[-1]["end"] == zulu(local(day, "18:00"))  # the day's end, on the location's clock
    sunday = weekday_after(tomorrow, sunday=True)
    assert await json_of(await edge_a.get(slots_of(sunday), headers=john), 200) == {"availableSlots": []}
    assert "date" in await json_of(await edge_a.get(slots_of(date(1, 1, 1)), headers=john), 400)
    services = await json_of(await edge_a.get("/api/appointments/services/", headers=john), 200)
    assert {"code": "oil_change", "name": "Oil and filter change", "durationMinutes": 30} in services

    # Booked: oil change and tire rotation take an hour, two slots of the one bay.
    nine = local(day, "09:00")
    booked = await json_of(
        await book(edge_a, john, civic, shop["id"], nine, "oil_change", "tire_rotation"), 201
    )
    assert set(booked) == FIELDS and booked["status"] == "booked" and booked["vehicleId"] == civic
    assert (booked["startTime"], booked["endTime"]) == (zulu(nine), zulu(nine + timedelta(hours=1)))
    starts = [
        s["start"]
        for s in (await json_of(await edge_b.get(slots_of(day), headers=mary), 200))["availableSlots"]
    ]
    assert zulu(nine) not in starts and zulu(nine + timedelta(minutes=30)) not in starts and len(starts) == 18

    # What a booking may not be: each refused with nothing stored.
    async def refused(field: str, *args: object, headers: dict[str, str] = john, status: int = 400) -> str:
        answer = await json_of(await book(edge_b, headers, *args), status)  # type: ignore[arg-type]
        return str(answer[field][0] if field != "error" else answer[field])

    assert "no longer available" in await refused("startTime", marys, shop["id"], nine, headers=mary)
    assert "another appointment" in await refused(
        "vehicleId", civic, shop["id"], nine + timedelta(minutes=30)
    )
    assert "slot" in await refused("startTime", civic, shop["id"], local(day, "10:15"))
    assert "closing" in await refused("startTime", civic, shop["id"], local(day, "17:30"), "wheel_alignment")
    assert "slot" in await refused("startTime", civic, shop["id"], local(sunday, "10:00"))
    assert "passed" in await refused("startTime", civic, shop["id"], datetime.now(UTC) - timedelta(hours=1))
    assert "services" in await json_of(
        await book(edge_b, john, civic, shop["id"], nine, "teleportation"), 400
    )
    assert await refused("error", marys, shop["id"], local(day, "11:00"), status=404) == "Vehicle not found"
    unknown = "00000000-0000-4000-8000-000000000000"
    assert await refused("error", civic, unknown, local(day, "11:00"), status=404) == "Location not found"
    assert await json_of(await edge_a.get("/api/appointments/upcoming/", headers=john), 200) == [booked]
    assert await json_of(await edge_a.get("/api/appointments/upcoming/", headers=mary), 200) == []

    # Cancelled by its member only; its slots are free again.
    cancel = f"/api/appointments/{booked['id']}/cancel/"
    assert await json_of(await edge_b.post(cancel, headers=mary), 404) == {"error": "Appointment not found"}
    cancelled = await json_of(await edge_b.post(cancel, headers=john), 200)
    assert cancelled == {**booked, "status": "cancelled"}
    assert await json_of(await edge_b.post(cancel, headers=john), 200) == cancelled  # again: as it is
    assert len((await json_of(await edge_a.get(slots_of(day), headers=mary), 200))["availableSlots"]) == 20
    assert await json_of(await edge_a.get("/api/appointments/upcoming/", headers=john), 200) == []

    # Mary takes the time; staff complete it, a member cannot; completed, it cannot be cancelled.
    marys_booking = await json_of(await book(edge_a, mary, marys, shop["id"], nine), 201)
    complete = f"/api/staff/appointments/{marys_booking['id']}/complete/"
    assert await json_of(await edge_a.post(complete, headers=mary), 403) == {"error": "Staff only"}
    completed = await json_of(await edge_a.post(complete, headers=staff(cluster)), 200)
    assert completed == {**marys_booking, "status": "completed"}
    assert await json_of(await edge_b.post(complete, headers=staff(cluster)), 200) == completed
    refusal = await json_of(
        await edge_b.post(f"/api/appointments/{marys_booking['id']}/cancel/", headers=mary), 400
    )
    assert "completed" in refusal["error"]
    cancelled_again = await edge_a.post(
        f"/api/staff/appointments/{booked['id']}/complete/", headers=staff(cluster)
    )
    assert "cancelled" in (await json_of(cancelled_again, 400))["error"]
    the_day = f"/api/staff/appointments/?locationId={shop['id']}&date={day.isoformat()}"
    listed = await json_of(await edge_b.get(the_day, headers=staff(cluster)), 200)
    assert {(a["id"], a["status"]) for a in listed} == {
        (booked["id"], "cancelled"),
        (completed["id"], "completed"),
    }
    assert (await edge_b.get(the_day, headers=john)).status == 403


async def test_a_slot_asked_for_at_once_is_booked_once_and_its_member_reminded_once(cluster: Cluster) -> None:
    shop = await add_location(cluster, "One Bay")
    members = [await member_with_vehicle(cluster.edges[n % 2], f"m{n}@example.com") for n in range(4)]
    start = next_slot(timedelta(hours=1))
    async with more_workers(cluster.settings, "garage"):  # two garage workers take the bookings
        statuses = await at_once(
            *(
                book(cluster.edges[n % 2], headers, vehicle, shop["id"], start)
                for n, (headers, vehicle) in enumerate(members)
            )
        )
    assert sorted(statuses) == [201, 400, 400, 400], statuses
    winner = members[statuses.index(201)][0]
    slots = f"/api/appointments/availability/?locationId={shop['id']}&date={start.date().isoformat()}"
    free = (await json_of(await cluster.edge_a.get(slots, headers=winner), 200))["availableSlots"]
    assert zulu(start) not in [slot["start"] for slot in free]
    [booked] = await json_of(await cluster.edge_b.get("/api/appointments/upcoming/", headers=winner), 200)

    # It starts within a day: the reminder goes out once, however many runs send it.
    scheduler = SchedulerApp(cluster.worker_bus, cluster.settings)
    assert await asyncio.gather(*(scheduler.run_job_now("remind_appointments") for _ in range(2))) == [
        "ok",
        "ok",
    ]
    assert await scheduler.run_job_now("remind_appointments") == "ok"
    account = await cluster.worker_bus.request(GetUser(public_id=booked["user"]), actor=Actor.system())
    page = await cluster.worker_bus.request(
        ListNotifications(limit=100), actor=Actor(user_id=account.id, role=Role.USER)
    )
    reminders = [n for n in page.items if n.type == APPOINTMENT_REMINDER]
    assert len(reminders) == 1 and reminders[0].payload["appointmentId"] == booked["id"]
    assert reminders[0].payload["startTime"] == start.isoformat() and "One Bay" in reminders[0].message
