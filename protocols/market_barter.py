"""The market domain's barter vertical: FreeMarket's wants and offers, and its category system.

A barter item is a listing of the one listing model (kind `barter`): its name is the listing's
title, its value in tenge its price (currency KZT), its place the owner's city; beside it the
barter attributes: which side (a WANT or an OFFER), the exchange type (PERMANENT: given for good;
TEMPORARY: lent or rented for `duration_days`), the category's slug in the category system, and the
barter list it belongs to. A barter list is what the contract calls a "listing": a user's set of wants
and offers made in one go (`create-by-categories`) and grown or shrunk later (`PATCH`).

An item is `active` (in the matching pool), `archived` (exchanged, or removed by its owner) or
`rejected` (hidden by moderation). Only active items are listed to anyone but their owner.

The matching domain reads the pool (`ReadBarterPool`) and archives exchanged items
(`ArchiveBarterItems`) as the system; every change of an owner's items is published
(`BarterItemsChanged`) so that matching re-matches the part of the graph it touches.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar

from pydantic import Field

from . import subjects
from .envelope import Command, Event, Message
from .fields import (
    BarterItemCount,
    BarterItemIds,
    BarterPoolSize,
    BarterSlug,
    CategoryVersion,
    DurationDays,
    ExchangeKey,
    Id,
    ItemDescription,
    ItemName,
    Offset,
    PageSize,
    Price,
    SomeBarterItemCount,
)
from .market import DOMAIN, AdStatus

BARTER_CURRENCY = "KZT"


class ItemSide(StrEnum):
    WANT = "WANT"
    OFFER = "OFFER"


class ExchangeType(StrEnum):
    PERMANENT = "PERMANENT"
    TEMPORARY = "TEMPORARY"


# --- categories ------------------------------------------------------------------------------------


class BarterCategory(Message):
    slug: str
    name: str
    group: str
    emoji: str
    sort_order: int
    form_schema: dict[str, Any] | None = None


class BarterCategories(Message):
    """One version of the category system, each exchange type's categories in their order."""

    version: str
    description: str
    permanent: list[BarterCategory]
    temporary: list[BarterCategory]


class GetBarterCategories(Command[BarterCategories]):
    """A version of the category system (the current one when None); an unknown one is not found."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "barter_categories")
    idempotent: ClassVar[bool] = True
    version: CategoryVersion | None = None


# --- items -----------------------------------------------------------------------------------------


class NewBarterItem(Message):
    side: ItemSide
    exchange_type: ExchangeType
    category: BarterSlug | None = None  # of the current version, for this exchange type
    item_name: ItemName
    description: ItemDescription | None = None
    value_tenge: Price
    duration_days: DurationDays | None = None  # required for a TEMPORARY item, refused for a PERMANENT one


class BarterItem(Message):
    id: int  # the listing's id
    list_id: int
    owner_id: int
    side: ItemSide
    exchange_type: ExchangeType
    category: str | None
    item_name: str
    description: str | None
    value_tenge: int
    duration_days: int | None
    city: str | None  # the owner's city when the item was written, as he named it
    latitude: float | None
    longitude: float | None
    status: AdStatus
    created_at: datetime
    updated_at: datetime


class BarterItemPage(Message):
    items: list[BarterItem]
    total: int


class BarterList(Message):
    id: int
    owner_id: int
    created_at: datetime
    items: list[BarterItem]


class CreateBarterList(Command[BarterList]):
    """A new barter list of the actor's with these items (`create-by-categories`)."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "create_barter_list")
    items: Annotated[list[NewBarterItem], SomeBarterItemCount]


class AddBarterItem(Command[BarterItem]):
    """One item, into the actor's newest barter list (a new one when he has none)."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "add_barter_item")
    item: NewBarterItem


class BarterListUpdated(Message):
    list_id: int
    owner_id: int
    items_added: int
    items_removed: int
    wants: int  # the list's active items of each side, after the change
    offers: int


class UpdateBarterList(Command[BarterListUpdated]):
    """Add items to one of the actor's lists and remove (archive) some of its items, all or nothing:
    an item to remove that is not in the list, or not active, refuses the whole change."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "update_barter_list")
    list_id: Id
    add: Annotated[list[NewBarterItem], BarterItemCount] = Field(default_factory=list)
    remove_item_ids: Annotated[list[Id], BarterItemCount] = Field(default_factory=list)


class BarterSort(StrEnum):
    CREATED = "created"
    VALUE = "value"
    NAME = "name"


class ListBarterItems(Command[BarterItemPage]):
    """Active items, of one side and/or one owner; an owner asking for his own sees every status."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "list_barter_items")
    idempotent: ClassVar[bool] = True
    side: ItemSide | None = None
    owner_id: Id | None = None
    sort: BarterSort = BarterSort.CREATED
    descending: bool = True
    offset: Offset = 0
    limit: PageSize = 20


class GetBarterItems(Command[BarterItemPage]):
    """These items, whatever their status (for showing an exchange's items); unknown ids are left out."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "get_barter_items")
    idempotent: ClassVar[bool] = True
    item_ids: BarterItemIds


# --- for the matching domain (the system only) -----------------------------------------------------


class BarterPoolPage(Message):
    items: list[BarterItem]
    next_after_id: int | None  # where the next page starts; None: this was the last


class ReadBarterPool(Command[BarterPoolPage]):
    """The active items in id order, a page at a time; of some owners only when `owner_ids` is given."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "read_barter_pool")
    idempotent: ClassVar[bool] = True
    after_id: int = Field(default=0, ge=0)
    limit: BarterPoolSize = 1000
    owner_ids: BarterItemIds | None = None


class BarterItemsArchived(Message):
    item_ids: list[int]


class ArchiveBarterItems(Command[BarterItemsArchived]):
    """Archive exchanged items, all or nothing: one that is not active refuses all (`conflict`).
    Archiving the same items again for the same `exchange_id` answers as the first time did."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "archive_barter_items")
    item_ids: Annotated[list[Id], SomeBarterItemCount]
    exchange_id: ExchangeKey


class BarterItemsChanged(Event):
    """Some of an owner's items were added, changed, archived or hidden."""

    subject: ClassVar[str] = subjects.evt(DOMAIN, "barter_items_changed")
    owner_id: int
    item_ids: list[int]
