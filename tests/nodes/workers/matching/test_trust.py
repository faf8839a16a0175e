"""The trust score's formula (nodes/workers/matching/trust.py), on its own: recency weighting, the
completion bonus, the report penalty, the account-age bonus and the clamp to 0–100."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from nodes.workers.matching.trust import trust_score, weighted_rating

NOW = datetime(2026, 12, 5, tzinfo=UTC)


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def test_a_rating_loses_half_its_weight_in_180_days() -> None:
    assert weighted_rating([], NOW) == 0.0
    assert weighted_rating([(4, days_ago(400))], NOW) == pytest.approx(4.0)
    # A 5 of today weighs twice a 2 of 180 days ago: (5·1 + 2·0.5) / 1.5.
    assert weighted_rating([(5, NOW), (2, days_ago(180))], NOW) == pytest.approx(4.0)
    assert weighted_rating([(1, NOW), (5, days_ago(360))], NOW) == pytest.approx((1 + 5 * 0.25) / 1.25)


@pytest.mark.parametrize(
    ("weighted", "completed", "agreed", "reports", "senior", "score"),
    [
        (0.0, 5, 5, 0, True, 0.0),  # no reviews, no trust
        (4.0, 0, 0, 0, False, 80.0),  # the base: 4 of 5
        (4.0, 1, 1, 0, False, 88.0),  # +10 %: every agreed exchange completed
        (4.0, 4, 5, 0, False, 88.0),  # 80 % is high
        (4.0, 3, 5, 0, False, 80.0),  # 60 % is not
        (4.0, 1, 1, 2, False, 80.0),  # −5 % a report
        (4.0, 1, 1, 0, True, 92.0),  # +5 % past six months
        (5.0, 1, 1, 0, True, 100.0),  # clamped
        (1.0, 0, 3, 30, False, 0.0),  # clamped
    ],
)
def test_the_bonuses_and_the_penalty_are_shares_of_the_base(
    weighted: float, completed: int, agreed: int, reports: int, senior: bool, score: float
) -> None:
    assert trust_score(weighted, completed, agreed, reports, senior) == score
