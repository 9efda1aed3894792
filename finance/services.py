"""Writes of the money section. Every write that touches the ledger is atomic."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from access.audit import audit
from access.models import Membership
from portal import locks, outbox
from portal.money import amount_text, round_money
from portal.periods import month_after
from portal.states import StateMachine, Transition
from profiles.models import PayoutDetails

from . import bucket_export, tasks
from .aggregates import customer_months_add, customer_months_rebuild, daily_usage_rebuild, only_partner
from .deal_usage import deal_usage_rebuild
from .models import (
    BONUS_PROGRAMS,
    DESTINATIONS,
    POOL_OF_PROGRAM,
    Accrual,
    LedgerEntry,
    Pool,
    Withdrawal,
)
from .selectors import balance
from .usage_rewards import usage_rewards_rebuild

# paid consumption is cost + credit (billing's credits are negative) of the services that are not excluded:
# the one definition every program and page reads
MONTHLY_UPSERT_SQL = """
INSERT INTO finance_monthlyconsumption
    (partner_id, subaccount_id, month, service_id, service_name, currency, cost, credit, marketplace_cost,
     paid)
SELECT c.partner_id, c.subaccount_id, date_trunc('month', c.date)::date, c.service_id, max(c.service_name),
       c.currency, sum(c.cost), sum(c.credit),
       sum(CASE WHEN c.is_marketplace THEN c.cost + c.credit ELSE 0 END),
       sum(CASE WHEN c.is_marketplace THEN 0 ELSE c.cost + c.credit END)
FROM finance_consumption c
WHERE c.date >= %(start)s AND c.date < %(end)s {only_c}
GROUP BY c.partner_id, c.subaccount_id, date_trunc('month', c.date), c.service_id, c.currency
ON CONFLICT (subaccount_id, month, service_id, currency) DO UPDATE
SET service_name = EXCLUDED.service_name, cost = EXCLUDED.cost, credit = EXCLUDED.credit,
    marketplace_cost = EXCLUDED.marketplace_cost, paid = EXCLUDED.paid
WHERE (finance_monthlyconsumption.cost, finance_monthlyconsumption.credit,
       finance_monthlyconsumption.marketplace_cost, finance_monthlyconsumption.paid,
       finance_monthlyconsumption.service_name)
      IS DISTINCT FROM (EXCLUDED.cost, EXCLUDED.credit, EXCLUDED.marketplace_cost, EXCLUDED.paid,
                        EXCLUDED.service_name)
"""
MONTHLY_STALE_SQL = """
DELETE FROM finance_monthlyconsumption m
WHERE m.month >= %(start)s AND m.month < %(end)s {only_m}
  AND NOT EXISTS (
    SELECT 1 FROM finance_consumption c
    WHERE c.subaccount_id = m.subaccount_id AND c.service_id = m.service_id AND c.currency = m.currency
      AND c.date >= m.month AND c.date < (m.month + interval '1 month')
  )
"""


@transaction.atomic
def monthly_consumption_rebuild(
    *, start: datetime.date, end: datetime.date, partner_id: int | None = None
) -> None:
    """Bring the month × subaccount × service aggregates of every month from ``start`` to ``end`` (whole
    months, both included) in line with the daily rows, and with them the customer months and Subaccount
    details' daily aggregates and reward rollup: set-based, and a rerun changes nothing."""
    params = {"start": start.replace(day=1), "end": month_after(end), "partner": partner_id}
    only = only_partner(partner_id, "c", "m")
    with connection.cursor() as cursor:
        cursor.execute(MONTHLY_UPSERT_SQL.format(only_c=only["only_c"]), params)
        cursor.execute(MONTHLY_STALE_SQL.format(only_m=only["only_m"]), params)
    customer_months_rebuild(start=start, end=end, partner_id=partner_id)
    daily_usage_rebuild(start=start, end=end, partner_id=partner_id)
    deal_usage_rebuild(start=start, end=end, partner_id=partner_id)
    usage_rewards_rebuild(start=start, end=end, partner_id=partner_id, skus_built=True)


# whether a consumption row ``c`` is of an excluded service or SKU: the one rule the import and a change of
# the exclusion list apply
EXCLUDED_SQL = """EXISTS (SELECT 1 FROM finance_exclusion e
    WHERE e.service_id = {service} AND (e.sku_id = '' OR e.sku_id = {sku}))"""

EXCLUSIONS_APPLY_SQL = f"""
WITH changed AS (
    UPDATE finance_consumption c SET is_marketplace = NOT c.is_marketplace
    WHERE c.service_id = ANY(%(services)s)
      AND c.is_marketplace <> {EXCLUDED_SQL.format(service="c.service_id", sku="c.sku_id")}
    RETURNING c.partner_id, date_trunc('month', c.date)::date AS month
)
SELECT partner_id, min(month), max(month) FROM changed GROUP BY partner_id
"""  # noqa: S608 (constant fragments only; the services are a bound parameter)


@transaction.atomic
def exclusions_apply(*, service_ids: list[str]) -> dict[int, tuple[datetime.date, datetime.date]]:
    """Bring the consumption of ``service_ids`` in line with the exclusion list as it is now, and the monthly
    aggregates of the months whose rows changed; returns each partner's first and last month changed (the
    caller re-accrues them). Idempotent: a rerun changes nothing."""
    with connection.cursor() as cursor:
        cursor.execute(EXCLUSIONS_APPLY_SQL, {"services": sorted(set(service_ids))})
        changed = {partner_id: (first, last) for partner_id, first, last in cursor.fetchall()}
    for partner_id, (first, last) in changed.items():
        monthly_consumption_rebuild(start=first, end=last, partner_id=partner_id)
        # an excluded row earns no reward: the bucket export's days of those months are written again
        last_day = month_after(last) - datetime.timedelta(days=1)
        bucket_export.days_changed(partner_ids=[partner_id], first=first, last=last_day)
    return changed


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
        corrects=None,
        partner_id=partner_id,
        subaccount_id=subaccount_id,
        period=period,
        program=program,
        source=source,
        currency=currency,
        defaults={
            "basis": round_money(basis),
            "rate": rate,
            "amount": round_money(basis * rate),
            "term_id": term_id,
        },
    )
    if not created:
        return None
    LedgerEntry.objects.create(
        partner_id=partner_id,
        pool=POOL_OF_PROGRAM[program],
        program=program,
        kind=LedgerEntry.Kind.ACCRUAL,
        amount=accrual.amount,
        currency=currency,
        accrual=accrual,
    )
    if program in BONUS_PROGRAMS:
        customer_months_add([accrual.pk])
    return accrual


# Withdrawals -------------------------------------------------------------------------------------------

REFERRAL_MINIMUM = Decimal("500.00")  # RUB; DESIGN.md, referral program


def withdrawal_amount_check(*, pool: str, amount: Decimal, currency: str, available: Decimal) -> None:
    """Refuse, on ``amount``, what the balance cannot pay: under the referral minimum, nothing available in
    the currency, or more than ``available``. The withdraw page's first step asks with the balance as it
    reads it (no lock, nothing held); withdrawal_request asks again under the pool's lock, and that decides.
    """
    if pool == Pool.REFERRAL and currency == "RUB" and amount < REFERRAL_MINIMUM:
        raise ValidationError(
            {
                "amount": _("The referral program pays out from %(minimum)s.")
                % {"minimum": amount_text(REFERRAL_MINIMUM, "RUB")}
            }
        )
    if available <= 0:
        raise ValidationError(
            {
                "amount": _("There is nothing to withdraw in %(currency)s: %(available)s is available.")
                % {"available": amount_text(available, currency), "currency": currency}
            }
        )
    if amount > available:
        raise ValidationError(
            {
                "amount": _("At most %(available)s is available.")
                % {"available": amount_text(available, currency), "currency": currency}
            }
        )


def _lock_pool(partner_id: int, pool: str, currency: str) -> None:
    """Serialise every change of one balance (partner × pool × currency) until the transaction ends."""
    locks.hold(f"{pool}:{currency}", partner_id=partner_id)


@transaction.atomic
def withdrawal_request(
    *,
    partner,
    pool: str,
    amount: Decimal,
    currency: str,
    destination: str,
    requested_by,
    grant_subaccount=None,
    request_key=None,
):
    """Hold ``amount`` of a withdrawable balance for payout, invoice deduction or a grant (Rules of money 4).
    A grant goes to one of the partner's own billing accounts (``grant_subaccount``). Idempotent by
    ``request_key`` (the confirmation answered): a second request with it returns the first withdrawal and
    holds nothing more.

    Under the balance's lock: check the amount (withdrawal_amount_check), record the request and its negative
    ledger entry. Concurrent requests queue on the lock, so together they never take more than the balance.
    """

    if pool not in (Pool.REBATES, Pool.REFERRAL):
        raise ValidationError({"pool": _("This balance cannot be withdrawn.")})
    amount = round_money(amount)
    if amount <= 0:
        raise ValidationError({"amount": _("Enter an amount above zero.")})
    if destination not in DESTINATIONS[pool]:
        raise ValidationError({"destination": _("This balance cannot be withdrawn that way.")})
    if destination == Withdrawal.Destination.GRANT and not (
        grant_subaccount is not None
        and grant_subaccount.partner_id == partner.pk
        and grant_subaccount.is_partner_own
        and grant_subaccount.status == grant_subaccount.Status.ACTIVE
    ):
        raise ValidationError({"billing_account": _("Choose one of your own active billing accounts.")})
    payout = PayoutDetails.objects.filter(partner=partner).first()
    if destination == Withdrawal.Destination.BANK and payout is None:
        raise ValidationError({"destination": _("Add the payout details in the partner profile first.")})
    _lock_pool(partner.pk, pool, currency)
    if request_key is not None:
        earlier = Withdrawal.objects.filter(partner=partner, request_key=request_key).first()
        if earlier is not None:
            return earlier
    available = balance(membership=Membership.whole_partner(partner), pool=pool, currency=currency)
    withdrawal_amount_check(pool=pool, amount=amount, currency=currency, available=available)
    snapshot = {}
    if destination == Withdrawal.Destination.GRANT:
        snapshot = {"billing_account_id": grant_subaccount.billing_account_id, "name": grant_subaccount.name}
    if destination == Withdrawal.Destination.BANK:
        snapshot = {
            f: getattr(payout, f) for f in ("bank_name", "bic", "account_number", "correspondent_account")
        }
    withdrawal = Withdrawal.objects.create(
        partner=partner,
        pool=pool,
        amount=amount,
        currency=currency,
        destination=destination,
        requested_by=requested_by,
        payout_details_snapshot=snapshot,
        request_key=request_key,
    )
    LedgerEntry.objects.create(
        partner=partner,
        pool=pool,
        kind=LedgerEntry.Kind.WITHDRAWAL,
        amount=-amount,
        currency=currency,
        withdrawal=withdrawal,
    )
    audit(
        partner_id=partner.pk,
        actor=requested_by,
        action="withdrawal.request",
        target=f"{amount} {currency}",
        details={"pool": pool, "destination": destination},
    )
    return withdrawal


W = Withdrawal.Status


class WithdrawalMachine(StateMachine):
    """The provider's steps of a withdrawal (portal/states.py); a rejection gives the money back by a
    reversal entry. The steps are named as the admin's actions name them."""

    model = Withdrawal
    forbidden = gettext_lazy("A withdrawal that is %(status)s cannot be %(action)s.")
    reason_missing = gettext_lazy("Please give the partner a reason.")

    def prepare(self, locked, transition, reason):
        locked.decided_at, locked.reason = timezone.now(), reason

    def record(self, locked, source, transition, *, actor, reason):
        if transition.target == W.REJECTED:
            LedgerEntry.objects.create(
                partner_id=locked.partner_id,
                pool=locked.pool,
                kind=LedgerEntry.Kind.REVERSAL,
                amount=locked.amount,
                currency=locked.currency,
                withdrawal=locked,
            )
        audit(
            partner_id=locked.partner_id,
            actor=actor,
            action="withdrawal.decide",
            target=f"{locked.amount} {locked.currency}",
            details={"step": transition.name, "reason": reason},
        )
        if transition.target in (W.PAID, W.REJECTED):  # the partner hears of the outcome
            outbox.enqueue(tasks.notify_withdrawal_decided, locked.pk)


WITHDRAWAL = WithdrawalMachine(
    Transition("approve", "approve", frozenset({W.REQUESTED}), W.APPROVED, by_provider=True),
    Transition("pay", "pay", frozenset({W.APPROVED}), W.PAID, by_provider=True),
    Transition(
        "reject",
        "reject",
        frozenset({W.REQUESTED, W.APPROVED}),
        W.REJECTED,
        by_provider=True,
        reason_required=True,
    ),
)


@transaction.atomic
def withdrawal_decide(*, withdrawal: Withdrawal, step: str, actor, reason: str = "") -> Withdrawal:
    """The provider approves, marks paid or rejects; a rejection gives the money back by a reversal entry."""
    _lock_pool(withdrawal.partner_id, withdrawal.pool, withdrawal.currency)
    return WITHDRAWAL.apply(withdrawal, WITHDRAWAL[step], actor=actor, reason=reason)
