"""Membership Auto's starting network, as migration 0020 seeds it: a few service locations and offers
running at them, so that a member can book and see offers on a fresh install. Staff change or add to
them through the API. The locations are made up (names, addresses, phones); their coordinates are
those of the neighbourhoods named, and their time zones those places keep. The offers run for a
year from the migration."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

OFFERS_RUN = timedelta(days=365)

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")


def _hours(weekdays: str, saturday: str | None) -> list[dict[str, str]]:
    opens, closes = weekdays.split("-")
    days = [{"weekday": day, "opens": opens, "closes": closes} for day in WEEKDAYS]
    if saturday is not None:
        opens, closes = saturday.split("-")
        days.append({"weekday": "saturday", "opens": opens, "closes": closes})
    return days


# id, name, address, latitude, longitude, time zone, bays, phone, weekday hours, Saturday hours
LOCATIONS = (
    ("3f6c1a52-7e0b-4a55-9f0e-1d2b6a7c0001", "Membership Auto Lower Manhattan", "120 Service Row, New York, NY 10013",
     40.7163, -74.0086, "America/New_York", 4, "+12125550101", "07:30-18:00", "09:00-14:00"),
    ("3f6c1a52-7e0b-4a55-9f0e-1d2b6a7c0002", "Membership Auto Brooklyn", "45 Garage Lane, Brooklyn, NY 11217",
     40.6826, -73.9754, "America/New_York", 3, "+17185550102", "08:00-18:00", "09:00-15:00"),
    ("3f6c1a52-7e0b-4a55-9f0e-1d2b6a7c0003", "Membership Auto Jersey City", "9 Bay Street, Jersey City, NJ 07302",
     40.7178, -74.0431, "America/New_York", 2, "+12015550103", "08:00-17:00", None),
    ("3f6c1a52-7e0b-4a55-9f0e-1d2b6a7c0004", "Membership Auto Chicago Loop", "300 Wacker Way, Chicago, IL 60606",
     41.8827, -87.6233, "America/Chicago", 3, "+13125550104", "08:00-18:00", "09:00-13:00"),
    ("3f6c1a52-7e0b-4a55-9f0e-1d2b6a7c0005", "Membership Auto Downtown LA", "700 Figueroa Court, Los Angeles, CA 90017",
     34.0522, -118.2551, "America/Los_Angeles", 4, "+12135550105", "08:00-18:00", "09:00-14:00"),
)  # fmt: skip
NEW_YORK = [row[0] for row in LOCATIONS[:3]]
EVERYWHERE = [row[0] for row in LOCATIONS]

# id, title, description, terms, tiers, locations
OFFERS: tuple[tuple[str, str, str, str, list[str], list[str]], ...] = (
    ("6a1d0c3e-52b4-4c8e-8f7a-2e9b5d1f0001", "Welcome Oil Change",
     "$20 off your first oil and filter change with us.",
     "One per member. Not combinable with other offers.", [], EVERYWHERE),
    ("6a1d0c3e-52b4-4c8e-8f7a-2e9b5d1f0002", "Maintenance Special",
     "20% off all maintenance services.",
     "Labour only; parts at list price.", ["basic", "plus"], NEW_YORK),
    ("6a1d0c3e-52b4-4c8e-8f7a-2e9b5d1f0003", "Free Tire Rotation",
     "A free tire rotation with any service visit.",
     "Once every 6 months.", ["plus", "premium"], EVERYWHERE),
)  # fmt: skip


def location_rows(now: datetime) -> list[dict[str, Any]]:
    return [
        {"id": id_, "name": name, "address": address, "latitude": lat, "longitude": lng, "time_zone": zone,
         "bays": bays, "phone": phone, "opening_hours": _hours(weekdays, saturday), "active": True,
         "created_at": now, "updated_at": now}
        for id_, name, address, lat, lng, zone, bays, phone, weekdays, saturday in LOCATIONS
    ]  # fmt: skip


def offer_rows(now: datetime) -> list[dict[str, Any]]:
    return [
        {"id": id_, "title": title, "description": description, "terms": terms, "starts_at": now,
         "expires_at": now + OFFERS_RUN, "tiers": tiers, "created_at": now, "updated_at": now}
        for id_, title, description, terms, tiers, _ in OFFERS
    ]  # fmt: skip


def offer_location_rows() -> list[dict[str, str]]:
    return [{"offer_id": row[0], "location_id": location} for row in OFFERS for location in row[5]]
