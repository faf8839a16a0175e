"""Where a property is: its city and district as given, else as its address names them, offline: the
catalog's places (`FindCity`, `FindCityInAddress`) and the curated districts (storage/reference)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from nodes.runtime.bus import Bus
from protocols import catalog
from protocols.envelope import Actor
from protocols.market_realty import PlaceSource
from storage.reference import districts


@dataclass(frozen=True)
class Place:
    city: str | None
    city_id: int | None
    region_id: int | None
    country_id: int | None
    latitude: float | None
    longitude: float | None
    city_source: PlaceSource
    district: str | None
    district_key: str | None
    district_source: PlaceSource

    def listing_values(self) -> dict[str, object]:
        values = asdict(self)
        return {
            name: values[name] for name in ("city_id", "region_id", "country_id", "latitude", "longitude")
        }

    def attribute_values(self) -> dict[str, object]:
        return {"city": self.city, "district": self.district, "district_key": self.district_key,
                "city_source": self.city_source.value, "district_source": self.district_source.value}  # fmt: skip


async def place_of(bus: Bus, location: str, city: str | None, district: str | None) -> Place:
    system = Actor.system()
    found: catalog.City | None
    named: str | None
    if city:
        found = (await bus.request(catalog.FindCity(name=city), actor=system)).city
        named, city_source = city, PlaceSource.GIVEN if found is not None else PlaceSource.UNKNOWN
    else:
        in_address = await bus.request(catalog.FindCityInAddress(address=location), actor=system)
        found, named = in_address.city, in_address.named
        city_source = PlaceSource.ADDRESS if found is not None else PlaceSource.UNKNOWN
    city_id = found.id if found is not None else None
    district_name: str | None
    if district:
        listed = districts.canonical(city_id, district)
        district_name, district_source = (
            listed or district,
            PlaceSource.GIVEN if listed else PlaceSource.UNKNOWN,
        )
    else:
        district_name = districts.in_address(city_id, location)
        district_source = PlaceSource.ADDRESS if district_name is not None else PlaceSource.UNKNOWN
    return Place(
        city=named, city_id=city_id, city_source=city_source,
        region_id=found.region_id if found else None, country_id=found.country_id if found else None,
        latitude=found.latitude if found else None, longitude=found.longitude if found else None,
        district=district_name, district_source=district_source,
        district_key=districts.match_key(city_id, district_name) if district_name else None,
    )  # fmt: skip
