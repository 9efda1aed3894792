"""Business days of the provider's calendar (Russia's public holidays), for review and answer deadlines."""

from __future__ import annotations

import datetime
from functools import lru_cache

import holidays
from django.utils import timezone


@lru_cache(maxsize=8)
def _holidays(year: int) -> holidays.HolidayBase:
    return holidays.RU(years=year)


def is_business_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def add_business_days(start: datetime.datetime, days: int) -> datetime.datetime:
    """``start`` moved forward by ``days`` business days, keeping its time of day (in the provider's zone)."""
    moment = timezone.localtime(start)
    day = moment.date()
    remaining = days
    while remaining:
        day += datetime.timedelta(days=1)
        if is_business_day(day):
            remaining -= 1
    return moment.replace(year=day.year, month=day.month, day=day.day)
