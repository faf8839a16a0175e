"""FreeMarket (seeds/001): exchange history (`/api/history/...`), on the matching domain's history
(protocols.matching_reviews), the market's items (their names) and identity (people's names).

Choices where the document is silent:

- Statuses: COMPLETED is a completed exchange (everyone confirmed), ACTIVE one proposed (a chain
  waiting for acceptances) or agreed and under way, CANCELLED one dissolved (declined, or an item
  left the pool). Without `status`, every exchange is listed, newest first.
- The partner is the participant whose item the caller receives: in a swap the other one, in a
  chain the one before him in the ring. `partner_rating` is the partner's average rating (0.0
  without reviews). `items` names the item the caller gives, then the one he receives.
  `completed_at` is null until the exchange completes. `rating_given` and `review_text` are the
  caller's own review of the exchange, null before he writes one.
- The detail's participants are in ring order; the first is the `initiator`, the rest `partner`s.
  Its timeline is the exchange's own (CREATED, ACCEPTED, DECLINED, AGREED, CONFIRMED, COMPLETED,
  DISSOLVED) with MESSAGE_SENT at the exchange chat's first message, when there is one, oldest first.
  `final_rating` is the average of the exchange's reviews (null without any); an outsider gets 404.
- The export is streamed a page at a time (never the whole history in memory): JSON is
  `{"filters_applied": [...], "exchanges": [...]}` with the list's entries, CSV the document's
  columns with `items` joined by ", " (quoted as CSV needs; a cell that a spreadsheet would take for a
  formula, starting with = + - @, gets a leading `'`). `start_date` / `end_date` take a date
  or a date and time (no zone: UTC); a bare `end_date` includes its whole day. They bound when the
  exchange happened: when it completed or dissolved, else when it was made.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated

import orjson
from aiohttp import web
from pydantic import BaseModel, BeforeValidator, Field

from nodes.edge.cors import cors_headers
from nodes.edge.errors import found_or_none
from nodes.edge.http import SurfaceRoutes, json_response, read_query
from nodes.edge.session_http import require_actor
from nodes.edge.state import BUS, REQUEST_ID, SETTINGS
from protocols.chat import ConversationKind, FindConversation, ListMessages
from protocols.envelope import Actor, DomainError, ErrorCode
from protocols.fields import Moment, Offset, PageSize
from protocols.market_barter import BarterItem
from protocols.matching import ExchangeStatus
from protocols.matching_reviews import (
    HISTORY_STATUS_OF,
    HISTORY_STATUSES,
    GetExchangeHistory,
    HistoryEntry,
    HistoryPage,
    HistoryStatus,
    ListMyExchanges,
    TimelineEvent,
)

from .errors import SURFACE
from .people import barter_items, names

routes = SurfaceRoutes(SURFACE)

NOT_FOUND = "Exchange not found"
EXCHANGE_KEY_MAX = 120  # protocols.fields.ExchangeKey
EXPORT_PAGE = 100  # exchanges read, described and written at once
CSV_COLUMNS = ("exchange_id", "partner_name", "status", "completed_at", "rating_given", "items")
DEFAULT_DETAILS = {
    "CREATED": "Exchange created via matching",
    "ACCEPTED": "Chain accepted by a participant",
    "DECLINED": "Chain declined by a participant",
    "AGREED": "Exchange agreed by every participant",
    "CONFIRMED": "Exchange confirmed by a participant",
    "COMPLETED": "Items exchanged successfully",
    "DISSOLVED": "Exchange dissolved",
}


class ExportFormat(StrEnum):
    JSON = "JSON"
    CSV = "CSV"


class HistoryQuery(BaseModel):
    status: HistoryStatus | None = None
    skip: Offset = 0
    limit: PageSize = 20


def _day_start(value: object, days: int = 0) -> object:
    """A bare date is its day's first moment in UTC (or a later day's: `days`)."""
    if isinstance(value, str) and len(value) == len("2025-11-05"):
        try:
            return datetime.combine(date.fromisoformat(value) + timedelta(days=days), time(), UTC)
        except (ValueError, OverflowError):
            return value  # the datetime validator words the error
    return value


StartMoment = Annotated[Moment, BeforeValidator(_day_start)]
EndMoment = Annotated[Moment, BeforeValidator(lambda value: _day_start(value, days=1))]


class ExportQuery(BaseModel):
    format: ExportFormat = ExportFormat.JSON
    start_date: StartMoment | None = None
    end_date: EndMoment | None = Field(default=None, description="A bare date includes its whole day.")


class HistoryItemOut(BaseModel):
    id: str
    partner_name: str
    partner_rating: float
    status: HistoryStatus
    items: list[str]
    completed_at: datetime | None
    rating_given: int | None
    review_text: str | None


class HistoryOut(BaseModel):
    exchanges: list[HistoryItemOut]
    total: int
    filters_applied: list[str]


class ParticipantOut(BaseModel):
    user_id: int
    name: str
    role: str


class TimelineOut(BaseModel):
    event_type: str
    timestamp: datetime
    details: str


class ExchangeHistoryOut(BaseModel):
    exchange_id: str
    participants: list[ParticipantOut]
    timeline: list[TimelineOut]
    final_rating: float | None
    review_count: int


# --- the list, and the export ----------------------------------------------------------------------


async def described(request: web.Request, actor: Actor, page: HistoryPage) -> list[HistoryItemOut]:
    """A page of the history with its people's and items' names."""
    people = await names(request, (entry.partner_id for entry in page.items))
    items = await barter_items(
        request, actor, [i for e in page.items for i in (e.gives_item_id, e.receives_item_id)]
    )
    return [history_item(entry, people[entry.partner_id], items) for entry in page.items]


def history_item(entry: HistoryEntry, partner_name: str, items: dict[int, BarterItem]) -> HistoryItemOut:
    exchange = entry.exchange
    return HistoryItemOut(
        id=exchange.public_id, partner_name=partner_name, partner_rating=entry.partner_rating,
        status=HISTORY_STATUS_OF[exchange.status],
        items=[items[i].item_name for i in (entry.gives_item_id, entry.receives_item_id) if i in items],
        completed_at=exchange.completed_at, rating_given=entry.rating_given, review_text=entry.review_text,
    )  # fmt: skip


def statuses(status: HistoryStatus | None) -> list[ExchangeStatus]:
    return [] if status is None else list(HISTORY_STATUSES[status])


@routes.get("/api/history/my-exchanges", query=HistoryQuery, auth=True,
            responses={200: HistoryOut, 400: None, 401: None})  # fmt: skip
async def my_exchanges(request: web.Request) -> web.Response:
    """Get the caller's exchange history, newest first, optionally of one status."""
    actor = require_actor(request)
    query = read_query(request, HistoryQuery)
    cmd = ListMyExchanges(statuses=statuses(query.status), offset=query.skip, limit=query.limit)
    page = await request.app[BUS].request(cmd, actor=actor)
    filters = [] if query.status is None else [f"status:{query.status.value}"]
    out = HistoryOut(
        exchanges=await described(request, actor, page), total=page.total, filters_applied=filters
    )
    return json_response(out)


def export_filters(request: web.Request, query: ExportQuery) -> list[str]:
    """The bounds as the client gave them (`filters_applied`)."""
    if query.start_date is not None and query.end_date is not None and query.start_date >= query.end_date:
        raise DomainError(ErrorCode.VALIDATION, "start_date must be before end_date")
    return [f"{name}:{request.query[name]}" for name in ("start_date", "end_date") if name in request.query]


# A cell a spreadsheet would read as a formula (CSV injection) is kept as text by a leading quote.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_rows(rows: list[HistoryItemOut]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        completed = row.completed_at.isoformat().replace("+00:00", "Z") if row.completed_at else ""
        rating = "" if row.rating_given is None else str(row.rating_given)
        names = ", ".join(row.items)
        writer.writerow([row.id, cell(row.partner_name), row.status.value, completed, rating, cell(names)])
    return out.getvalue().encode()


def json_rows(rows: list[HistoryItemOut], first: bool) -> bytes:
    chunk = b",".join(row.model_dump_json().encode() for row in rows)
    return chunk if first or not chunk else b"," + chunk


@routes.get("/api/history/my-exchanges/export", query=ExportQuery, auth=True,
            responses={200: None, 400: None, 401: None})  # fmt: skip
async def export(request: web.Request) -> web.StreamResponse:
    """Export the caller's exchange history as a JSON or CSV file, streamed a page at a time."""
    actor = require_actor(request)
    query = read_query(request, ExportQuery)
    filters = export_filters(request, query)
    as_csv = query.format is ExportFormat.CSV

    async def page_after(before_id: int | None) -> HistoryPage:
        cmd = ListMyExchanges(
            since=query.start_date, until=query.end_date, before_id=before_id, limit=EXPORT_PAGE
        )
        return await request.app[BUS].request(cmd, actor=actor)

    page = await page_after(None)  # before the answer starts: a failure here is still an error answer
    name = f"exchange_history_{actor.user_id}_{datetime.now(UTC):%Y%m%d}.{query.format.value.lower()}"
    # Its headers go out before the middleware sees the response: the stream sets them itself.
    headers = {
        "Content-Type": "text/csv; charset=utf-8" if as_csv else "application/json",
        "Content-Disposition": f'attachment; filename="{name}"',
        "X-Request-ID": request.get(REQUEST_ID, "-"),
        **cors_headers(request.headers.get("Origin"), request.app[SETTINGS].edge.cors_origins),
    }
    response = web.StreamResponse(headers=headers)
    await response.prepare(request)
    if as_csv:
        await response.write(",".join(CSV_COLUMNS).encode() + b"\r\n")
    else:
        await response.write(b'{"filters_applied":' + orjson.dumps(filters) + b',"exchanges":[')
    written = 0
    while True:
        rows = await described(request, actor, page)
        await response.write(csv_rows(rows) if as_csv else json_rows(rows, first=written == 0))
        written += len(rows)
        if page.next_before_id is None:
            break
        page = await page_after(page.next_before_id)
    if not as_csv:
        await response.write(b"]}")
    await response.write_eof()
    return response


# --- one exchange ----------------------------------------------------------------------------------


async def first_message(request: web.Request, actor: Actor, exchange_id: str) -> TimelineEvent | None:
    """MESSAGE_SENT at the exchange chat's first message, when the chat has one."""
    bus = request.app[BUS]
    chat = await found_or_none(
        bus.request(FindConversation(kind=ConversationKind.EXCHANGE, topic_id=exchange_id), actor=actor)
    )
    if chat is None or chat.last_message is None:
        return None
    cmd = ListMessages(
        conversation_id=chat.id, after_seq=0, limit=1, conversation_kind=ConversationKind.EXCHANGE
    )
    page = await bus.request(cmd, actor=actor)
    if not page.items:
        return None
    message = page.items[0]
    return TimelineEvent(
        event_type="MESSAGE_SENT",
        user_id=message.sender_id,
        at=message.created_at,
        details="First contact message",
    )


@routes.get("/api/history/exchanges/{exchange_id}", auth=True,
            responses={200: ExchangeHistoryOut, 401: None, 404: None})  # fmt: skip
async def exchange_history(request: web.Request) -> web.Response:
    """Get the detailed history of one of the caller's exchanges (participants only)."""
    actor = require_actor(request)
    exchange_id = request.match_info["exchange_id"]
    if len(exchange_id) > EXCHANGE_KEY_MAX:  # no exchange is named so
        raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
    found = await request.app[BUS].request(GetExchangeHistory(public_id=exchange_id), actor=actor)
    people = await names(request, found.exchange.participant_ids)
    message = await first_message(request, actor, found.exchange.public_id)
    events = sorted([*found.timeline, *([message] if message else [])], key=lambda event: event.at)
    participants = [
        ParticipantOut(user_id=user_id, name=people[user_id], role="initiator" if n == 0 else "partner")
        for n, user_id in enumerate(found.exchange.participant_ids)
    ]
    timeline = [
        TimelineOut(
            event_type=e.event_type,
            timestamp=e.at,
            details=e.details or DEFAULT_DETAILS.get(e.event_type, ""),
        )
        for e in events
    ]
    return json_response(
        ExchangeHistoryOut(
            exchange_id=found.exchange.public_id,
            participants=participants,
            timeline=timeline,
            final_rating=found.final_rating,
            review_count=found.review_count,
        )
    )
