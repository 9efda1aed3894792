"""Bonuses by month: the chart's series and the customer × month table agree with the accruals."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from guardian.shortcuts import assign_perm

from finance.models import Program
from portal.permissions import Role
from tests.charts import with_charts
from tests.factories import AccountFactory, AccrualFactory, MonthlyConsumptionFactory, SubaccountFactory

pytestmark = pytest.mark.django_db
SEP, OCT = datetime.date(2026, 9, 1), datetime.date(2026, 10, 1)


@pytest.fixture
def data(partner):
    alpha = SubaccountFactory(account=AccountFactory(partner=partner, name="Alpha Retail"))
    beta = SubaccountFactory(account=AccountFactory(partner=partner, name="Beta Bank"))
    MonthlyConsumptionFactory(subaccount=alpha, month=SEP, cost=Decimal("1000.00"), credit=Decimal("-100.00"))
    MonthlyConsumptionFactory(subaccount=beta, month=OCT, cost=Decimal("500.00"))
    AccrualFactory(subaccount=alpha, period=SEP, program=Program.PARTNER_BONUS, amount=Decimal("90.00"))
    AccrualFactory(subaccount=alpha, period=SEP, program=Program.DEAL_EXTRA, amount=Decimal("135.00"))
    AccrualFactory(subaccount=beta, period=OCT, program=Program.PARTNER_BONUS, amount=Decimal("50.00"))
    AccrualFactory(
        subaccount=beta, period=OCT, program=Program.PROJECT_REBATE, amount=Decimal("999.00")
    )  # not a bonus
    return alpha, beta


@time_machine.travel(datetime.datetime(2026, 11, 10, tzinfo=datetime.UTC), tick=False)
def test_the_table_and_chart_show_paid_consumption_and_bonus_per_customer_and_month(data, member, client_for):
    page = client_for(member()).get(reverse("finance:bonuses"), {"period": "last_3_months"})
    grid = page.context["grid"]
    assert grid.months == [SEP, OCT, datetime.date(2026, 11, 1)]
    z = Decimal("0.00")
    assert grid.rows == [
        ("Alpha Retail", "RUB", [(Decimal("900.00"), Decimal("225.00")), (z, z), (z, z)]),
        ("Beta Bank", "RUB", [(z, z), (Decimal("500.00"), Decimal("50.00")), (z, z)]),
    ]
    assert grid.totals == [
        ("RUB", [(Decimal("900.00"), Decimal("225.00")), (Decimal("500.00"), Decimal("50.00")), (z, z)])
    ]
    assert "<svg" in with_charts(page.content.decode())


@time_machine.travel(datetime.datetime(2026, 11, 10, tzinfo=datetime.UTC), tick=False)
def test_a_restricted_member_sees_only_granted_customers(data, member, client_for):
    alpha, _beta = data
    viewer = member(Role.VIEWER_PD, restricted=True)
    assign_perm("accounts.access_account", viewer.user, alpha.account)
    grid = client_for(viewer).get(reverse("finance:bonuses"), {"period": "last_3_months"}).context["grid"]
    assert [row[0] for row in grid.rows] == ["Alpha Retail"]


def test_roles_without_usage_details_are_refused(member, client_for):
    assert client_for(member(Role.EDITOR)).get(reverse("finance:bonuses")).status_code == 403


def sources(partner) -> set[tuple]:
    """What Bonuses by month must show, from the sources themselves (the monthly aggregates of resold
    subaccounts and the bonus programs' accruals), grouped here independently of finance.aggregates."""
    from django.db.models import Sum

    from finance.models import Accrual, MonthlyConsumption

    cells: dict[tuple, list[Decimal]] = {}
    for account, month, currency, paid in (
        MonthlyConsumption.objects.filter(partner=partner, subaccount__is_partner_own=False)
        .values_list("subaccount__account_id", "month", "currency")
        .annotate(paid=Sum("paid"))
    ):
        cells.setdefault((account, month, currency), [Decimal(0), Decimal(0)])[0] += paid
    for account, month, currency, amount in (
        Accrual.objects.filter(partner=partner, program__in=[Program.PARTNER_BONUS, Program.DEAL_EXTRA])
        .values_list("subaccount__account_id", "period", "currency")
        .annotate(amount=Sum("amount"))
    ):
        cells.setdefault((account, month, currency), [Decimal(0), Decimal(0)])[1] += amount
    return {(*key, paid, bonus) for key, (paid, bonus) in cells.items()}


def kept(partner) -> set[tuple]:
    from finance.models import CustomerMonth

    return {
        (a, m, c, paid, bonus + extra)
        for a, m, c, paid, bonus, extra in CustomerMonth.objects.filter(partner=partner).values_list(
            "account_id", "month", "currency", "paid", "partner_bonus", "deal_extra"
        )
    }


@time_machine.travel(datetime.datetime(2026, 11, 10, tzinfo=datetime.UTC), tick=False)
def test_the_import_and_the_accrual_keep_the_customer_months_in_step(partner, terms, tmp_path):
    """Through the real paths only: a billing file imported, the month accrued, the file imported again
    with a customer gone and another changed — the aggregate always equals its sources."""
    from finance.accruals import accrue_month
    from finance.importer import load
    from tests.finance.test_import import line, write

    alpha = SubaccountFactory(account=AccountFactory(partner=partner), billing_account_id="ba-a")
    beta = SubaccountFactory(account=AccountFactory(partner=partner), billing_account_id="ba-b")
    own = SubaccountFactory(account=alpha.account, billing_account_id="ba-own", is_partner_own=True)
    load(write(tmp_path, line(ba="ba-a", cost="1000.00", credit="0"), line(ba="ba-b", cost="300.00"),
               line(ba="ba-own", cost="50.00", credit="0")))  # fmt: skip
    accrue_month(partner_id=partner.pk, month=OCT)
    assert kept(partner) == sources(partner) and len(kept(partner)) == 2  # the partner's own never counts
    assert {bonus for *_key, bonus in kept(partner)} != {Decimal(0)}

    load(write(tmp_path, line(ba="ba-a", cost="2000.00", credit="0")))  # beta gone, alpha doubled
    accrue_month(partner_id=partner.pk, month=OCT)
    assert kept(partner) == sources(partner)
    rows = {account: (paid, bonus) for account, _month, _currency, paid, bonus in kept(partner)}
    assert rows[beta.account_id] == (0, 0)  # its accrual corrected away, nothing paid
    assert rows[alpha.account_id][0] == Decimal("2000.00") and own.account_id == alpha.account_id


@time_machine.travel(datetime.datetime(2026, 11, 10, tzinfo=datetime.UTC), tick=False)
def test_the_table_is_paginated_by_customer_and_the_totals_and_csv_cover_every_customer(
    partner, member, client_for
):
    for n in range(60):
        sub = SubaccountFactory(account=AccountFactory(partner=partner, name=f"Customer {n:02d}"))
        MonthlyConsumptionFactory(subaccount=sub, month=OCT, cost=Decimal("100.00"))
        AccrualFactory(subaccount=sub, period=OCT, program=Program.PARTNER_BONUS, amount=Decimal("10.00"))
    client = client_for(member())
    query = {"period": "last_3_months"}
    first = client.get(reverse("finance:bonuses"), query)
    last = client.get(reverse("finance:bonuses"), {**query, "page": 3})
    wider = client.get(reverse("finance:bonuses"), {**query, "page": 2, "per_page": 50})
    names = [[name for name, *_ in page.context["grid"].rows] for page in (first, last, wider)]
    assert names == [
        [f"Customer {n:02d}" for n in range(25)],  # 25 a page, as every list
        [f"Customer {n:02d}" for n in range(50, 60)],
        [f"Customer {n:02d}" for n in range(50, 60)],  # 50 a page when asked
    ]
    assert "Page 1 of 3" in first.content.decode() and "page=2" in first.content.decode()
    assert "Page 2 of 2" in wider.content.decode()
    for page in (first, last, wider):
        (currency, cells), *others = page.context["grid"].totals
        assert not others and cells[1] == (Decimal("6000.00"), Decimal("600.00"))  # every customer, October
    export = b"".join(client.get(reverse("finance:bonuses"), {**query, "export": "csv"}).streaming_content)
    assert export.decode().count("Customer ") == 60


@time_machine.travel(datetime.datetime(2026, 11, 10, tzinfo=datetime.UTC), tick=False)
@pytest.mark.parametrize("restricted", [False, True])
def test_the_chart_is_the_bonus_schedule_read_once_with_the_totals(data, member, client_for, restricted):
    """The chart's series come from the month sums the totals were read from — the same figures as
    ``bonus_schedule``, for the whole partner and for a member restricted to some customers."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from finance import selectors
    from portal.periods import PeriodForm

    alpha, _beta = data
    viewer = member(Role.VIEWER_PD, restricted=restricted)
    if restricted:
        assign_perm("accounts.access_account", viewer.user, alpha.account)
    with CaptureQueriesContext(connection) as captured:
        page = client_for(viewer).get(reverse("finance:bonuses"), {"period": "last_3_months"})
    months = PeriodForm.from_query({"period": "last_3_months"}).month_range()
    expected = selectors.bonus_schedule(membership=viewer, months=months)
    assert page.context["grid"].schedule == expected and expected
    sums = [q for q in captured.captured_queries if "SUM(" in q["sql"] and "month" in q["sql"]]
    assert len(sums) == 1  # the partner's (or the granted customers') month sums, once
