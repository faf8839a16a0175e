"""The rule-based answer's words, in the buyer's language: Russian when their last message has Cyrillic
letters, else English.

An answer reads: what was understood; a question for what is missing (a budget, what kind of car);
then for each recommended car one paragraph on why it fits (what was asked that it has, then its other
facts) and where its price comes from (the ads on Souk or the reference price new) with a couple of its
ads; or, when nothing fits, which one condition to relax and what that would give. Each function returns
one paragraph, ending with a blank line, so that the pieces stream as they are written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from protocols.advisor_cars import Car, CarAd, PriceSource
from protocols.market import Condition

from .needs import Needs, Slugs

PARAGRAPH = "\n\n"
ADS_SHOWN = 2
# A set holding most of its category reads better as what it leaves out ("кроме дизеля").
UNIVERSES = {
    "engine_types": frozenset({"petrol", "diesel", "hybrid", "plug-in-hybrid", "electric", "lpg", "cng"}),
    "transmissions": frozenset({"manual", "automatic", "robot", "cvt"}),
}
NAMES: dict[str, tuple[str, str]] = {
    "sedan": ("седан", "sedan"), "hatchback": ("хэтчбек", "hatchback"), "liftback": ("лифтбек", "liftback"),
    "wagon": ("универсал", "estate"), "crossover": ("кроссовер", "crossover"), "suv": ("внедорожник", "SUV"),
    "coupe": ("купе", "coupe"), "convertible": ("кабриолет", "convertible"), "roadster": ("родстер", "roadster"),
    "minivan": ("минивэн", "minivan"), "pickup": ("пикап", "pickup"), "van": ("фургон", "van"),
    "minibus": ("микроавтобус", "minibus"),
    "petrol": ("бензин", "petrol"), "diesel": ("дизель", "diesel"), "hybrid": ("гибрид", "hybrid"),
    "plug-in-hybrid": ("подключаемый гибрид", "plug-in hybrid"), "electric": ("электро", "electric"),
    "lpg": ("газ (пропан)", "LPG"), "cng": ("газ (метан)", "CNG"),
    "manual": ("механика", "manual"), "automatic": ("автомат", "automatic"), "robot": ("робот", "robotised"),
    "cvt": ("вариатор", "CVT"),
    "fwd": ("передний привод", "front-wheel drive"), "rwd": ("задний привод", "rear-wheel drive"),
    "awd": ("полный привод", "all-wheel drive"), "4wd": ("полный привод (4WD)", "four-wheel drive"),
}  # fmt: skip
# Sets that one word asks for (see reading): said as that word.
GROUPS = {
    frozenset({"automatic", "robot", "cvt"}): ("автомат (любой: АКПП, робот, вариатор)",
                                               "automatic (any two-pedal: torque converter, robotised, CVT)"),
    frozenset({"awd", "4wd"}): ("полный привод", "all-wheel drive"),
    frozenset({"hybrid", "plug-in-hybrid"}): ("гибрид (в том числе подключаемый)", "hybrid (plug-in too)"),
}  # fmt: skip
COUNTRY_NAMES = {
    "China": ("китайских", "Chinese"), "Japan": ("японских", "Japanese"), "South Korea": ("корейских", "Korean"),
    "Germany": ("немецких", "German"), "Russia": ("российских", "Russian"),
}  # fmt: skip
RELAXED: dict[str, tuple[str, str]] = {
    "budget_max": ("если поднять бюджет", "with a higher budget"),
    "budget_min": ("без нижней границы цены", "without the lower price limit"),
    "body_types": ("с другим кузовом", "with another body type"),
    "min_seats": ("с меньшим числом мест", "with fewer seats"),
    "engine_types": ("с другим топливом", "with another fuel"),
    "transmissions": ("с другой коробкой", "with another gearbox"),
    "drives": ("с другим приводом", "with another drive"),
    "brands": ("других марок", "of other brands"),
    "not_brands": ("среди исключённых марок", "among the brands you excluded"),
    "min_year": ("постарше", "older ones"),
}
_CYRILLIC = re.compile(r"[А-Яа-яЁё]")


def is_russian(text: str) -> bool:
    return bool(_CYRILLIC.search(text))


@dataclass(frozen=True)
class Words:
    """What the sentences need besides the needs: names and the buyer's language."""

    ru: bool
    brand_names: Mapping[str, str]  # slug → name
    countries: Mapping[str, Slugs]  # country → the finder's brands from there

    def say(self, ru: str, en: str) -> str:
        return ru if self.ru else en

    def name(self, slug: str) -> str:
        pair = NAMES.get(slug)
        return (pair[0] if self.ru else pair[1]) if pair else slug

    def names(self, slugs: Slugs, universe: Slugs | None = None) -> str:
        if slugs in GROUPS:
            return self.say(*GROUPS[slugs])
        if universe and len(slugs) > len(universe) / 2 and slugs < universe:
            return self.say("не ", "not ") + self.joined([self.name(s) for s in sorted(universe - slugs)])
        return self.joined([self.name(slug) for slug in sorted(slugs)], self.say(" или ", " or "))

    def brands(self, slugs: Slugs) -> list[str]:
        parts, left = [], set(slugs)
        for country, members in self.countries.items():
            if members and members <= left:
                ru, en = COUNTRY_NAMES[country]
                parts.append(self.say(f"{ru} марок", f"{en} brands"))
                left -= members
        return parts + [self.brand_names.get(slug, slug) for slug in sorted(left)]

    def joined(self, parts: Sequence[str], last: str | None = None) -> str:
        if len(parts) < 2:
            return "".join(parts)
        return ", ".join(parts[:-1]) + (last or self.say(" и ", " and ")) + parts[-1]

    def span(self, low: int, high: int, currency: str = "RUB") -> str:
        """A price range, its unit said once where both ends share it ("от 2,1 до 2,6 млн ₽")."""
        (first, unit), (last, last_unit) = self._money(low, currency), self._money(high, currency)
        if (first, unit) == (last, last_unit):
            return first + unit
        if unit != last_unit:
            return self.say(f"от {first}{unit} до {last}{last_unit}", f"{first}{unit} to {last}{last_unit}")
        return self.say(f"от {first} до {last}{unit}", f"{first}–{last}{unit}")

    def money(self, amount: int, currency: str = "RUB") -> str:
        return "".join(self._money(amount, currency))

    def _money(self, amount: int, currency: str) -> tuple[str, str]:
        """The number and what follows it: ("2,1", " млн ₽"), ("2.1", "M ₽")."""
        sign = "₽" if currency == "RUB" else currency
        if amount >= 1_000_000:
            number = f"{amount / 1_000_000:.2f}".rstrip("0").rstrip(".")
            return (number.replace(".", ","), f" млн {sign}") if self.ru else (number, f"M {sign}")
        if amount >= 10_000:
            return str(round(amount / 1000)), self.say(f" тыс. {sign}", f"K {sign}")
        return str(amount), f" {sign}"


def understood(needs: Needs, city: str | None, words: Words) -> str:
    """What was understood, `city` being the catalog's name for the buyer's city when it knows it."""
    w = words
    facts = []
    if needs.body_types:
        facts.append(w.names(needs.body_types))
    if needs.min_seats:
        facts.append(w.say(f"от {needs.min_seats} мест", f"{needs.min_seats}+ seats"))
    facts.extend(_budget(needs, w))
    for name in ("engine_types", "transmissions", "drives"):
        if slugs := getattr(needs, name):
            facts.append(w.names(slugs, UNIVERSES.get(name)))
    if needs.brands:
        facts.append(w.joined(w.brands(needs.brands), w.say(" или ", " or ")))
    if needs.not_brands:
        facts.append(w.say("кроме ", "not ") + w.joined(w.brands(needs.not_brands)))
    if needs.min_year:
        facts.append(w.say(f"не старше {needs.min_year} года", f"{needs.min_year} or newer"))
    if needs.condition is Condition.NEW:
        facts.append(w.say("новая", "new"))
    elif needs.condition is Condition.USED:
        facts.append(w.say("с пробегом", "used"))
    if city:
        facts.append(w.say(f"город {city}", f"in {city}"))
    if needs.cheaper:
        facts.append(w.say("дешевле прошлых вариантов", "cheaper than last time"))
    if not facts:
        return (
            w.say(
                "Здравствуйте! Расскажите, какую машину ищете: бюджет, кузов, сколько мест, коробка, привод, "
                "марки, новая или с пробегом, город.",
                "Hello! Tell me what car you are looking for: budget, body type, seats, gearbox, drive, brands, "
                "new or used, city.",
            )
            + PARAGRAPH
        )
    return w.say("Понял: ", "Got it: ") + "; ".join(facts) + "." + PARAGRAPH


def _budget(needs: Needs, w: Words) -> list[str]:
    low, high = needs.budget_min, needs.budget_max
    if low is not None and high is not None:
        return [w.say(f"от {w.money(low)} до {w.money(high)}", f"{w.money(low)} to {w.money(high)}")]
    if high is not None:
        return [w.say(f"до {w.money(high)}", f"up to {w.money(high)}")]
    if low is not None:
        return [w.say(f"от {w.money(low)}", f"from {w.money(low)}")]
    return []


def unknown_city(written: str, words: Words) -> str:
    return (
        words.say(
            f"Город «{written}» я не нашёл в справочнике, поэтому смотрю объявления по всем городам.",
            f"I could not find the city “{written}”, so I look at ads in every city.",
        )
        + PARAGRAPH
    )


def converted(foreign: str, roubles: str, rate: float, words: Words) -> str:
    return (
        words.say(
            f"{foreign} считаю как {roubles} (по курсу {rate:g} ₽ из настроек).",
            f"I count {foreign} as {roubles} (at the configured rate of {rate:g} ₽).",
        )
        + PARAGRAPH
    )


def question(needs: Needs, words: Words, *, foreign: str | None = None) -> str | None:
    """What to ask for when something essential is missing; None when nothing is."""
    w = words
    asks = []
    if foreign is not None:
        asks.append(w.say(
            f"бюджет в рублях ({foreign} я не пересчитываю: курса у меня нет)",
            f"your budget in roubles (I do not convert {foreign}: I have no exchange rate)",
        ))  # fmt: skip
    elif not needs.has_budget():
        asks.append(w.say("какой у вас бюджет (например, «до 2 млн»)", "your budget (say, “up to 2M”)"))
    if not needs.has_kind():
        asks.append(w.say(
            "какой кузов нужен (кроссовер, седан, универсал, минивэн…) или сколько мест",
            "what body type you need (crossover, sedan, estate, minivan…) or how many seats",
        ))  # fmt: skip
    if not asks:
        return None
    return (
        w.say("Чтобы подобрать точнее, подскажите, ", "To narrow it down, tell me ")
        + w.joined(asks)
        + "."
        + PARAGRAPH
    )


def cars_intro(count: int, asked: bool, cheaper_than: int | None, words: Words) -> str:
    w = words
    if cheaper_than is not None:
        return (
            w.say(
                f"Дешевле {w.money(cheaper_than)} (самый доступный вариант прошлого ответа) подходят:",
                f"Cheaper than {w.money(cheaper_than)} (the least expensive car of my last answer):",
            )
            + PARAGRAPH
        )
    if asked:
        return w.say("А пока несколько вариантов для начала:", "Meanwhile, a few to start with:") + PARAGRAPH
    return w.say(f"Подходят ({count}):", f"These fit ({count}):") + PARAGRAPH


def car_paragraph(number: int, car: Car, needs: Needs, words: Words) -> str:
    """Why one recommended car fits: what was asked that it has, its other facts, its price, its ads."""
    w = words
    years = f"{car.year_from or '?'}–{car.year_to or w.say('н.в.', 'now')}"
    # The references' modification names mostly carry the power already: "1.6 AT (123 л.с.)".
    named = car.power_hp is None or f"{car.power_hp} л.с." in car.modification
    power = "" if named else f", {car.power_hp} {w.say('л.с.', 'hp')}"
    title = f"{number}. {car.brand} {car.model} {car.modification} ({car.generation}, {years}{power})"
    asked, other = _facts(car, needs, w)
    lines = [title]
    if asked:
        lines.append(
            w.say("Подходит: ", "Fits: ") + ", ".join(asked) + w.say(" — как вы просили", " — as asked")
        )
    if other:
        lines.append(w.say("Также: ", "Also: ") + ", ".join(other))
    lines.append(_price(car, needs, w))
    if car.ads:
        lines.append(w.say("Объявления: ", "Ads: ") + "; ".join(_ad(ad, w) for ad in car.ads[:ADS_SHOWN]))
    return ". ".join(lines) + "." + PARAGRAPH


def _facts(car: Car, needs: Needs, w: Words) -> tuple[list[str], list[str]]:
    asked: list[str] = []
    other: list[str] = []
    for slug, wanted in ((car.body_type, needs.body_types), (car.drive, needs.drives),
                         (car.transmission, needs.transmissions), (car.engine_type, needs.engine_types)):  # fmt: skip
        if slug:
            (asked if wanted else other).append(w.name(slug))
    if car.seats:
        (asked if needs.min_seats else other).append(w.say(f"{car.seats} мест", f"{car.seats} seats"))
    if needs.brands and car.brand:
        asked.append(car.brand)
    return asked, other


def _price(car: Car, needs: Needs, w: Words) -> str:
    if car.price_min is None:
        return w.say(
            "Цены пока нет: ни объявлений, ни цены по справочнику", "No price yet: no ads, no list price"
        )
    span = w.span(car.price_min, car.price_max or car.price_min, car.currency)
    if car.price_source is PriceSource.ADS:
        where = w.say(
            f"Цена по {car.ads_count} {_ads_word(car.ads_count)} на Souk: {span}",
            f"Priced by {car.ads_count} ad{'s' if car.ads_count != 1 else ''} on Souk: {span}",
        )
    else:
        where = w.say(f"Цена нового по справочнику: {span}", f"List price new: {span}")
    if needs.budget_max is not None and car.price_min <= needs.budget_max:
        where += w.say(
            f" — укладывается в бюджет до {w.money(needs.budget_max)}",
            f" — within {w.money(needs.budget_max)}",
        )
    return where


def _variants(count: int) -> str:
    if count % 10 == 1 and count % 100 != 11:
        return "вариант"
    if count % 10 in (2, 3, 4) and count % 100 not in (12, 13, 14):
        return "варианта"
    return "вариантов"


def _ads_word(count: int) -> str:
    if count % 10 == 1 and count % 100 != 11:
        return "объявлению"
    return "объявлениям"


def _ad(ad: CarAd, w: Words) -> str:
    details = [str(ad.year)] if ad.year else []
    if ad.mileage is not None:
        details.append(w.say(f"пробег {round(ad.mileage / 1000)} тыс. км", f"{ad.mileage:,} km"))
    extra = f" ({', '.join(details)})" if details else ""
    return f"№{ad.id} «{ad.title}» — {w.money(ad.price, ad.currency)}{extra}"


@dataclass(frozen=True)
class Relaxed:
    """What dropping one condition would give: how many cars, from what price."""

    condition: str  # a Needs field
    total: int
    cheapest: int | None


def nothing_fits(relaxed: Sequence[Relaxed], cheaper_than: int | None, words: Words) -> str:
    w = words
    head = w.say("Под все условия сразу ничего не нашлось.", "Nothing fits all of it at once.")
    if cheaper_than is not None:
        head = w.say(
            f"Дешевле {w.money(cheaper_than)} под эти условия ничего нет.",
            f"Nothing cheaper than {w.money(cheaper_than)} fits the rest of it.",
        )
    if not relaxed:
        return (
            head
            + w.say(" Попробуйте описать машину иначе.", " Try describing the car another way.")
            + PARAGRAPH
        )
    options = []
    for option in relaxed:
        ru, en = RELAXED[option.condition]
        price = (
            w.say(f", от {w.money(option.cheapest)}", f", from {w.money(option.cheapest)}")
            if option.cheapest
            else ""
        )
        count = w.say(f"{option.total} {_variants(option.total)}", str(option.total))
        options.append(w.say(f"{ru} — {count}{price}", f"{en}: {count}{price}"))
    return (
        head
        + w.say(" Если ослабить одно условие: ", " Relaxing one condition: ")
        + "; ".join(options)
        + "."
        + PARAGRAPH
    )
