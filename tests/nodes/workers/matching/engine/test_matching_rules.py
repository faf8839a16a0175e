"""What matches what: names through the stemmer (Russian and English), and the terms of a match."""

from __future__ import annotations

from typing import Any

from nodes.workers.matching.engine import Entry, MatchRules, Side, matches, stems

RULES = MatchRules(value_tolerance=0.5)


def entry(
    side: Side,
    name: str,
    *,
    owner: int,
    exchange_type: str = "PERMANENT",
    category: str | None = None,
    value: int = 10_000,
    duration_days: int | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
) -> Entry:
    return Entry(
        id=owner,
        owner=owner,
        side=side,
        exchange_type=exchange_type,
        category=category,
        name=name,
        value=value,
        duration_days=duration_days,
        latitude=latitude,
        longitude=longitude,
    )


def want(name: str, **fields: Any) -> Entry:
    return entry(Side.WANT, name, **{"owner": 1, **fields})


def offer(name: str, **fields: Any) -> Entry:
    return entry(Side.OFFER, name, **{"owner": 2, **fields})


def test_names_are_stems_of_their_words_in_russian_and_english() -> None:
    assert stems("Учебники по Python!") == stems("учебник python")
    assert stems("Ёлка, новогодняя") == stems("елка новогодние")
    assert stems("Books for kids") == stems("book kid")
    assert stems("iPhone 13") == stems("IPHONE-13")
    assert stems("по для the") == frozenset()


def test_the_wants_words_are_looked_for_in_the_offers_name() -> None:
    assert matches(want("велосипед"), offer("Велосипед детский"), RULES)
    assert matches(want("Велосипеды"), offer("велосипед"), RULES)
    assert matches(want("учебники по Python"), offer("Учебник python, 3-е издание"), RULES)
    assert matches(want("Drill"), offer("Cordless drills"), RULES)
    assert not matches(want("велосипед детский"), offer("Велосипед"), RULES)  # the want says more
    assert not matches(want("самокат"), offer("Велосипед"), RULES)
    assert not matches(want("велосипед"), offer("Велосипед", owner=1), RULES)  # one's own offer


def test_a_want_without_words_matches_on_its_category() -> None:
    assert matches(want("!!", category="bicycles"), offer("Stels", category="bicycles"), RULES)
    assert not matches(want("!!", category="bicycles"), offer("Stels", category="tools"), RULES)
    assert not matches(want("!!"), offer("Stels"), RULES)


def test_exchange_type_category_and_value_must_agree() -> None:
    assert not matches(want("дрель"), offer("дрель", exchange_type="TEMPORARY"), RULES)
    assert not matches(want("дрель", category="tools"), offer("дрель", category="garden"), RULES)
    assert matches(want("дрель", category="tools"), offer("дрель"), RULES)  # only one gives a category
    assert matches(want("дрель"), offer("дрель", value=15_000), RULES)
    assert not matches(want("дрель"), offer("дрель", value=15_001), RULES)
    assert not matches(want("дрель"), offer("дрель", value=4_999), RULES)
    assert matches(want("дрель", value=0), offer("дрель", value=99_000), RULES)  # not given: any


def test_a_temporary_offer_must_lend_long_enough() -> None:
    temporary = {"exchange_type": "TEMPORARY"}
    assert matches(
        want("дрель", duration_days=3, **temporary), offer("дрель", duration_days=7, **temporary), RULES
    )
    assert not matches(
        want("дрель", duration_days=7, **temporary), offer("дрель", duration_days=3, **temporary), RULES
    )
    lenient = MatchRules(duration_tolerance_days=4)
    assert matches(
        want("дрель", duration_days=7, **temporary), offer("дрель", duration_days=3, **temporary), lenient
    )
    assert matches(want("дрель", **temporary), offer("дрель", duration_days=3, **temporary), RULES)


def test_the_place_counts_only_when_a_distance_is_set() -> None:
    almaty, astana = {"latitude": 43.2389, "longitude": 76.8897}, {"latitude": 51.1605, "longitude": 71.4704}
    across_almaty = {"latitude": 43.3389, "longitude": 76.9897}
    anywhere, same_city, near = MatchRules(), MatchRules(max_distance_km=0), MatchRules(max_distance_km=1500)
    assert matches(want("дрель", **almaty), offer("дрель", **astana), anywhere)
    assert not matches(want("дрель", **almaty), offer("дрель", **astana), same_city)
    assert matches(want("дрель", **almaty), offer("дрель", **across_almaty), same_city)
    assert matches(want("дрель", **almaty), offer("дрель", **astana), near)
    assert matches(want("дрель", **almaty), offer("дрель"), same_city)  # an unknown place matches
