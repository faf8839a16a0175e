"""When a want and an offer match, and how well.

A want and an offer match when all of these hold:
- the same exchange type (PERMANENT with PERMANENT, TEMPORARY with TEMPORARY);
- the same category, where both name one;
- the item: every word of the want's name (as stems, text.py) is in the offer's name, so "велосипед"
  finds "Велосипед детский" but "велосипед детский" does not find a plain "велосипед" (the want says
  more than the offer does). A want whose name has no words matches on the category alone, and
  only when it gives one;
- the value: the offer's within `value_tolerance` of the want's (a value of 0 is "not given" and
  matches any);
- for TEMPORARY items the duration: the offer lends for at least the days the want asks, less
  `duration_tolerance_days` (a duration not given matches any);
- the place, when `max_distance_km` is set: within that distance (0: within `city_radius_km`, the same
  city); an entry without coordinates matches anywhere.

`fit` (0..1) is how close the values are; graph.py mixes it with the want's rank to order edges.
"""

from __future__ import annotations

import math

from .model import Entry, MatchRules
from .text import stems

EARTH_RADIUS_KM = 6371.0088


def distance_km(a: Entry, b: Entry) -> float | None:
    """The great-circle distance between two entries, None if either has no coordinates."""
    if a.latitude is None or a.longitude is None or b.latitude is None or b.longitude is None:
        return None
    phi1, phi2 = math.radians(a.latitude), math.radians(b.latitude)
    dphi, dlmb = phi2 - phi1, math.radians(b.longitude - a.longitude)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def names_match(want: Entry, offer: Entry) -> bool:
    wanted = stems(want.name)
    if not wanted:
        return want.category is not None and want.category == offer.category
    return wanted <= stems(offer.name)


def value_fit(want: Entry, offer: Entry, rules: MatchRules) -> float | None:
    """1 for equal values, falling to 0 at the tolerance's edge; None beyond it."""
    if want.value <= 0 or offer.value <= 0:
        return 1.0
    off = abs(offer.value - want.value) / want.value
    if off > rules.value_tolerance + 1e-12:
        return None
    return 1.0 - off / rules.value_tolerance if rules.value_tolerance > 0 else 1.0


def terms_match(want: Entry, offer: Entry, rules: MatchRules) -> bool:
    """Everything but the name: exchange type, category, duration and place."""
    if want.exchange_type != offer.exchange_type:
        return False
    if want.category is not None and offer.category is not None and want.category != offer.category:
        return False
    if (
        want.exchange_type == "TEMPORARY"
        and want.duration_days is not None
        and offer.duration_days is not None
        and offer.duration_days + rules.duration_tolerance_days < want.duration_days
    ):
        return False
    if rules.max_distance_km is not None:
        distance = distance_km(want, offer)
        limit = rules.max_distance_km or rules.city_radius_km
        if distance is not None and distance > limit:
            return False
    return True


def fit(want: Entry, offer: Entry, rules: MatchRules) -> float | None:
    """How well `offer` fills `want` (0..1), or None when they do not match."""
    if want.owner == offer.owner or not terms_match(want, offer, rules) or not names_match(want, offer):
        return None
    return value_fit(want, offer, rules)


def matches(want: Entry, offer: Entry, rules: MatchRules) -> bool:
    return fit(want, offer, rules) is not None
