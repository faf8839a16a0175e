"""A location's day cut into 30-minute slots on its own clock: the slots a date has, and whether an
appointment may start at a moment and still end by closing time.

Hours are read on the location's clock (its IANA zone) and turned into UTC once per date; the slots
are then counted in UTC from the opening, so a day whose clocks change while it is open still has
every real half hour of it, and no slot twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from protocols.garage_service import SLOT_MINUTES, DayHours, Weekday, minute_of_day

SLOT = timedelta(minutes=SLOT_MINUTES)


@dataclass(frozen=True)
class Opening:
    """One date's opening, in UTC."""

    opens: datetime
    closes: datetime

    def starts(self) -> list[datetime]:
        """Every slot's start, in time order."""
        count = (self.closes - self.opens) // SLOT
        return [self.opens + n * SLOT for n in range(count)]

    def fits(self, start: datetime, slots: int) -> bool:
        """Whether `slots` slots from `start` are slots of this day, all before closing."""
        return (
            self.opens <= start
            and (start - self.opens) % SLOT == timedelta(0)
            and (start + slots * SLOT <= self.closes)
        )


def _on_clock(day: date, minute: int, zone: ZoneInfo) -> datetime:
    """The moment a location's clock shows `minute` (of the day, 1440 being the next midnight)."""
    days, minute = divmod(minute, 24 * 60)
    local = datetime.combine(day + timedelta(days=days), time(minute // 60, minute % 60), tzinfo=zone)
    return local.astimezone(UTC)


def opening(hours: list[DayHours], zone: ZoneInfo, day: date) -> Opening | None:
    """The location's opening on its date `day`; None when it is closed that day."""
    weekday = Weekday.of(day)
    for today in hours:
        if today.weekday is weekday:
            return Opening(
                _on_clock(day, minute_of_day(today.opens), zone),
                _on_clock(day, minute_of_day(today.closes), zone),
            )
    return None


def whole_day(zone: ZoneInfo, day: date) -> tuple[datetime, datetime]:
    """From the location's midnight starting `day` to the next, in UTC."""
    return _on_clock(day, 0, zone), _on_clock(day, 24 * 60, zone)


def local_date(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def covered(start: datetime, slots: int) -> list[datetime]:
    """The starts of the slots an appointment of `slots` slots from `start` holds."""
    return [start + n * SLOT for n in range(slots)]
