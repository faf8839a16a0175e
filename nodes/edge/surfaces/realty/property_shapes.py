"""Realty's property as it answers: the market's property with its files under the document's own
field names (`images`, `layout`, `building_layout`, `territory_layout`, `document_file1..3`), and a
`place_note` saying what of its place could not be found."""

from __future__ import annotations

from pydantic import Field, RootModel

from protocols.market_realty import PlaceSource, Property, PropertyFile, PropertySlot

LAYOUTS = {PropertySlot.LAYOUT: "layout", PropertySlot.BUILDING_LAYOUT: "building_layout",
           PropertySlot.TERRITORY_LAYOUT: "territory_layout"}  # fmt: skip
DOCUMENTS = ("document_file1", "document_file2", "document_file3")
NO_CITY = "The city was not found in the places reference: give `city` (or a fuller `location`) to be matched"
NO_DISTRICT = "The district was not found: give `district` to be matched on it"


class PropertyOut(Property):
    files: list[PropertyFile] = Field(default_factory=list, exclude=True)  # shown by slot below
    images: list[PropertyFile]
    layout: PropertyFile | None
    building_layout: PropertyFile | None
    territory_layout: PropertyFile | None
    document_file1: PropertyFile | None
    document_file2: PropertyFile | None
    document_file3: PropertyFile | None
    place_note: str | None = Field(description="What of the place could not be found, if anything.")


class PropertyListOut(RootModel[list[PropertyOut]]):
    pass


def place_note(item: Property) -> str | None:
    if item.place.city is PlaceSource.UNKNOWN:
        return NO_CITY
    if item.place.district is PlaceSource.UNKNOWN and item.district is None:
        return NO_DISTRICT
    return None


def property_out(item: Property) -> PropertyOut:
    by_slot = {slot: [f for f in item.files if f.slot is slot] for slot in PropertySlot}
    documents = {f.position: f for f in by_slot[PropertySlot.DOCUMENT]}
    return PropertyOut(
        **item.model_dump(exclude={"files"}),
        images=by_slot[PropertySlot.IMAGE],
        **{name: next(iter(by_slot[slot]), None) for slot, name in LAYOUTS.items()},
        **{name: documents.get(position) for position, name in enumerate(DOCUMENTS)},
        place_note=place_note(item),
    )


def property_list(items: list[Property]) -> PropertyListOut:
    return PropertyListOut([property_out(item) for item in items])
