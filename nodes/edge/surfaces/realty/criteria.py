"""A buyer request's fields as Realty's clients write them: what `users/create_request` takes and what
`properties/search` filters on. Words are read in English or Russian (vocabulary.py)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from protocols.fields import Area, DistrictName, PlaceName, PropertyPrice, PropertyWord, Quarter, Year

from .vocabulary import (
    CONDITION_WORD,
    CURRENCY_WORD,
    DEAL_FORMAT_WORD,
    PROPERTY_SUBTYPE_WORD,
    PROPERTY_TYPE_WORD,
)


class RequestCriteria(BaseModel):
    """Every one optional."""

    city: PlaceName | None = None
    district: DistrictName | None = None
    deal_format: DEAL_FORMAT_WORD | None = None
    type: PROPERTY_TYPE_WORD | None = None
    subtype: PROPERTY_SUBTYPE_WORD | None = None
    condition: CONDITION_WORD | None = None
    construction_year: Year | None = None
    construction_quarter: Quarter | None = None
    total_rooms: PropertyWord | None = Field(default=None, description='"студия", "2", "4+" or "2-3"')
    total_area_min: Area | None = None
    total_area_max: Area | None = None
    budget_min: PropertyPrice | None = None
    budget_max: PropertyPrice | None = None
    currency: CURRENCY_WORD | None = Field(default=None, description="The budget's; RUB when not given")
