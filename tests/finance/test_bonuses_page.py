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
    assert grid.totals() == [
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
