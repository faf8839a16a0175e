"""The MaxMind-format city database `[catalog] geoip_db` names, if any: an address's GeoNames city id,
or its coordinates where the database has no city for it."""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass
from typing import Any

import maxminddb

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Located:
    geoname_id: int | None
    latitude: float | None
    longitude: float | None


def public_address(ip: str | None) -> str | None:
    """`ip` if it is a global address (none private, loopback, link-local, reserved...), else None."""
    try:
        address = ipaddress.ip_address((ip or "").strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return str(address) if address.is_global else None


class GeoIp:
    def __init__(self, path: str) -> None:
        self._reader: maxminddb.Reader | None = None
        if not path:
            return
        try:
            self._reader = maxminddb.open_database(path)
        except (OSError, ValueError) as exc:  # a missing or broken file: detect answers the default city
            log.warning("[catalog] geoip_db %s cannot be read (%s): no location is detected", path, exc)

    def locate(self, address: str) -> Located | None:
        if self._reader is None:
            return None
        try:
            record: Any = self._reader.get(address)
        except (ValueError, maxminddb.InvalidDatabaseError):  # e.g. an IPv6 address in an IPv4 database
            return None
        if not isinstance(record, dict):
            return None
        city, location = record.get("city") or {}, record.get("location") or {}
        geoname_id = city.get("geoname_id") if isinstance(city, dict) else None
        latitude = location.get("latitude") if isinstance(location, dict) else None
        longitude = location.get("longitude") if isinstance(location, dict) else None
        return Located(
            geoname_id if isinstance(geoname_id, int) else None,
            float(latitude) if isinstance(latitude, int | float) else None,
            float(longitude) if isinstance(longitude, int | float) else None,
        )

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
