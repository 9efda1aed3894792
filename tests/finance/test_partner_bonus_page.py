"""Partner bonus per subaccount for a month, and the page that traces it to its basis, term and rate."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from finance.models import Program
from tests.factories import (
    AccountFactory,
    AccrualFactory,
    MonthlyConsumptionFactory,
    RebateTermFactory,
    SubaccountFactory,
)

pytestmark = pytest.mark.django_db
OCT = datetime.date(2026, 10, 1)


def test_each_subaccount_shows_its_bonus_and_opens_its_basis(partner, member, client_for):
    term = RebateTermFactory(program=Program.PARTNER_BONUS, rate=Decimal("0.1000"))
    sub = SubaccountFactory(account=AccountFactory(partner=partner, name="Gamma"), name="Gamma prod")
    quiet = SubaccountFactory(account=AccountFactory(partner=partner), name="Quiet")
    AccrualFactory(
        subaccount=sub,
        period=OCT,
        program=Program.PARTNER_BONUS,
        basis=Decimal("900.00"),
        rate=Decimal("0.1000"),
        amount=Decimal("90.00"),
        term=term,
    )
    AccrualFactory(
        subaccount=sub,
        period=OCT,
        program=Program.DEAL_EXTRA,
        basis=Decimal("900.00"),
        rate=Decimal("0.1500"),
        amount=Decimal("135.00"),
    )
    MonthlyConsumptionFactory(
        subaccount=sub,
        month=OCT,
        cost=Decimal("1200.00"),
        credit=Decimal("-100.00"),
        marketplace_cost=Decimal("200.00"),
    )
    client = client_for(member())
    rows = {
        r.record.pk: r.record
        for r in client.get(reverse("finance:partner_bonus"), {"month": "2026-10"}).context["table"].rows
    }
    assert (rows[sub.pk].basis, rows[sub.pk].base_bonus, rows[sub.pk].deal_extra) == (
        Decimal("900.00"),
        Decimal("90.00"),
        Decimal("135.00"),
    )
    assert rows[quiet.pk].base_bonus is None  # shown, with nothing accrued
    detail = client.get(reverse("finance:subaccount_bonus", args=[sub.pk])).content.decode()
    assert "900.00 RUB" in detail and "10.00%" in detail and "135.00" in detail  # the rate as a percentage
    assert "200.00" in detail and "100.00" in detail  # marketplace and grants, which earn nothing


def test_only_the_chosen_month_counts_with_its_corrections(partner, member, client_for):
    sub = SubaccountFactory(account=AccountFactory(partner=partner), name="Delta prod")
    bonus = {"subaccount": sub, "period": OCT, "program": Program.PARTNER_BONUS}
    october = AccrualFactory(**bonus, basis=Decimal("900.00"), amount=Decimal("90.00"))
    AccrualFactory(**bonus, basis=Decimal("100.00"), amount=Decimal("10.00"), corrects=october)  # summed in
    for period in (datetime.date(2026, 9, 1), datetime.date(2026, 11, 1)):  # other months: not counted
        AccrualFactory(subaccount=sub, period=period, program=Program.PARTNER_BONUS, amount=Decimal("7.00"))
        AccrualFactory(subaccount=sub, period=period, program=Program.DEAL_EXTRA, amount=Decimal("5.00"))
    AccrualFactory(subaccount=sub, period=OCT, program=Program.PROJECT_REBATE, amount=Decimal("3.00"))
    table = client_for(member()).get(reverse("finance:partner_bonus"), {"month": "2026-10"}).context["table"]
    (row,) = [r.record for r in table.rows if r.record.pk == sub.pk]
    assert (row.basis, row.base_bonus, row.deal_extra) == (Decimal("900.00"), Decimal("100.00"), None)


def test_a_subaccounts_bonus_history_is_paged_newest_first_and_sorts(partner, member, client_for):
    """Years of accruals: 25 a page, the newest month first, each with its corrections summed in; sorted by
    amount on request; what earns nothing paged alike."""
    sub = SubaccountFactory(account=AccountFactory(partner=partner))
    months = [datetime.date(2024 + n // 12, n % 12 + 1, 1) for n in range(30)]
    for n, month in enumerate(months):
        accrual = AccrualFactory(
            subaccount=sub, period=month, program=Program.PARTNER_BONUS, amount=Decimal(100 + n)
        )
        MonthlyConsumptionFactory(subaccount=sub, month=month, cost=Decimal("10.00"))
    AccrualFactory(  # the last month corrected: shown summed, marked
        subaccount=sub,
        period=months[-1],
        program=Program.PARTNER_BONUS,
        amount=Decimal("1.00"),
        corrects=accrual,
    )
    client = client_for(member())
    url = reverse("finance:subaccount_bonus", args=[sub.pk])
    first = client.get(url).context["accrued_table"]
    shown = [(row.record.period, row.record.amount_now) for row in first.paginated_rows]
    assert len(shown) == 25 and shown[0] == (months[-1], Decimal("130.00")) and shown[-1][0] == months[5]
    assert first.paginator.count == 30 and first.rows[0].get_cell("amount").count("corrected") == 1
    second = client.get(url, {"accruals-page": 2}).context["accrued_table"]
    assert [row.record.period for row in second.paginated_rows] == months[4::-1]
    by_amount = client.get(url, {"accruals-sort": "amount"}).context["accrued_table"]
    assert [row.record.amount_now for row in by_amount.paginated_rows][:2] == [Decimal(100), Decimal(101)]
    excluded = client.get(url, {"excluded-page": 2}).context["excluded_table"]
    assert excluded.paginator.count == 30
    assert [row.record["month"] for row in excluded.paginated_rows] == months[4::-1]
