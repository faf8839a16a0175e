"""FreeMarket (001) exchange history on two edges: a swap that was chatted about, confirmed and
reviewed, and another under way; the list with its status filters and paging, one exchange's
timeline (participants only), and the export streamed as CSV (parsed back) and JSON, with its date
bounds; bad input in the contract's error format."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from protocols.chat import ConversationKind, FindConversation, SendMessage
from protocols.matching_reviews import ListMyExchanges
from tests.conftest import Cluster
from tests.support.barter_people import Person, confirm_all, error_of, register
from tests.support.exchanges import EXCHANGE_DOMAINS, mutual_exchange, user
from tests.support.http import json_of

pytestmark = pytest.mark.domains(*EXCHANGE_DOMAINS, "moderation")

MY_EXCHANGES = "/api/history/my-exchanges"
EXPORT = "/api/history/my-exchanges/export"
CSV_COLUMNS = ["exchange_id", "partner_name", "status", "completed_at", "rating_given", "items"]


async def say(cluster: Cluster, sender: Person, exchange_id: str, text: str) -> None:
    """A message in the exchange's chat (opened by its first use over HTTP), sent as the WebSocket
    endpoint sends it."""
    history = f"/api/chat/exchange/{exchange_id}/history"
    await json_of(await cluster.edge_a.get(history, headers=sender.headers), 200)
    find = FindConversation(kind=ConversationKind.EXCHANGE, topic_id=exchange_id)
    chat = await cluster.worker_bus.request(find, actor=user(sender.id))
    await cluster.worker_bus.request(SendMessage(conversation_id=chat.id, body=text), actor=user(sender.id))


async def listed(cluster: Cluster, who: Person, **query: Any) -> dict[str, Any]:
    return await json_of(await cluster.edge_b.get(MY_EXCHANGES, params=query, headers=who.headers), 200)  # type: ignore[no-any-return]


async def exported_csv(cluster: Cluster, who: Person, **query: str) -> list[dict[str, str]]:
    resp = await cluster.edge_a.get(EXPORT, params={"format": "CSV", **query}, headers=who.headers)
    assert resp.status == 200, await resp.text()
    assert resp.headers["Content-Type"].startswith("text/csv")
    disposition = resp.headers["Content-Disposition"]
    assert disposition.startswith("attachment; filename=") and disposition.endswith('.csv"')
    assert resp.headers["X-Request-ID"] != "-"
    reader = csv.DictReader(io.StringIO(await resp.text()))
    assert reader.fieldnames == CSV_COLUMNS
    return list(reader)


async def test_history_lists_details_and_exports_the_callers_exchanges(cluster: Cluster) -> None:
    a, b, bus = cluster.edge_a, cluster.edge_b, cluster.worker_bus
    alice, bob = await register(a, "alice", "Alice Doe"), await register(b, "bob", "Bob Roe")
    carol, dave = await register(a, "carol", "Carol Poe"), await register(b, "dave")

    done = await mutual_exchange(bus, alice.id, bob.id, ("iPad Pro", "MacBook lessons"))
    await say(cluster, bob, done, "Hi, let's meet")
    await say(cluster, alice, done, "Tomorrow at noon")
    await confirm_all(bus, done, [alice.id, bob.id])
    for author, target, rating, text in ((alice, bob, 4, "Great exchange!"), (bob, alice, 5, None)):
        body = {"exchange_id": done, "target_user_id": target.id, "rating": rating, "text": text}
        await json_of(await a.post("/api/reviews", json=body, headers=author.headers), 201)
    under_way = await mutual_exchange(bus, carol.id, alice.id, ("Дрель", "=Самокат"))

    # Newest first; each with the partner's name and rating, the two items, the caller's review.
    everything = await listed(cluster, alice)
    assert everything["total"] == 2 and everything["filters_applied"] == []
    assert [e["id"] for e in everything["exchanges"]] == [under_way, done]
    completed = await listed(cluster, alice, status="COMPLETED")
    assert completed["filters_applied"] == ["status:COMPLETED"] and completed["total"] == 1
    [entry] = completed["exchanges"]
    assert entry == {
        "id": done, "partner_name": "Bob Roe", "partner_rating": 4.0, "status": "COMPLETED",
        "items": ["iPad Pro", "MacBook lessons"], "completed_at": entry["completed_at"], "rating_given": 4,
        "review_text": "Great exchange!",
    }  # fmt: skip
    assert entry["completed_at"] is not None
    [active] = (await listed(cluster, alice, status="ACTIVE"))["exchanges"]
    assert active == {**active, "id": under_way, "partner_name": "Carol Poe", "status": "ACTIVE",
                      "items": ["=Самокат", "Дрель"], "completed_at": None, "rating_given": None}  # fmt: skip
    assert (await listed(cluster, alice, status="CANCELLED")) == {
        "exchanges": [], "total": 0, "filters_applied": ["status:CANCELLED"]
    }  # fmt: skip
    # The export's walk: a page at a time after the last one's id, each exchange once.
    walked, before = [], None
    for _ in range(3):
        page = await bus.request(ListMyExchanges(before_id=before, limit=1), actor=user(alice.id))
        walked += [entry.exchange.public_id for entry in page.items]
        if (before := page.next_before_id) is None:
            break
    assert walked == [under_way, done]
    paged = await listed(cluster, alice, skip=1, limit=1)
    assert [e["id"] for e in paged["exchanges"]] == [done] and paged["total"] == 2
    assert (await listed(cluster, bob))["exchanges"][0]["partner_rating"] == 5.0
    assert (await listed(cluster, dave))["total"] == 0
    for bad in ({"status": "DONE"}, {"limit": 101}, {"skip": -1}):
        await error_of(await a.get(MY_EXCHANGES, params=bad, headers=alice.headers), 400, "validation_error")
    await error_of(await a.get(MY_EXCHANGES), 401)

    # One exchange: participants with roles, the timeline with the chat's first message.
    detail = await json_of(await b.get(f"/api/history/exchanges/{done}", headers=bob.headers), 200)
    assert detail["exchange_id"] == done and (detail["final_rating"], detail["review_count"]) == (4.5, 2)
    people = {p["user_id"]: (p["name"], p["role"]) for p in detail["participants"]}
    assert {name for name, _ in people.values()} == {"Alice Doe", "Bob Roe"} and set(people) == {
        alice.id,
        bob.id,
    }
    assert sorted(role for _, role in people.values()) == ["initiator", "partner"]
    kinds = [event["event_type"] for event in detail["timeline"]]
    assert kinds[0] == "CREATED" and kinds[-1] == "COMPLETED" and kinds.count("MESSAGE_SENT") == 1
    assert kinds.index("MESSAGE_SENT") < kinds.index("CONFIRMED")
    stamps = [event["timestamp"] for event in detail["timeline"]]
    assert stamps == sorted(stamps) and all(event["details"] for event in detail["timeline"])
    fresh = await json_of(await a.get(f"/api/history/exchanges/{under_way}", headers=carol.headers), 200)
    assert [e["event_type"] for e in fresh["timeline"]] == ["CREATED"] and fresh["final_rating"] is None
    for outsider in (carol, dave):
        await error_of(
            await a.get(f"/api/history/exchanges/{done}", headers=outsider.headers), 404, "not_found"
        )
    for unknown in ("mutual_1_2_3_4", "chain_999", "x" * 200):
        await error_of(await a.get(f"/api/history/exchanges/{unknown}", headers=alice.headers), 404)
    await error_of(await a.get(f"/api/history/exchanges/{done}"), 401)

    # The export: CSV as documented, each caller his own; date bounds (a bare end date is its whole day).
    rows = await exported_csv(cluster, alice)
    assert [row["exchange_id"] for row in rows] == [under_way, done]
    assert rows[1] == {"exchange_id": done, "partner_name": "Bob Roe", "status": "COMPLETED",
                       "completed_at": rows[1]["completed_at"], "rating_given": "4",
                       "items": "iPad Pro, MacBook lessons"}  # fmt: skip
    assert rows[0]["rating_given"] == "" and rows[0]["completed_at"] == ""
    assert rows[0]["items"] == "'=Самокат, Дрель"  # never a formula in a spreadsheet
    assert [row["exchange_id"] for row in await exported_csv(cluster, carol)] == [under_way]
    assert await exported_csv(cluster, dave) == []
    today = datetime.now(UTC).date()
    tomorrow, yesterday = (today + timedelta(days=1)).isoformat(), (today - timedelta(days=1)).isoformat()
    assert (
        len(await exported_csv(cluster, alice, start_date=today.isoformat(), end_date=today.isoformat())) == 2
    )
    assert await exported_csv(cluster, alice, start_date=tomorrow) == []
    assert await exported_csv(cluster, alice, end_date=yesterday) == []
    assert len(await exported_csv(cluster, alice, start_date=f"{yesterday}T12:00:00")) == 2

    resp = await b.get(EXPORT, params={"start_date": yesterday}, headers=alice.headers)  # JSON by default
    assert resp.status == 200 and resp.headers["Content-Disposition"].endswith('.json"')
    exported = await resp.json(content_type=None)
    assert exported["filters_applied"] == [f"start_date:{yesterday}"]
    assert exported["exchanges"] == everything["exchanges"]
    for bad in (
        {"format": "XML"},
        {"start_date": "yesterday"},
        {"start_date": tomorrow, "end_date": yesterday},
    ):
        await error_of(await a.get(EXPORT, params=bad, headers=alice.headers), 400, "validation_error")
    await error_of(await a.get(EXPORT), 401)
