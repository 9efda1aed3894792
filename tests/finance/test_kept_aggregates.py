"""The aggregates the database keeps beside their sources (migration 0029): each ledger balance is the sum of
its entries, each partner month the sum of its customer months — after every kind of change, through the
real paths, compared with a rebuild from the source rows; and nothing else may write them."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import DatabaseError, connection, transaction
from django.db.models import Count, Sum
from django_scopes import scope

from access.models import Membership
from finance import services
from finance.accruals import accrue_month
from finance.aggregates import customer_months_add, customer_months_rebuild
from finance.models import (
    Accrual,
    CustomerMonth,
    LedgerBalance,
    LedgerEntry,
    MonthlyConsumption,
    PartnerMonth,
    Pool,
    Program,
    Withdrawal,
)
from finance.selectors import Balance, balances
from tests import factories
from tests.factories import AccountFactory, PayoutDetailsFactory, SubaccountFactory

pytestmark = pytest.mark.django_db
OCT = datetime.date(2026, 10, 1)


def kept_balances() -> dict:
    return {(b.partner_id, b.pool, b.currency): b.amount for b in LedgerBalance.objects.all()}


def ledger_sums() -> dict:
    rows = (
        LedgerEntry.objects.order_by().values_list("partner_id", "pool", "currency").annotate(s=Sum("amount"))
    )
    return {(partner, pool, currency): total for partner, pool, currency, total in rows}


def kept_months() -> set:
    return set(
        PartnerMonth.objects.values_list(
            "partner_id", "month", "currency", "paid", "partner_bonus", "deal_extra", "customers"
        )
    )


def customer_month_sums() -> set:
    rows = (
        CustomerMonth.objects.order_by()
        .values_list("partner_id", "month", "currency")
        .annotate(Sum("paid"), Sum("partner_bonus"), Sum("deal_extra"), Count("id"))
    )
    return set(rows)


def in_step():
    assert kept_balances() == ledger_sums()
    assert kept_months() == customer_month_sums()


@time_machine.travel(datetime.datetime(2026, 11, 10, tzinfo=datetime.UTC), tick=False)
def test_every_money_movement_keeps_the_balance_the_sum_of_the_ledger(
    partner, other_partner, terms, tmp_path
):
    from finance.importer import load
    from tests.finance.test_import import line, write

    PayoutDetailsFactory(partner=partner)
    alpha = SubaccountFactory(account=AccountFactory(partner=partner), billing_account_id="ba-a")
    SubaccountFactory(account=AccountFactory(partner=partner), billing_account_id="ba-b")
    SubaccountFactory(account=AccountFactory(partner=other_partner), billing_account_id="ba-c")
    load(write(tmp_path, line(ba="ba-a", cost="1000.00", credit="0"), line(ba="ba-b", cost="300.00"),
               line(ba="ba-c", cost="700.00", credit="0")))  # fmt: skip
    in_step()  # the import: customer months, no ledger yet
    for p in (partner, other_partner):
        accrue_month(partner_id=p.pk, month=OCT)  # the set-based accrual: bonus entries, two partners
    in_step()
    assert kept_balances()[partner.pk, Pool.BONUS, "RUB"] > 0

    load(write(tmp_path, line(ba="ba-a", cost="2000.00", credit="0")))  # re-imported: beta gone, alpha up
    accrue_month(partner_id=partner.pk, month=OCT)  # corrections, one of them negative
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.CORRECTION, amount__lt=0).exists()
    in_step()

    factories.accrue(partner, "1000.00", Program.PROJECT_REBATE, subaccount=alpha)  # accrual_record
    factories.accrue(partner, "800.00", Program.REFERRAL, source="r", subaccount=alpha)
    in_step()

    def withdraw(amount, pool=Pool.REBATES):
        return services.withdrawal_request(
            partner=partner,
            pool=pool,
            amount=Decimal(amount),
            currency="RUB",
            destination=Withdrawal.Destination.BANK,
            requested_by=None,
        )

    rejected, paid = withdraw("300.00"), withdraw("200.00")
    in_step()
    services.withdrawal_decide(withdrawal=rejected, step="reject", actor=None, reason="no")  # the reversal
    in_step()
    services.withdrawal_decide(withdrawal=paid, step="approve", actor=None)
    services.withdrawal_decide(withdrawal=paid, step="pay", actor=None)
    withdraw("600.00", pool=Pool.REFERRAL)
    in_step()
    assert balances(membership=Membership.whole_partner(partner)) == [
        Balance(Pool.REBATES, "RUB", Decimal("800.00")),
        Balance(Pool.REFERRAL, "RUB", Decimal("200.00")),
    ]


def test_the_customer_months_rebuild_and_their_removal_keep_the_partner_months(partner):
    alpha, beta = (SubaccountFactory(account=AccountFactory(partner=partner)) for _ in range(2))
    factories.MonthlyConsumptionFactory(subaccount=alpha, month=OCT, cost=Decimal("100.005"))
    factories.MonthlyConsumptionFactory(subaccount=beta, month=OCT, cost=Decimal("50.00"), currency="KZT")
    factories.AccrualFactory(
        subaccount=alpha, period=OCT, program=Program.PARTNER_BONUS, amount=Decimal("10.01")
    )
    in_step()
    assert PartnerMonth.objects.get(partner=partner, currency="RUB").paid == Decimal("100.005")

    MonthlyConsumption.objects.filter(subaccount=alpha).delete()  # billing's month of alpha withdrawn
    Accrual.objects.filter(subaccount=alpha).delete()
    customer_months_rebuild(start=OCT, end=OCT, partner_id=partner.pk)  # its customer month goes
    in_step()
    assert PartnerMonth.objects.filter(partner=partner).count() == 1  # the tenge month alone
    CustomerMonth.objects.filter(partner=partner).delete()
    in_step()
    assert not PartnerMonth.objects.exists()


def test_the_customer_months_take_each_accrual_written_once(partner):
    """The accrual hands over the ids it wrote; one named twice (or in no order) still adds its amount once,
    as a rebuild from scratch would count it."""
    alpha, beta = (SubaccountFactory(account=AccountFactory(partner=partner)) for _ in range(2))
    written = [
        factories.AccrualFactory(subaccount=s, period=OCT, program=program, amount=Decimal(amount))
        for s, program, amount in [
            (alpha, Program.PARTNER_BONUS, "10.01"),
            (alpha, Program.DEAL_EXTRA, "5.00"),
            (beta, Program.PARTNER_BONUS, "2.50"),
            (beta, Program.PROJECT_REBATE, "99.00"),  # not a bonus program: not in the customer month
        ]
    ]
    ids = [a.pk for a in written]
    CustomerMonth.objects.filter(partner=partner).delete()  # (the factory already added them)
    customer_months_add([*reversed(ids), ids[0], ids[2]])
    added = set(CustomerMonth.objects.values_list("account_id", "partner_bonus", "deal_extra"))
    customer_months_rebuild(start=OCT, end=OCT, partner_id=partner.pk)
    rebuilt = set(CustomerMonth.objects.values_list("account_id", "partner_bonus", "deal_extra"))
    expected = {
        (alpha.account_id, Decimal("10.01"), Decimal("5.00")),
        (beta.account_id, Decimal("2.50"), Decimal("0.00")),
    }
    assert added == rebuilt == expected
    in_step()


@pytest.mark.parametrize("table", ["finance_ledgerbalance", "finance_partnermonth"])
def test_only_the_trigger_writes_a_kept_aggregate(partner, table):
    factories.LedgerEntryFactory(partner=partner)
    factories.CustomerMonthFactory(account=AccountFactory(partner=partner))
    for statement in (
        f"UPDATE {table} SET partner_id = partner_id",  # noqa: S608 (a constant table name)
        f"DELETE FROM {table}",  # noqa: S608
    ):
        with (
            pytest.raises(DatabaseError, match="kept by a trigger"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)
    in_step()


@pytest.mark.django_db(transaction=True)
def test_withdrawals_rejections_and_accruals_racing_keep_the_balance_the_sum_and_never_negative():
    import threading

    from django.core.exceptions import ValidationError

    partner = factories.PartnerFactory()
    PayoutDetailsFactory(partner=partner)
    subaccount = SubaccountFactory(account=AccountFactory(partner=partner))
    factories.accrue(partner, "1000.00", Program.PROJECT_REBATE, subaccount=subaccount)
    first = services.withdrawal_request(
        partner=partner,
        pool=Pool.REBATES,
        amount=Decimal("100.00"),
        currency="RUB",
        destination=Withdrawal.Destination.BANK,
        requested_by=None,
    )
    barrier, errors = threading.Barrier(9), []

    def run(step):
        try:
            barrier.wait()
            with scope(partner=partner.pk):  # as each request or task runs
                step()
        except ValidationError:
            pass  # more than the balance: refused, as it should be
        except Exception as error:  # a deadlock or anything else fails the test
            errors.append(error)
        finally:
            connection.close()  # each thread had its own PostgreSQL connection

    def withdraw():
        services.withdrawal_request(
            partner=partner,
            pool=Pool.REBATES,
            amount=Decimal("300.00"),
            currency="RUB",
            destination=Withdrawal.Destination.BANK,
            requested_by=None,
        )

    def accrue(n):
        def step():
            factories.accrue(
                partner, "50.00", Program.PROJECT_REBATE, source=f"race{n}", subaccount=subaccount
            )

        return step

    def reject():
        services.withdrawal_decide(withdrawal=first, step="reject", actor=None, reason="race")

    steps = [withdraw] * 4 + [accrue(n) for n in range(4)] + [reject]
    threads = [threading.Thread(target=run, args=(step,)) for step in steps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    in_step()
    assert LedgerBalance.objects.get(partner=partner, pool=Pool.REBATES).amount >= 0
