"""Reporting periods in whole months: the presets users pick and a custom month range."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

PRESETS = [
    ("this_month", _("This month")),
    ("last_month", _("Last month")),
    ("last_3_months", _("Last 3 months")),
    ("last_12_months", _("Last 12 months")),
    ("custom", _("Custom")),
]
MAX_MONTHS = 36


def add_months(month: datetime.date, n: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


def quarter_start(day: datetime.date) -> datetime.date:
    """The first day of ``day``'s calendar quarter."""
    return datetime.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def month_after(day: datetime.date) -> datetime.date:
    """The first day of the month after ``day``'s: the exclusive end of its month."""
    return add_months(day, 1)


# The programs' windows (a project's rebate, a referred customer's commission) count calendar months and
# start with the month of the event: approval in the provider's time zone, or sign-up. 12 means exactly 12.
WINDOW_MONTHS = 12


def window_sql(event: str) -> str:
    """SQL: the month ``%(month)s`` is inside the window that starts with the month of ``event``."""
    start = f"date_trunc('month', {event})::date"
    return f"%(month)s >= {start} AND %(month)s < {start} + interval '{WINDOW_MONTHS} months'"


@dataclass(frozen=True)
class MonthRange:
    first: datetime.date  # first day of the first month
    last: datetime.date  # first day of the last month (inclusive)

    @property
    def months(self) -> list[datetime.date]:
        count = (self.last.year - self.first.year) * 12 + self.last.month - self.first.month + 1
        return [add_months(self.first, i) for i in range(count)]

    @property
    def end(self) -> datetime.date:
        """The day after the period: ``[first, end)``."""
        return add_months(self.last, 1)


def preset_range(preset: str, today: datetime.date | None = None) -> MonthRange:
    this = (today or timezone.localdate()).replace(day=1)
    if preset == "last_month":
        return MonthRange(add_months(this, -1), add_months(this, -1))
    if preset == "last_3_months":
        return MonthRange(add_months(this, -2), this)
    if preset == "last_12_months":
        return MonthRange(add_months(this, -11), this)
    return MonthRange(this, this)


class MonthInput(forms.DateInput):
    input_type = "month"

    def format_value(self, value):
        return value.strftime("%Y-%m") if isinstance(value, datetime.date) else value


# the last day a custom period may end on: its month has a month after it (month_after, a period's end)
LAST_DAY = datetime.date(9999, 11, 30)


class CustomRangeForm(forms.Form):
    """A preset ``period``, or ``custom`` with ``start`` and ``finish`` given, in order, not too long."""

    pick_both = ""

    def too_long(self, start: datetime.date, finish: datetime.date) -> str:
        """The message when the custom range is longer than allowed, else ""."""
        raise NotImplementedError

    def clean(self):
        data = super().clean()
        if data.get("period") != "custom" or self.has_error("start") or self.has_error("finish"):
            return data
        start, finish = data.get("start"), data.get("finish")
        # said on the period's own fields, the user's values kept in them
        if not start or not finish:
            self.add_error("start" if not start else "finish", self.pick_both)
        elif finish < start:
            self.add_error("finish", _("The period ends before it starts."))
        elif finish > LAST_DAY:
            self.add_error("finish", _("The period must end by %(day)s.") % {"day": LAST_DAY.isoformat()})
        elif message := self.too_long(start, finish):
            self.add_error("period", message)
        return data

    def period_refused(self) -> bool:
        """The user asked for a period that cannot be shown: a page shows the error, not another period."""
        return self.is_bound and any(self.has_error(name) for name in ("period", "start", "finish"))


class PeriodForm(CustomRangeForm):
    """``?period=last_3_months`` or ``?period=custom&start=2026-01&finish=2026-06``."""

    @classmethod
    def from_query(cls, query, default: str = "last_12_months") -> PeriodForm:
        """The period a query asks for (other parameters, like ``export``, aside), else ``default``."""
        data = {name: query.get(name) for name in ("period", "start", "finish") if name in query}
        return cls(data or {"period": default})

    period = forms.ChoiceField(label=_("Period"), choices=PRESETS, required=False)
    start = forms.DateField(label=_("From month"), required=False, input_formats=["%Y-%m"], widget=MonthInput)
    finish = forms.DateField(label=_("To month"), required=False, input_formats=["%Y-%m"], widget=MonthInput)
    pick_both = _("Pick both months of a custom period.")

    def too_long(self, start, finish):
        if len(MonthRange(start, finish).months) > MAX_MONTHS:
            return _("A period covers at most %(n)d months.") % {"n": MAX_MONTHS}
        return ""

    def month_range(self) -> MonthRange:
        """The chosen period; this month when nothing (or nothing valid) was chosen."""
        if not self.is_valid():
            return preset_range("this_month")
        data = self.cleaned_data
        if data.get("period") == "custom":
            return MonthRange(data["start"].replace(day=1), data["finish"].replace(day=1))
        return preset_range(data.get("period") or "this_month")


DAY_PRESETS = [
    ("this_month", _("This month")),
    ("last_month", _("Last month")),
    ("last_7_days", _("Last 7 days")),
    ("last_30_days", _("Last 30 days")),
    ("custom", _("Custom")),
]
MAX_DAYS = 92


def day_preset(preset: str, today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """``(first, last)`` days of a preset, both included, in the provider's time zone (UTC+3)."""
    today = today or timezone.localdate()
    if preset == "last_month":
        last = today.replace(day=1) - datetime.timedelta(days=1)
        return last.replace(day=1), last
    if preset == "last_7_days":
        return today - datetime.timedelta(days=6), today
    if preset == "last_30_days":
        return today - datetime.timedelta(days=29), today
    return today.replace(day=1), today


class DayRangeForm(CustomRangeForm):
    """``?period=last_7_days`` or ``?period=custom&start=2026-10-01&finish=2026-10-31`` (at most 92 days)."""

    period = forms.ChoiceField(label=_("Period"), choices=DAY_PRESETS, required=False)
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    finish = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    pick_both = _("Pick both days of a custom period.")

    def too_long(self, start, finish):
        if (finish - start).days + 1 > MAX_DAYS:
            return _("A period shows at most %(n)d days.") % {"n": MAX_DAYS}
        return ""

    def day_range(self) -> tuple[datetime.date, datetime.date]:
        """The chosen days; this month when nothing (or nothing valid) was chosen."""
        if not self.is_valid():
            return day_preset("this_month")
        data = self.cleaned_data
        if data.get("period") == "custom":
            return data["start"], data["finish"]
        return day_preset(data.get("period") or "this_month")


def program_window(event: datetime.date) -> MonthRange:
    """The months a program pays for an event on ``event`` (a local date): that month and the 11 after."""
    first = event.replace(day=1)
    return MonthRange(first, add_months(first, WINDOW_MONTHS - 1))
