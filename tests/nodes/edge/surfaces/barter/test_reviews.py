"""FreeMarket (001) reviews and trust on two edges: a swap found by the pipeline and confirmed by both
is reviewed once by each side; the trust score, the user objects and the review lists follow. Who may
review what (before completion, twice, an outsider, a non-participant target, a chain's far end), bad
input in the contract's error format, and the 6th review attempt in an hour refused with Retry-After."""

from __future__ import annotations

from typing import Any

import pytest

from protocols.matching import RespondToChain
from tests.conftest import Cluster
from tests.support.barter_people import Person, confirm_all, error_of, register
from tests.support.exchanges import EXCHANGE_DOMAINS, mutual_exchange, ring, user
from tests.support.http import json_of

pytestmark = pytest.mark.domains(*EXCHANGE_DOMAINS, "moderation")

REVIEW_FIELDS = {"id", "author_id", "target_id", "exchange_id", "rating", "text", "is_public", "created_at"}


def review(exchange_id: str, target: Person, rating: int, **more: Any) -> dict[str, Any]:
    return {"exchange_id": exchange_id, "target_user_id": target.id, "rating": rating, **more}


async def rating_of(cluster: Cluster, who: Person, asker: Person) -> dict[str, Any]:
    url = f"/api/reviews/users/{who.id}/rating"
    return await json_of(await cluster.edge_b.get(url, headers=asker.headers), 200)  # type: ignore[no-any-return]


async def test_a_completed_swap_is_reviewed_once_by_each_side_and_trust_follows(cluster: Cluster) -> None:
    a, b, bus = cluster.edge_a, cluster.edge_b, cluster.worker_bus
    alice, bob = await register(a, "alice", "Alice Doe"), await register(b, "bob", "Bob Roe")
    carol = await register(a, "carol")

    exchange_id = await mutual_exchange(bus, alice.id, bob.id, ("Гитара", "Палатка"))
    # Not completed yet: refused, and nothing counts.
    await error_of(await a.post("/api/reviews", json=review(exchange_id, bob, 5), headers=alice.headers), 403)
    before = await rating_of(cluster, bob, carol)
    assert before == {
        **before,
        "user_id": bob.id,
        "trust_score": 0.0,
        "total_reviews": 0,
        "exchanges_completed": 0,
    }
    await confirm_all(bus, exchange_id, [alice.id, bob.id])

    # Bad input, an outsider, a target who is not another participant, no token.
    await error_of(await a.post("/api/reviews", json=review(exchange_id, bob, 6), headers=alice.headers), 400,
                   "validation_error")  # fmt: skip
    await error_of(await a.post("/api/reviews", json=review(exchange_id, bob, 0), headers=alice.headers), 400)
    await error_of(await a.post("/api/reviews", json={"rating": 5}, headers=alice.headers), 400)
    long_text = review(exchange_id, bob, 5, text="x" * 2001)
    await error_of(await a.post("/api/reviews", json=long_text, headers=alice.headers), 400)
    await error_of(await a.post("/api/reviews", json=review(exchange_id, bob, 5), headers=carol.headers), 404)
    await error_of(await a.post("/api/reviews", json=review(exchange_id, carol, 5), headers=bob.headers), 400)
    await error_of(await a.post("/api/reviews", json=review(exchange_id, bob, 5), headers=bob.headers), 400)
    await error_of(
        await a.post("/api/reviews", json=review("mutual_9_8_7_6", bob, 5), headers=alice.headers), 404
    )
    await error_of(await a.post("/api/reviews", json=review(exchange_id, bob, 5)), 401)

    body = review(exchange_id, bob, 4, text="Great exchange, very reliable partner!", is_public=True)
    made = await json_of(await a.post("/api/reviews", json=body, headers=alice.headers), 201)
    assert set(made) == REVIEW_FIELDS
    assert made == {**made, "author_id": alice.id, "target_id": bob.id, "exchange_id": exchange_id, "rating": 4,
                    "text": body["text"], "is_public": True}  # fmt: skip
    again = review(exchange_id, bob, 5)
    await error_of(await b.post("/api/reviews", json=again, headers=alice.headers), 409, "conflict")
    hidden = review(exchange_id, alice, 2, text="Late", is_public=False)
    await json_of(await b.post("/api/reviews", json=hidden, headers=bob.headers), 201)

    # Trust: a weighted 4.0 is a base of 80, +10 % for completing every agreed exchange.
    after = await rating_of(cluster, bob, carol)
    assert after == {**after, "average_rating": 4.0, "weighted_rating": 4.0, "total_reviews": 1,
                     "verified_reviews": 1, "exchanges_completed": 1, "trust_score": 88.0}  # fmt: skip
    # One report received: −5 %.
    report = {"target_user_id": bob.id, "reason": "FRAUD", "description": "Never showed up"}
    await json_of(await a.post("/api/reports", json=report, headers=carol.headers), 201)
    assert (await rating_of(cluster, bob, alice))["trust_score"] == 84.0

    # The user objects carry the standing.
    shown = await json_of(await a.get(f"/api/users/{bob.id}"), 200)
    assert (shown["trust_score"], shown["exchange_count"], shown["rating_avg"]) == (84.0, 1, 4.0)
    me = await json_of(await b.get("/auth/me", headers=alice.headers), 200)
    assert (me["user"]["trust_score"], me["user"]["exchange_count"], me["user"]["rating_avg"]) == (
        44.0,
        1,
        2.0,
    )

    # Lists: a public review names its author, another one says "Anonymous".
    bobs = await json_of(await a.get(f"/api/reviews/users/{bob.id}", headers=carol.headers), 200)
    [shown_review] = bobs["reviews"]
    assert shown_review == {**shown_review, "author_name": "Alice Doe", "rating": 4, "is_verified": True}
    assert bobs["summary"] == {"average_rating": 4.0, "total_reviews": 1, "verified_reviews": 1}
    alices = await json_of(await b.get(f"/api/reviews/users/{alice.id}", headers=carol.headers), 200)
    assert [(r["author_name"], r["text"]) for r in alices["reviews"]] == [("Anonymous", "Late")]
    paged = await json_of(
        await b.get(f"/api/reviews/users/{alice.id}", params={"skip": 1}, headers=bob.headers), 200
    )
    assert paged["reviews"] == [] and paged["summary"]["total_reviews"] == 1
    reviews_of_alice = f"/api/reviews/users/{alice.id}"
    await error_of(await a.get(reviews_of_alice, params={"limit": 51}, headers=bob.headers), 400)
    await error_of(await a.get(reviews_of_alice, params={"skip": -1}, headers=bob.headers), 400)
    await error_of(await a.get(reviews_of_alice), 401)
    for nobody in (0, 999999):
        await error_of(await a.get(f"/api/reviews/users/{nobody}", headers=bob.headers), 404)
        await error_of(await a.get(f"/api/reviews/users/{nobody}/rating", headers=bob.headers), 404)
        await error_of(await a.get(f"/api/users/{nobody}"), 404)


SWAPS = [("Гитара", "Палатка"), ("Дрель", "Ноутбук"), ("Самокат", "Лампа"), ("Гантели", "Объектив"),
         ("Фотоаппарат", "Шахматы")]  # fmt: skip


async def test_a_chain_is_reviewed_across_it_and_the_sixth_stored_review_in_an_hour_is_refused(
    cluster: Cluster,
) -> None:
    a, bus = cluster.edge_a, cluster.worker_bus
    ann, ben, cat = [await register(a, name) for name in ("ann", "ben", "cat")]
    chain = await ring(bus, [ann.id, ben.id, cat.id], ["Дрель", "Самокат", "Палатка"])
    for person in (ann, ben, cat):
        await bus.request(RespondToChain(exchange_id=chain.id, accept=True), actor=user(person.id))
    await confirm_all(bus, chain.public_id, [ann.id, ben.id, cat.id])

    # Any other participant of a chain, whoever he gave to: once per exchange and author.
    await json_of(
        await a.post("/api/reviews", json=review(chain.public_id, cat, 5), headers=ann.headers), 201
    )
    await error_of(
        await a.post("/api/reviews", json=review(chain.public_id, ben, 5), headers=ann.headers), 409
    )

    # Ben swaps five times more (the last one not confirmed yet).
    swaps = []
    for n, things in enumerate(SWAPS):
        partner = (ann, cat)[n % 2]
        swaps.append((await mutual_exchange(bus, ben.id, partner.id, things), partner))
        if n < len(SWAPS) - 1:
            await confirm_all(bus, swaps[-1][0], [ben.id, partner.id])
    # Five refused attempts use none of his five reviews an hour: only stored reviews count.
    refused = [(review(chain.public_id, ben, 3), 400), (review("mutual_9_8_7_6", ann, 3), 404),
               (review(swaps[0][0], cat, 3), 400), (review(*swaps[-1], 3), 403),
               (review("chain_999", ann, 3), 404)]  # fmt: skip
    for body, status in refused:
        await error_of(await a.post("/api/reviews", json=body, headers=ben.headers), status)
    await json_of(
        await a.post("/api/reviews", json=review(chain.public_id, ann, 3), headers=ben.headers), 201
    )
    for exchange_id, partner in swaps[:-1]:
        await json_of(
            await a.post("/api/reviews", json=review(exchange_id, partner, 4), headers=ben.headers), 201
        )
    # A duplicate is still a conflict; the sixth stored review is refused, with Retry-After.
    await error_of(
        await a.post("/api/reviews", json=review(chain.public_id, cat, 3), headers=ben.headers), 409
    )
    last, partner = swaps[-1]
    await confirm_all(bus, last, [ben.id, partner.id])
    sixth = await a.post("/api/reviews", json=review(last, partner, 5), headers=ben.headers)
    assert "5 reviews an hour" in await error_of(sixth, 429, "rate_limit_exceeded")
    assert 3500 < int(sixth.headers["Retry-After"]) <= 3600
    # Someone else's hour is his own.
    await json_of(await a.post("/api/reviews", json=review(last, ben, 4), headers=partner.headers), 201)
    assert (await rating_of(cluster, ann, cat))["total_reviews"] == 3
