"""The detailed commission report writes what billing's Resource level and user labels brought in: the stored
``resource_id`` at the Resource level, and a ``label.user_labels.<key>`` column per label key of the report's
rows (keys sorted, after ``reward``, empty where a row lacks the key) at both levels — in the page's download,
the prepared report and the bucket export alike (one ``commission_csv``)."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from guardian.shortcuts import assign_perm

from finance.commission import GENERAL_HEADER, HEADER, commission_csv
from portal.permissions import Role
from tests.factories import AccountFactory, ConsumptionFactory, SubaccountFactory

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 10, 3)


def download(client):
    response = client.get(
        reverse("finance:commission"), {"start": "2026-10-01", "finish": "2026-10-31", "export": "csv"}
    )
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def with_labels(names, *keys):
    at = names.index("reward") + 1
    return [*names[:at], *(f"label.user_labels.{key}" for key in keys), *names[at:]]


@pytest.fixture
def resources(partner):
    sub = SubaccountFactory(account=AccountFactory(partner=partner), billing_account_id="ba-1")
    one = {"subaccount": sub, "date": DAY, "folder_id": "f1", "sku_id": "vcpu"}
    ConsumptionFactory(**one, resource_id="vm-a", labels={"team": "web", "env": "prod"}, cost=Decimal("1.25"))
    ConsumptionFactory(**one, resource_id="vm-b", labels={"env": "-dev"}, cost=Decimal("2.50"))
    ConsumptionFactory(**one, resource_id="vm-c", cost=Decimal("4.00"))
    # another partner's keys never become columns
    ConsumptionFactory(date=DAY, labels={"secret": "x"})
    return sub


def test_the_resource_level_has_each_resource_and_a_column_per_label_key(
    partner, member, client_for, resources
):
    rows = download(client_for(member(Role.ADMINISTRATOR)))
    names = with_labels(HEADER, "env", "team")
    assert rows[0] == names
    cells = [dict(zip(names, row, strict=True)) for row in rows[1:]]
    assert [
        (c["resource_id"], c["cost"], c["label.user_labels.env"], c["label.user_labels.team"]) for c in cells
    ] == [
        ("vm-a", "1.25", "prod", "web"),
        ("vm-b", "2.50", "'-dev", ""),  # a cell a spreadsheet would run is quoted, as every text cell
        ("vm-c", "4.00", "", ""),
    ]


def test_the_general_level_has_no_resource_id_but_has_the_labels(partner, resources):
    text = b"".join(
        commission_csv(partner_id=partner.pk, start=DAY, finish=DAY, account_ids=None, resource=False)
    ).decode()
    rows = list(csv.reader(io.StringIO(text)))
    names = with_labels(GENERAL_HEADER, "env", "team")
    assert rows[0] == names and "resource_id" not in rows[0]
    assert [dict(zip(names, row, strict=True))["label.user_labels.team"] for row in rows[1:]] == [
        "web",
        "",
        "",
    ]


def test_a_period_without_labels_has_billings_columns_only(partner, member, client_for):
    ConsumptionFactory(subaccount=SubaccountFactory(account=AccountFactory(partner=partner)), date=DAY)
    rows = download(client_for(member(Role.ADMINISTRATOR)))
    assert rows[0] == list(HEADER) and len(rows) == 2 and rows[1][HEADER.index("resource_id")] == ""


def test_a_restricted_member_gets_only_the_keys_of_the_customers_it_sees(
    partner, member, client_for, resources
):
    granted = AccountFactory(partner=partner)
    ConsumptionFactory(subaccount=SubaccountFactory(account=granted), date=DAY, labels={"owner": "ops"})
    viewer = member(Role.VIEWER_PD, restricted=True)
    assign_perm("accounts.access_account", viewer.user, granted)
    rows = download(client_for(viewer))
    assert rows[0] == with_labels(HEADER, "owner") and len(rows) == 2
