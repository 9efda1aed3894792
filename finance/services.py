"""Writes of the money section. Every write that touches the ledger is atomic."""

from __future__ import annotations

import datetime

from django.db import connection, transaction

from portal.money import round_money

from .models import Accrual, LedgerEntry

MONTHLY_REFRESH_SQL = """
INSERT INTO finance_monthlyconsumption
    (partner_id, subaccount_id, month, service_id, service_name, currency, cost, credit, marketplace_cost)
SELECT c.partner_id, c.subaccount_id, date_trunc('month', c.date)::date, c.service_id, max(c.service_name),
       c.currency, sum(c.cost), sum(c.credit), sum(CASE WHEN c.is_marketplace THEN c.cost ELSE 0 END)
FROM finance_consumption c
WHERE c.partner_id = %(partner)s AND c.date >= %(start)s AND c.date < %(end)s
GROUP BY c.partner_id, c.subaccount_id, date_trunc('month', c.date), c.service_id, c.currency
ON CONFLICT (subaccount_id, month, service_id, currency) DO UPDATE
SET service_name = EXCLUDED.service_name, cost = EXCLUDED.cost, credit = EXCLUDED.credit,
    marketplace_cost = EXCLUDED.marketplace_cost
WHERE (finance_monthlyconsumption.cost, finance_monthlyconsumption.credit,
       finance_monthlyconsumption.marketplace_cost)
      IS DISTINCT FROM (EXCLUDED.cost, EXCLUDED.credit, EXCLUDED.marketplace_cost)
"""


def monthly_consumption_refresh(*, partner_id: int, start: datetime.date, end: datetime.date) -> None:
    """Recompute the month × subaccount × service aggregates of ``[start, end)`` in one set-based statement.

    Idempotent: unchanged months are left untouched.
    """
    with connection.cursor() as cursor:
        cursor.execute(MONTHLY_REFRESH_SQL, {"partner": partner_id, "start": start, "end": end})


@transaction.atomic
def accrual_record(
    *,
    partner_id: int,
    subaccount_id: int | None,
    period: datetime.date,
    program: str,
    source: str,
    basis,
    rate,
    currency: str,
    term_id: int | None = None,
) -> Accrual | None:
    """Record one accrual and its ledger entry; None if that natural key was accrued before (idempotent)."""
    accrual, created = Accrual.objects.get_or_create(
        partner_id=partner_id,
        subaccount_id=subaccount_id,
        period=period,
        program=program,
        source=source,
        defaults={
            "basis": round_money(basis),
            "rate": rate,
            "amount": round_money(basis * rate),
            "currency": currency,
            "term_id": term_id,
        },
    )
    if not created:
        return None
    LedgerEntry.objects.create(
        partner_id=partner_id,
        program=program,
        kind=LedgerEntry.Kind.ACCRUAL,
        amount=accrual.amount,
        currency=currency,
        accrual=accrual,
    )
    return accrual
