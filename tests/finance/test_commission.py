"""The commission report: DESIGN.md's columns, dot-and-two-decimals amounts, formula-safe cells, scope."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from guardian.shortcuts import assign_perm

from finance.commission import HEADER
from finance.models import Program
from portal.permissions import Role
from tests.factories import AccountFactory, ConsumptionFactory, RebateTermFactory, SubaccountFactory

pytestmark = pytest.mark.django_db


def report(client, **params):
    response = client.get(reverse("finance:commission"), {**params, "export": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_one_row_per_product_day_folder_with_exact_amounts_and_safe_cells(partner, member, client_for):
    RebateTermFactory(program=Program.PARTNER_BONUS, rate=Decimal("0.1000"))
    sub = SubaccountFactory(
        account=AccountFactory(partner=partner), billing_account_id="ba-7", name="=HYPERLINK(1)"
    )
    ConsumptionFactory(
        subaccount=sub,
        date=datetime.date(2026, 10, 3),
        folder_id="f1",
        sku_id="vcpu",
        sku_name="+cmd",
        unit="=1+1",  # customers name things; billing's unit is text too
        cost=Decimal("1000.05"),
        credit=Decimal("-0.05"),
        quantity=Decimal("2.5"),
    )
    ConsumptionFactory(
        subaccount=sub,
        date=datetime.date(2026, 10, 3),
        folder_id="f2",
        sku_id="vcpu",
        cost=Decimal("10.00"),
        is_marketplace=True,
    )
    ConsumptionFactory(subaccount=sub, date=datetime.date(2026, 11, 1), sku_id="late")  # outside the period
    rows = report(client_for(member()), start="2026-10-01", finish="2026-10-31")
    assert rows[0] == list(HEADER)
    assert len(rows) == 3
    first = dict(zip(HEADER, rows[1], strict=True))
    assert first["billing_account_name"] == "'=HYPERLINK(1)" and first["sku_name"] == "'+cmd"
    assert first["pricing_unit"] == "'=1+1"
    assert (first["cost"], first["credit"], first["reward"]) == ("1000.05", "-0.05", "100.00")
    assert first["date"] == "2026-10-03" and first["currency"] == "RUB"
    assert dict(zip(HEADER, rows[2], strict=True))["reward"] == "0.00"  # marketplace earns nothing


def test_a_restricted_member_gets_only_granted_accounts(partner, member, client_for):
    granted, hidden = AccountFactory(partner=partner), AccountFactory(partner=partner)
    ConsumptionFactory(subaccount=SubaccountFactory(account=granted, billing_account_id="ba-granted"))
    ConsumptionFactory(subaccount=SubaccountFactory(account=hidden, billing_account_id="ba-hidden"))
    viewer = member(Role.VIEWER_PD, restricted=True)
    assign_perm("accounts.access_account", viewer.user, granted)
    today = datetime.date.today().isoformat()
    rows = report(client_for(viewer), start=today, finish=today)
    assert [r[0] for r in rows[1:]] == ["ba-granted"]


def test_another_partners_rows_never_appear(partner, other_partner, member, client_for):
    ConsumptionFactory(subaccount=SubaccountFactory(account=AccountFactory(partner=other_partner)))
    today = datetime.date.today().isoformat()
    assert report(client_for(member()), start=today, finish=today) == [list(HEADER)]
