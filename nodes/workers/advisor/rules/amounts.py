"""Money in a buyer's message: "до 3 млн", "2,5 млн", "1.5m", "800 тыс", "800k", "3 000 000 руб",
"от 1 до 2 млн", "1-2 млн", "около 2 млн", "$30k", "25 000 евро".

A number counts as money when it has a unit (млн, тыс, k, m, ...) or a currency, or when it is at least
100 000 alone; a number that a distance, an engine, a year or seats follow is never money ("пробег до
100 тыс км", "2.0 л", "150 л.с."). What precedes it says what it bounds: "до"/"under" a maximum,
"от"/"over" a minimum, "около"/"about" a window of ±15 % around it; alone ("бюджет 2 млн", "за 2 млн")
a maximum. Number words before a unit count ("до двух миллионов", "полтора ляма", "two million", "до
миллиона"); a monthly payment or a down payment is not the car's price ("30 тыс в месяц", "взнос 500
тыс"). An amount in another currency is returned in that currency, never converted here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

AROUND_SHARE = 0.15  # "около 2 млн": 1,7–2,3 млн
BARE_MONEY_MIN = 100_000  # a number alone below this is a year, seats, horsepower, not a price
ROUND_TO = 10_000

_SPACE = "[ \u00a0\u202f]"
_NUMBER = rf"\d{{1,3}}(?:{_SPACE}\d{{3}})+(?!\d)|\d{{1,3}}(?:,\d{{3}})+(?![\d,])|\d+(?:[.,]\d+)?"
_MILLION = r"млн\.?|миллион\w*|лям\w*|кк|kk|mln|mio|millions?|m"
_THOUSAND = r"тыс\w*\.?|т\.\s?р\.?|тр|к|k|thousands?|grand"
_ROUBLE = r"руб\w*\.?|р\.?|₽|rub\w*|rur"
CURRENCIES = {
    "USD": r"\$|usd|доллар\w*|бакс\w*|dollars?|bucks",
    "EUR": r"€|eur|евро|euros?",
    "CNY": r"¥|cny|юан\w*|yuan",
    "KZT": r"₸|kzt|тенге|tenge",
}
_SIGNS = {"$": "USD", "€": "EUR", "¥": "CNY", "₸": "KZT"}
_FOREIGN = "|".join(CURRENCIES.values())
AMOUNT = re.compile(
    rf"(?P<sign>[$€¥₸])?\s?(?P<num>{_NUMBER})\s?(?P<unit>{_MILLION}|{_THOUSAND})?(?!\w)"
    rf"(?:\s?(?P<cur>{_ROUBLE}|{_FOREIGN})(?!\w))?"
)
_MILLION_UNIT = re.compile(rf"(?:{_MILLION})\Z")
# What follows a number that is no price.
NOT_MONEY_AFTER = re.compile(
    r"[\s-]*(?:км|km|mi\b|miles?|миль|л\.?\s?с|лс|hp|лошад|мест|seat|чел|people|person|passeng|years?\b"
    r"|года?\b|лет\b|г\.|гг|литр|l\b|л\b|дв|ряд|row|[xх]\d|wd|кузов)"
)
NOT_MONEY_BEFORE = re.compile(
    r"(?:пробег\w*|mileage|odometer|плат[её]ж\w*|взнос\w*|payments?|down)\W+(?:\w+\W+)?$"
)
# A monthly payment or a yearly cost is not what the car costs.
PER_PERIOD = re.compile(r"\s*(?:в\s+мес|/\s*мес|в\s+год|ежемесячн|per\s+month|a\s+month|/\s*mo|monthly)")
# Number words before a unit ("до двух миллионов", "полтора ляма", "two million"), as digits.
NUMBER_WORDS = {
    "полтора": "1.5", "полторы": "1.5", "один": "1", "одного": "1", "два": "2", "двух": "2", "три": "3",
    "трех": "3", "четыре": "4", "четырех": "4", "пять": "5", "пяти": "5", "шесть": "6", "шести": "6",
    "семь": "7", "семи": "7", "восемь": "8", "восьми": "8", "девять": "9", "девяти": "9", "десять": "10",
    "десяти": "10", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10", "a": "1", "half a": "0.5",
}  # fmt: skip
_WORDS_BEFORE_UNIT = re.compile(
    rf"(?<!\w)({'|'.join(sorted(NUMBER_WORDS, key=len, reverse=True))})\s+(?=миллион|млн|лям|тысяч|тыс|million|thousand|grand)"
)
_UNIT_ALONE = re.compile(r"(?<![\d.,])\s(?=(?:миллион\w*|million)(?!\w))")
_HALF_MILLION = re.compile(r"(?<!\w)(?:полмиллиона|пол\s+миллиона|пол\s+ляма|half\s+a\s+million)(?!\w)")
RANGE_BETWEEN = re.compile(r"\s*(?:-|–|—|до|to|and|и)\s*\Z")
RANGE_OPENS = re.compile(r"(?:от|from|between|между|с)\s*\Z")
# Tried in order: "не больше" is a maximum although "больше" alone is a minimum.
_CUES = (
    ("max", r"не\s+(?:дороже|больше|более)"),
    ("min", r"не\s+(?:дешевле|меньше|менее)"),
    (
        "around",
        r"около|примерно|в районе|порядка|где-?\s?то|приблизительно|about|around|roughly|approx\w*\.?|~|±",
    ),
    ("max", r"до|дешевле|менее|меньше|максимум|макс\.?|в пределах|в рамках"),
    ("max", r"under|up to|below|max\.?|maximum|less than|within|no more than|cheaper than|at most|tops"),
    (
        "min",
        r"от|дороже|минимум|свыше|больше|более|over|above|at least|more than|from|starting at|starting from",
    ),
)
CUES = tuple((re.compile(rf"(?<!\w)(?:{pattern})\s*\Z"), role) for role, pattern in _CUES)


@dataclass(frozen=True)
class Budget:
    currency: str  # RUB or another ISO code
    low: int | None
    high: int | None


@dataclass(frozen=True)
class _Raw:
    start: int
    end: int
    number: float
    multiplier: int | None  # None: no unit written
    currency: str | None

    def value(self, multiplier: int | None = None, currency: str | None = None) -> tuple[int, str] | None:
        scale = self.multiplier or multiplier
        money_currency = self.currency or currency
        amount = self.number * (scale or 1)
        if scale is None and money_currency is None and amount < BARE_MONEY_MIN:
            return None
        return round(amount), money_currency or "RUB"


def budget_in(text: str) -> Budget | None:
    """The budget a message states (lowercased, ё as е), if it states one; the last one wins."""
    raws = _raw_amounts(text)
    found: Budget | None = None
    index = 0
    while index < len(raws):
        first = raws[index]
        second = raws[index + 1] if index + 1 < len(raws) else None
        if second is not None and _is_range(text, first, second):
            low = first.value(second.multiplier, second.currency)
            high = second.value(first.multiplier, first.currency)
            if low is not None and high is not None:
                found = Budget(high[1], min(low[0], high[0]), max(low[0], high[0]))
            index += 2
            continue
        single = first.value()
        if single is not None:
            found = _bounded(text[: first.start], *single)
        index += 1
    return found


def _in_digits(text: str) -> str:
    """Number words before a unit as digits; "миллион" alone as one ("до миллиона")."""
    text = _HALF_MILLION.sub(" 0.5 млн", text)
    text = _WORDS_BEFORE_UNIT.sub(lambda match: NUMBER_WORDS[match[1]] + " ", text)
    return _UNIT_ALONE.sub(" 1 ", text)


def _raw_amounts(text: str) -> list[_Raw]:
    text = _in_digits(text)
    raws = []
    for match in AMOUNT.finditer(text):
        before, after = text[: match.start()], match.end()
        if (
            NOT_MONEY_AFTER.match(text, after)
            or PER_PERIOD.match(text, after)
            or NOT_MONEY_BEFORE.search(before)
        ):
            continue
        raws.append(
            _Raw(match.start(), match.end(), _number(match["num"]), _multiplier(match["unit"]),
                 _currency(match["sign"], match["cur"]))
        )  # fmt: skip
    return raws


def _number(written: str) -> float:
    digits = re.sub(_SPACE, "", written)
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+", digits):
        return float(digits.replace(",", ""))
    return float(digits.replace(",", "."))


def _multiplier(unit: str | None) -> int | None:
    if unit is None:
        return None
    return 1_000_000 if _MILLION_UNIT.match(unit) else 1_000


def _currency(sign: str | None, word: str | None) -> str | None:
    if sign:
        return _SIGNS[sign]
    if not word:
        return None
    for code, pattern in CURRENCIES.items():
        if re.fullmatch(pattern, word):
            return code
    return "RUB"


def _is_range(text: str, first: _Raw, second: _Raw) -> bool:
    between = text[first.end : second.start]
    if not RANGE_BETWEEN.match(between):
        return False
    return between.strip() in ("-", "–", "—") or bool(RANGE_OPENS.search(text[: first.start]))


def _bounded(before: str, amount: int, currency: str) -> Budget:
    role = next((role for cue, role in CUES if cue.search(before)), "max")
    if role == "min":
        return Budget(currency, amount, None)
    if role == "around":
        spread = amount * AROUND_SHARE
        return Budget(currency, _rounded(amount - spread), _rounded(amount + spread))
    return Budget(currency, None, amount)


def _rounded(amount: float) -> int:
    return max(0, round(amount / ROUND_TO) * ROUND_TO)
