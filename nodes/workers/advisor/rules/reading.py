"""The buyer's messages → `Needs`, in Russian and English, read one message at a time over the last.

Each message adds to and overrides what earlier ones said: a body, fuel, gearbox or drive named again
replaces the earlier choice ("только автомат"), unless the message says "тоже"/"also"; "без дизеля"/"no
manual" takes one out (of the earlier choice, else of all); "любой привод"/"any gearbox" and "не
обязательно ..." drop the choice; "забудь про бюджет"/"any budget" drops the budget. Brands liked replace
the earlier liked ones, disliked ones add up. "а подешевле?" (with no amount) marks the message `cheaper`.

Choices made here: "автомат"/"automatic" is any two-pedal gearbox (automatic, robot, CVT), as Russian
classifieds group them; "классический автомат"/"torque converter" is the automatic alone. "Полный
привод"/"4x4"/"AWD" is awd or 4wd. "Гибрид" includes plug-in hybrids. "Для большой семьи", "третий
ряд" and "7-seater" mean 7 seats at least. A city is the words after "в"/"in"/"город" as written: the
backend asks the catalog which city it is. Models ("Camry") are not read: the catalog filters by brand.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from protocols.market import Condition

from .amounts import Budget, budget_in
from .brands import BrandWords
from .needs import ForeignBudget, Needs, Slugs

TWO_PEDALS = frozenset({"automatic", "robot", "cvt"})
ALL_WHEELS = frozenset({"awd", "4wd"})
HYBRIDS = frozenset({"hybrid", "plug-in-hybrid"})
# Each category: (slugs a phrase stands for, the phrase's pattern).
BODIES: tuple[tuple[Slugs, str], ...] = (
    (frozenset({"crossover"}), r"кроссовер\w*|паркетник\w*|crossovers?|cuv"),
    (frozenset({"suv"}), r"внедорожник\w*|suvs?|off-?roaders?"),
    (frozenset({"sedan"}), r"седан\w*|sedans?|saloons?"),
    (frozenset({"hatchback"}), r"х[эе]тчбек\w*|х[эе]тч\w*|hatchbacks?|hatch"),
    (frozenset({"liftback"}), r"лифтбек\w*|liftbacks?"),
    (frozenset({"wagon"}), r"универсал(?:а|ы|ом|у|ов|е|ами)?|wagons?|estates?"),
    (frozenset({"coupe"}), r"купе|coupes?"),
    (frozenset({"convertible"}), r"кабриолет\w*|кабрио|convertibles?|cabrios?"),
    (frozenset({"roadster"}), r"родстер\w*|roadsters?"),
    (frozenset({"minivan"}), r"минив[эе]н\w*|minivans?|mpv|people carriers?"),
    (frozenset({"pickup"}), r"пикап\w*|pick-?ups?"),
    (frozenset({"van"}), r"фургон\w*|vans?"),
    (frozenset({"minibus"}), r"микроавтобус\w*|minibus\w*"),
)
ENGINES: tuple[tuple[Slugs, str], ...] = (
    (frozenset({"plug-in-hybrid"}), r"подключаем\w* гибрид\w*|plug-?in(?: hybrids?)?|phevs?"),
    (HYBRIDS, r"(?<!подключаемый )(?<!подключаемые )гибрид\w*|(?<!plug-in )hybrids?"),
    (frozenset({"petrol"}), r"бензин\w*|petrol|gasoline"),
    (frozenset({"diesel"}), r"дизел\w*|diesels?"),
    (frozenset({"electric"}), r"электромобил\w*|электрокар\w*|электрическ\w*|электро|electric\w*|evs?|bevs?"),
    (frozenset({"lpg"}), r"на газу|газ\w*-бензин\w*|гбо|lpg|пропан\w*|autogas"),
    (frozenset({"cng"}), r"метан\w*|cng"),
)
GEARBOXES: tuple[tuple[Slugs, str], ...] = (
    (frozenset({"automatic"}), r"классическ\w* автомат\w*|гидромехани\w*|torque converter"),
    (TWO_PEDALS, r"(?<!классический )(?<!классическим )автомат\w*|акпп|automatics?|auto gearbox"),
    (frozenset({"robot"}), r"робот\w*|dsg|dct|dual-clutch|преселектив\w*"),
    (frozenset({"cvt"}), r"вариатор\w*|cvt"),
    (frozenset({"manual"}), r"механик\w*|мкпп|ручн\w* коробк\w*|manuals?|stick(?: ?shift)?"),
)
DRIVES: tuple[tuple[Slugs, str], ...] = (
    (
        ALL_WHEELS,
        (
            r"полн\w* привод\w*|привод\w* полн\w*|полноприводн\w*|4[xх]4|4wd|awd|all-wheel\w*"
            r"|four-wheel\w*|quattro|4motion|xdrive"
        ),
    ),
    (frozenset({"fwd"}), r"передн\w* привод\w*|привод\w* передн\w*|переднеприводн\w*|fwd|front-wheel\w*"),
    (frozenset({"rwd"}), r"задн\w* привод\w*|привод\w* задн\w*|заднеприводн\w*|rwd|rear-wheel\w*"),
)
# What "любой ..." / "any ..." names, per category.
CATEGORY_WORDS = {
    "body_types": r"кузов\w*|body|bodies",
    "engine_types": r"топлив\w*|двигател\w*|мотор\w*|fuel|engine",
    "transmissions": r"коробк\w*|кпп|трансмисси\w*|gearbox|transmission",
    "drives": r"привод\w*|drive",
    "brands": r"марк\w*|brand|make",
}
TABLES = {"body_types": BODIES, "engine_types": ENGINES, "transmissions": GEARBOXES, "drives": DRIVES}
NEGATION = re.compile(r"(?:не|без|кроме|no|not|without|except|excluding)\s+(?:на\s+|a\s+|an\s+)?\Z")
OPTIONAL = re.compile(r"(?:не\s+обязательно|необязательно|не\s+важно|неважно|not\s+necessarily)\s+\Z")
OPTIONAL_AFTER = re.compile(
    r"\s+(?:не\s+обязател\w*|необязател\w*|не\s+важ\w*|неваж\w*|not\s+necessary|optional)"
)
ADDING = re.compile(r"(?<!\w)(?:тоже|также|так же|или ещ[её]|also|too|as well)(?!\w)")
DROP_BUDGET = re.compile(
    r"(?:забуд\w*|забей\w*|забыть)\s+(?:про\s+|о\s+|на\s+)?(?:бюджет|цен)|бюджет\w*\s+(?:не\s+важ|неваж|любой"
    r"|не\s+ограничен)|без\s+ограничени\w*\s+по\s+(?:бюджет|цен)|любой\s+бюджет|любая\s+цена|цена\s+не\s+важ"
    r"|деньги\s+не\s+(?:важн|проблем)|any\s+(?:budget|price)|forget\s+(?:about\s+)?(?:the\s+|my\s+)?budget"
    r"|budget\s+(?:doesn'?t|does\s+not|don'?t)\s+matter|no\s+budget|money\s+is\s+no|price\s+doesn'?t\s+matter"
)
CHEAPER = re.compile(
    r"подешевл\w*|дешевл\w*|бюджетнее|дороговато|слишком\s+дорог\w*|cheaper|less\s+expensive|more\s+affordable"
    r"|too\s+expensive|too\s+pricey"
)
SEAT_WORD = r"мест\w*|seat\w*|seater|человек|чел\b|пассажир\w*|people|persons|passengers|седок\w*"
SEATS = re.compile(rf"(?<!\d)([2-9])\s*-?\s*(?:{SEAT_WORD})")
SEAT_NUMERALS = {"двух": 2, "четырех": 4, "пяти": 5, "шести": 6, "семи": 7, "восьми": 8, "девяти": 9}
SEAT_NUMERAL = re.compile(r"(двух|четырех|пяти|шести|семи|восьми|девяти)мест\w*")
SEAT_WORDS_EN = {"two": 2, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}
SEAT_EN = re.compile(r"(two|four|five|six|seven|eight|nine)[\s-](?:seats?|seater)")
BIG_FAMILY = re.compile(
    r"больш\w* семь|многодетн\w*|трет\w* ряд\w*|3 ряда|третьим рядом|big family|large family|third row|3rd row"
)
BIG_FAMILY_SEATS = 7
NEW = re.compile(
    r"(?<!\w)(?:нов(?:ый|ую|ое|ые|ого|ая|енький|енькую|еньк\w*)|из салона|от дилера|brand[- ]new|new)(?!\w)"
)
USED = re.compile(
    r"с пробегом|(?<!\w)б/у|(?<!\w)б\.у\.|(?<!\w)бу(?!\w)|подержанн\w*|не нов\w*|вторичк\w*|(?<!\w)used(?!\w)"
    r"|second[- ]hand|pre-?owned|пробег\w*\s+(?:до|не\s+более|не\s+больше|меньше)|mileage\s+(?:under|below|up\s+to)"
)
EITHER = re.compile(r"(?<!\w)(?:или|либо|or)\s+\Z")
NEWER_THAN = re.compile(
    r"(?:не\s+старше|newer\s+than|after|после)\s+((?:19|20)\d\d)"
    r"|(?:от|с|from|since)\s+((?:19|20)\d\d)\s*(?:г\.|года?|гг|year)"
    r"|((?:19|20)\d\d)\s*(?:\+|г\.?\s*(?:и|or)\s*(?:новее|моложе|позже)|года?\s+и\s+(?:новее|моложе|позже)"
    r"|or\s+newer|and\s+newer|or\s+later|and\s+up)"
)
AGE_AT_MOST = re.compile(
    r"не\s+старше\s+(\d{1,2})\s+(?:лет|год)|(?:not\s+older\s+than|at\s+most|up\s+to|under)\s+(\d{1,2})\s+years?"
)
CITY = re.compile(
    r"(?<![\w-])(?:[вВ]|[вВ]о|[iI]n|[гГ]ород[еа]?|г\.|city\s+of)\s+([A-ZА-ЯЁ][\w-]+(?:\s+[A-ZА-ЯЁ][\w-]+)?)"
    r"|(?<![\w-])(?:[вВ]|[вВ]о)\s+([а-яё][а-яё-]+[еи])(?![\w-])"
)
NOT_CITIES = frozenset({
    "кредит", "наличии", "идеале", "районе", "пределах", "рамках", "салоне", "городе", "семье", "машине",
    "цене", "принципе", "среднем", "целом", "комплектации", "кузове", "состоянии", "дороге", "пути",
    "поездке", "гараже", "деревне", "пробке", "пробках", "месяце", "неделе", "итоге", "любом", "основе",
    "бюджете", "кредите", "лизинге", "россии", "рф", "европе", "сша", "russia", "europe", "usa", "china", "китае", "японии", "корее",
})  # fmt: skip
NO_CHANGE = object()


@dataclass(frozen=True)
class Choice:
    """What one message says of one category."""

    wanted: Slugs = frozenset()
    unwanted: Slugs = frozenset()
    dropped: bool = False

    def applied(self, before: Slugs, universe: Slugs, adding: bool) -> Slugs:
        if self.dropped:
            return frozenset()
        if self.wanted:
            chosen = self.wanted - self.unwanted
            return before | chosen if adding else chosen
        if self.unwanted:
            return (before or universe) - self.unwanted
        return before


def read(messages: Iterable[str], aliases: Mapping[str, str]) -> Needs:
    """What the buyer's messages, oldest first, ask for together."""
    words = BrandWords(aliases)
    needs = Needs()
    for message in messages:
        needs = read_message(needs, message, words)
    return needs


def read_message(before: Needs, message: str, words: BrandWords) -> Needs:
    text = folded(message)
    adding = bool(ADDING.search(text))
    changes: dict[str, object] = {"cheaper": False}
    for name, table in TABLES.items():
        universe = frozenset().union(*(slugs for slugs, _ in table))
        changes[name] = _choice(text, table, name).applied(getattr(before, name), universe, adding)
    changes |= _budget(before, text)
    changes |= _brands(before, text, message, words, adding)
    for name, value in (("min_seats", _seats(text)), ("condition", _condition(text)),
                        ("min_year", _min_year(text)), ("city", _city(message, words))):  # fmt: skip
        if value is not NO_CHANGE:
            changes[name] = value
    return replace(before, **changes)  # type: ignore[arg-type]


def folded(text: str) -> str:
    """Lowercase with ё as е and one kind of dash: the same length as the text, so spans agree."""
    lowered = text.lower()
    if len(lowered) != len(text):  # "İ" lowercases to two characters: keep such letters as they are
        lowered = "".join(char.lower() if len(char.lower()) == 1 else char for char in text)
    return lowered.replace("ё", "е").replace("–", "-").replace("—", "-")


def _choice(text: str, table: tuple[tuple[Slugs, str], ...], name: str) -> Choice:
    if re.search(rf"(?<!\w)(?:люб\w+|any)\s+(?:{CATEGORY_WORDS[name]})", text) or re.search(
        rf"(?:{CATEGORY_WORDS[name]})\s+(?:не\s+важ|неваж|любой|любая|doesn'?t\s+matter)", text
    ):
        return Choice(dropped=True)
    wanted: set[str] = set()
    unwanted: set[str] = set()
    for slugs, pattern in table:
        for match in re.finditer(rf"(?<![\w-])(?:{pattern})(?![\w-])", text):
            before = text[: match.start()]
            if OPTIONAL.search(before) or OPTIONAL_AFTER.match(text, match.end()):
                return Choice(dropped=True)
            (unwanted if NEGATION.search(before) else wanted).update(slugs)
    return Choice(frozenset(wanted), frozenset(unwanted))


def _budget(before: Needs, text: str) -> dict[str, object]:
    if DROP_BUDGET.search(text):
        return {"budget_min": None, "budget_max": None, "foreign": None}
    said = budget_in(text)
    if said is None:
        return {"cheaper": bool(CHEAPER.search(text))}
    if said.currency != "RUB":
        return {
            "budget_min": None,
            "budget_max": None,
            "foreign": ForeignBudget(said.currency, said.low, said.high),
        }
    return {"foreign": None, **_bounds(before, said)}


def _bounds(before: Needs, said: Budget) -> dict[str, object]:
    """One bound said keeps the other one from before while they still make a range."""
    low, high = said.low, said.high
    if low is None and before.budget_min is not None and high is not None and before.budget_min < high:
        low = before.budget_min
    if high is None and before.budget_max is not None and low is not None and before.budget_max > low:
        high = before.budget_max
    return {"budget_min": low, "budget_max": high}


def _brands(before: Needs, text: str, original: str, words: BrandWords, adding: bool) -> dict[str, object]:
    said = words.mentions(text, original)
    if _choice(text, (), "brands").dropped:  # "any brand (except BMW)"
        before = replace(before, brands=frozenset())
    elif not said.liked and not said.disliked:
        return {}
    liked = (before.brands | said.liked if adding else said.liked) if said.liked else before.brands
    return {
        "brands": liked - said.disliked,
        "not_brands": (before.not_brands - said.liked) | said.disliked,
    }


def _seats(text: str) -> object:
    if match := SEATS.search(text):
        return int(match[1])
    if match := SEAT_NUMERAL.search(text):
        return SEAT_NUMERALS[match[1]]
    if match := SEAT_EN.search(text):
        return SEAT_WORDS_EN[match[1]]
    if BIG_FAMILY.search(text):
        return BIG_FAMILY_SEATS
    return NO_CHANGE


def _condition(text: str) -> object:
    used = USED.search(text)
    new = NEW.search(USED.sub(lambda match: " " * len(match[0]), text))  # "не новый" is used, not new
    if (used and new) or any(m and EITHER.search(text[: m.start()]) for m in (used, new)):
        return None  # "новый или с пробегом", "или с пробегом": either
    if used:
        return Condition.USED
    return Condition.NEW if new else NO_CHANGE


def _min_year(text: str) -> object:
    if match := NEWER_THAN.search(text):
        return int(next(group for group in match.groups() if group))
    if match := AGE_AT_MOST.search(text):
        return datetime.now(UTC).year - int(next(group for group in match.groups() if group))
    return NO_CHANGE


def _city(original: str, words: BrandWords) -> object:
    for match in CITY.finditer(original):
        first, *more = (match[1] or match[2]).split()
        if _not_a_city(first, words) or (match[2] and _is_vocabulary(folded(first))):
            continue
        return " ".join([first, *(word for word in more if len(word) > 2 and not _not_a_city(word, words))])
    return NO_CHANGE


def _not_a_city(word: str, words: BrandWords) -> bool:
    mentions = words.mentions(folded(word), word)
    return folded(word) in NOT_CITIES or bool(mentions.liked or mentions.disliked)


def _is_vocabulary(word: str) -> bool:
    tables = (*BODIES, *ENGINES, *GEARBOXES, *DRIVES)
    return any(re.fullmatch(pattern, word) for _, pattern in tables)


COLLOQUIAL_CITIES = {
    "питер": "Санкт-Петербург",
    "спб": "Санкт-Петербург",
    "мск": "Москва",
    "екб": "Екатеринбург",
}


def city_forms(written: str) -> list[str]:
    """The names a city written inflected may have ("Нижнем Новгороде" → "Нижний Новгород"), the
    written form first: the catalog knows cities by their names, not by their cases."""
    per_word = [_word_forms(word) for word in written.split()]
    forms = [" ".join(combo) for combo in _product(per_word)]
    return list(dict.fromkeys(forms))


def _word_forms(word: str) -> list[str]:
    forms = [word]
    if word.endswith("е"):
        forms += [word[:-1], word[:-1] + "а"]
    elif word.endswith("и"):
        forms += [word[:-1] + "ь", word[:-1] + "а"]
    elif word.endswith(("ем", "ом")):
        forms += [word[:-2] + "ий", word[:-2] + "ый"]
    elif word.endswith("ой"):
        forms += [word[:-2] + "ая"]
    return forms + [COLLOQUIAL_CITIES[f.lower()] for f in forms if f.lower() in COLLOQUIAL_CITIES]


def _product(options: list[list[str]]) -> list[list[str]]:
    combos: list[list[str]] = [[]]
    for choices in options:
        combos = [combo + [choice] for combo in combos for choice in choices]
    return combos
