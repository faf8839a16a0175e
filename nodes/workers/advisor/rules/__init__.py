"""The rule-based advisor, the default answer backend: no network beyond the bus, no model.

It reads the buyer's messages (`reading`), says what it understood before any search, asks for what
is missing, searches the car catalog and explains each car it recommends (`phrasing`). The buyer's
city is the catalog's to find (`FindCityInAddress` over the bus, a short wait: a catalog that does not
answer leaves the city unknown and said so). "А подешевле?" redoes the previous message's search (the
same rules over the same catalog give the same cars) and asks for less than the cheapest of them.

Recommended cars are varied: one configuration per model, at most two models of a brand unless brands
were named, those priced nearest below the budget first (a buyer with 3 млн wants the best of 3 млн, not
the cheapest car), shown cheapest first. A budget in another currency is turned into roubles at the rate
given (`rates`, roubles per unit by ISO code); without one, the buyer is asked for roubles.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Protocol, TypeVar

from protocols.advisor_cars import Car, SearchCars
from protocols.catalog import FindCityInAddress
from protocols.chat import Author
from protocols.envelope import Actor, Command, DomainError, Message
from protocols.fields import PAGE_MAX

from ..backend import CarFinder, CarsPiece, Piece, TextPiece, Turn
from . import phrasing
from .brands import BrandWords
from .needs import Needs, search
from .phrasing import Words
from .reading import city_forms, read_message

R = TypeVar("R", bound=Message)
CITY_TIMEOUT_S = 2.0  # the first words wait on it: a catalog that is down must not hold them long
ADDRESS_MAX = 300  # protocols.fields.Address
PAGES_READ = 5  # candidates: the cheapest 500 configurations that match
SHOWN = 5
SHOWN_WHILE_ASKING = 3
PER_BRAND = 2
BUDGET_SWEET_SPOT = 0.85  # of the maximum: where the recommended cars' prices are aimed
RELAXED_SHOWN = 4


class Requests(Protocol):
    """The part of the bus the backend uses."""

    async def request(
        self, cmd: Command[R], *, actor: Actor | None = None, timeout: float | None = None
    ) -> R: ...


@dataclass(frozen=True)
class Foreign:
    """A budget said in another currency."""

    written: str  # "40,000 USD"
    rate: float | None  # roubles per unit; None: no rate configured


@dataclass(frozen=True)
class City:
    id: int | None  # None: the catalog does not know it
    name: str


class RulesBackend:
    def __init__(self, bus: Requests, *, rates: Mapping[str, float] | None = None) -> None:
        self._bus = bus
        self._rates = rates or {}
        self._words: tuple[Mapping[str, str], BrandWords] | None = None

    def ready(self) -> bool:
        return True

    def _brand_words(self, aliases: Mapping[str, str]) -> BrandWords:
        """Compiled once per aliases the finder gives (its index keeps them until the catalog changes)."""
        if self._words is None or self._words[0] is not aliases:
            self._words = (aliases, BrandWords(aliases))
        return self._words[1]

    def constraints(self, turns: Sequence[Turn], aliases: Mapping[str, str]) -> SearchCars:
        """What the buyer's messages ask for together, as a catalog search: the cars another backend
        (the OpenAI-compatible one) is given to talk about."""
        brands = self._brand_words(aliases)
        needs = Needs()
        for turn in turns:
            if turn.author is Author.USER:
                needs = read_message(needs, turn.text, brands)
        return search(needs)

    async def answer(self, turns: Sequence[Turn], cars: CarFinder) -> AsyncIterator[Piece]:
        messages = [turn.text for turn in turns if turn.author is Author.USER] or [""]
        brands = self._brand_words(cars.brand_aliases())
        words = Words(phrasing.is_russian(messages[-1]), brands.brand_names, brands.countries)
        before = Needs()
        for message in messages[:-1]:
            before = await self._cheaper(read_message(before, message, brands), before, cars, words)
        needs, foreign = self._in_roubles(read_message(before, messages[-1], brands))
        city = await self._city(needs.city)
        yield TextPiece(phrasing.understood(needs, city.name if city and city.id else None, words))
        if city is not None and city.id is None:
            yield TextPiece(phrasing.unknown_city(city.name, words))
        if foreign is not None and foreign.rate is not None:
            yield TextPiece(
                phrasing.converted(foreign.written, _budget_said(needs, words), foreign.rate, words)
            )
        asked = phrasing.question(
            needs, words, foreign=foreign.written if foreign and not foreign.rate else None
        )
        if asked:
            yield TextPiece(asked)
        if not needs.narrows():
            yield CarsPiece([])
            return
        city_id = city.id if city else None
        cheaper_than = await self._cheapest(before, cars, city_id, words) if needs.cheaper else None
        needs = _below(needs, cheaper_than)
        picked = pick(await _matching(cars, needs, city_id), needs, SHOWN_WHILE_ASKING if asked else SHOWN)
        if picked:
            yield TextPiece(phrasing.cars_intro(len(picked), bool(asked), cheaper_than, words))
            for number, car in enumerate(picked, start=1):
                yield TextPiece(phrasing.car_paragraph(number, car, needs, words))
        else:
            # below last time's cheapest, a higher budget is no way out
            kept = ("budget_max",) if cheaper_than is not None else ()
            relaxed = await _relaxations(cars, needs, city_id, kept)
            yield TextPiece(phrasing.nothing_fits(relaxed, cheaper_than, words))
        yield CarsPiece(picked)

    async def _cheaper(self, needs: Needs, before: Needs, cars: CarFinder, words: Words) -> Needs:
        """An earlier "а подешевле?" as it was answered then: below the cheapest car before it."""
        if not needs.cheaper:
            return needs
        city = await self._city(before.city)
        return _below(needs, await self._cheapest(before, cars, city.id if city else None, words))

    async def _cheapest(self, needs: Needs, cars: CarFinder, city_id: int | None, words: Words) -> int | None:
        """The lowest price among the cars an answer to `needs` recommends (as many as it shows)."""
        needs, foreign = self._in_roubles(needs)
        unconverted = foreign.written if foreign and not foreign.rate else None
        shown = SHOWN_WHILE_ASKING if phrasing.question(needs, words, foreign=unconverted) else SHOWN
        shown_cars = pick(await _matching(cars, needs, city_id), needs, shown)
        prices = [car.price_min for car in shown_cars if car.price_min is not None]
        return min(prices) if prices else None

    async def _city(self, written: str | None) -> City | None:
        if written is None:
            return None
        address = ", ".join(city_forms(written))
        if len(address) > ADDRESS_MAX:
            address = address[:ADDRESS_MAX].rsplit(",", 1)[0]
        try:
            found = await self._bus.request(
                FindCityInAddress(address=address), actor=Actor.system(), timeout=CITY_TIMEOUT_S
            )
        except DomainError:  # the catalog away: the city stays unknown, and the answer says so
            return City(None, written)
        if found.city is not None:
            return City(found.city.id, found.city.name)
        # "в максималке" read as a place: only a capitalised name is one the buyer meant as a city
        return City(None, written) if written[:1].isupper() else None

    def _in_roubles(self, needs: Needs) -> tuple[Needs, Foreign | None]:
        """The needs with a foreign budget in roubles where a rate is known, and that budget as said."""
        said = needs.foreign
        if said is None:
            return needs, None
        written = " – ".join(f"{amount:,} {said.currency}" for amount in (said.low, said.high) if amount)
        rate = self._rates.get(said.currency)
        if rate is None:
            return needs, Foreign(written, None)
        low, high = (round(amount * rate) if amount else None for amount in (said.low, said.high))
        return replace(needs, budget_min=low, budget_max=high), Foreign(written, rate)


def _budget_said(needs: Needs, words: Words) -> str:
    return " – ".join(words.money(amount) for amount in (needs.budget_min, needs.budget_max) if amount)


def _below(needs: Needs, price: int | None) -> Needs:
    if price is None:
        return needs
    low = needs.budget_min if needs.budget_min is not None and needs.budget_min < price else None
    return replace(needs, budget_min=low, budget_max=price - 1)


async def _matching(cars: CarFinder, needs: Needs, city_id: int | None) -> list[Car]:
    found: list[Car] = []
    for page in range(PAGES_READ):
        batch = await cars.search(search(needs, city_id=city_id, offset=page * PAGE_MAX))
        found.extend(batch.items)
        if len(found) >= batch.total or not batch.items:
            break
    return found


def pick(found: Sequence[Car], needs: Needs, limit: int) -> list[Car]:
    """A varied few: one configuration per model, few per brand, priced near the budget's top."""
    models: dict[int, Car] = {}
    for car in found:
        models.setdefault(car.model_id, car)
    target = needs.budget_max * BUDGET_SWEET_SPOT if needs.budget_max else None

    def rank(car: Car) -> tuple[bool, bool, float, int]:
        price = car.price_min
        distance = abs(target - price) if target is not None and price is not None else 0.0
        return price is None, car.ads_count == 0, distance, car.id

    per_brand = limit if needs.brands else PER_BRAND
    chosen: list[Car] = []
    for car in sorted(models.values(), key=rank):
        if sum(other.brand_id == car.brand_id for other in chosen) < per_brand:
            chosen.append(car)
        if len(chosen) == limit:
            break
    return sorted(chosen, key=lambda car: (car.price_min is None, car.price_min or 0, car.id))


async def _relaxations(
    cars: CarFinder, needs: Needs, city_id: int | None, kept: tuple[str, ...]
) -> list[phrasing.Relaxed]:
    """What dropping each condition alone (but those `kept`) would give, those that give something."""
    options = []
    for condition in phrasing.RELAXED:
        if condition in kept or not getattr(needs, condition):
            continue
        relaxed = replace(needs, **{condition: getattr(Needs(), condition)})
        page = await cars.search(search(relaxed, city_id=city_id, limit=1))
        if page.total:
            options.append(phrasing.Relaxed(condition, page.total, page.items[0].price_min))
    return options[:RELAXED_SHOWN]
