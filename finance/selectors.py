"""Reads of the money section: every figure on a page, CSV or PDF comes from here."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from portal.money import ZERO

from .models import BALANCE_PROGRAMS, LedgerEntry, MonthlyConsumption, Program


@dataclass(frozen=True)
class Balance:
    program: str
    currency: str
    amount: Decimal

    @property
    def program_label(self) -> str:
        return Program(self.program).label


def balances(*, partner) -> list[Balance]:
    """Balance per program and currency of the withdrawable programs: the sum of the append-only ledger."""
    rows = (
        LedgerEntry.objects.for_partner(partner)
        .filter(program__in=BALANCE_PROGRAMS)
        .order_by("program", "currency")
        .values_list("program", "currency")
        .annotate(total=Sum("amount"))
    )
    return [Balance(program, currency, total) for program, currency, total in rows]


def month_consumption(*, queryset, month: datetime.date) -> dict[str, Decimal]:
    """Consumption cost per currency in ``month`` from the monthly aggregates of a scoped queryset."""
    rows = queryset.filter(month=month).order_by().values_list("currency").annotate(total=Sum("cost"))
    return {currency: total or ZERO for currency, total in rows}


def monthly_consumption_queryset():
    return MonthlyConsumption.objects.all()
