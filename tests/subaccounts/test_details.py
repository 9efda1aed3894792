"""The details page: consumption by service and month, as chart, table and .csv from one selector."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from guardian.shortcuts import assign_perm

from accounts.models import Account
from portal.money import plain
from portal.permissions import Role
from subaccounts.models import Subaccount, SubaccountEvent
from tests.charts import with_charts
from tests.factories import AccountFactory, MonthlyConsumptionFactory, SubaccountFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 25)


@pytest.fixture
def consuming(partner):
    sub = SubaccountFactory(account=AccountFactory(partner=partner))
    for month, service, cost in [
        (datetime.date(2026, 9, 1), "Compute Cloud", "100.10"),
        (datetime.date(2026, 10, 1), "Compute Cloud", "200.20"),
        (datetime.date(2026, 10, 1), "Object Storage", "0.05"),
        (datetime.date(2026, 11, 1), "Object Storage", "10.00"),
        (datetime.date(2025, 1, 1), "Compute Cloud", "999.99"),  # outside every preset below
    ]:
        MonthlyConsumptionFactory(
            subaccount=sub, month=month, service_id=service, service_name=service, cost=Decimal(cost)
        )
    return sub


def page_table(response):
    """The page's grid as its CSV writes it (billing's precision, a dot)."""
    grid = response.context["grid"]
    return [[r.service, r.currency, *map(plain, r.values), plain(r.total)] for r in grid.rows] + [
        ["Total", r.currency, *map(plain, r.values), plain(r.total)] for r in grid.totals()
    ]


@time_machine.travel(datetime.datetime(2026, 11, 25, 12, tzinfo=datetime.UTC), tick=False)
@pytest.mark.parametrize(
    ("params", "months", "total"),
    [
        ({}, ["2026-11"], "10.00"),
        ({"period": "last_month"}, ["2026-10"], "200.25"),
        ({"period": "last_3_months"}, ["2026-09", "2026-10", "2026-11"], "310.35"),
        (
            {"period": "last_12_months"},
            [f"{y}-{m:02d}" for y, m in [(2025, 12)] + [(2026, i) for i in range(1, 12)]],
            "310.35",
        ),
        ({"period": "custom", "start": "2025-01", "finish": "2025-01"}, ["2025-01"], "999.99"),
    ],
)
def test_page_and_csv_agree_to_the_cent(consuming, member, client_for, params, months, total):
    client = client_for(member())
    page = client.get(reverse("subaccounts:detail", args=[consuming.pk]), params)
    export = client.get(reverse("subaccounts:detail", args=[consuming.pk]), {**params, "export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert rows[0] == ["Service", "Currency", *months, "Total"]
    assert rows[1:] == page_table(page)
    assert rows[-1][-1] == total
    if page.context["grid"].rows:
        assert "<svg" in with_charts(page.content.decode())


def test_a_bad_custom_period_is_explained(consuming, member, client_for):
    page = client_for(member()).get(
        reverse("subaccounts:detail", args=[consuming.pk]),
        {"period": "custom", "start": "2026-10", "finish": "2026-01"},
    )
    assert "The period ends before it starts." in page.content.decode()


def test_roles_without_usage_details_see_no_consumption(consuming, member, client_for):
    client = client_for(member(Role.EDITOR))
    page = client.get(reverse("subaccounts:detail", args=[consuming.pk]))
    assert "Your role does not show usage details." in page.content.decode() and "<svg" not in with_charts(
        page.content.decode()
    )
    assert (
        client.get(reverse("subaccounts:detail", args=[consuming.pk]), {"export": "csv"}).status_code == 403
    )


def test_a_restricted_editor_gets_404_for_other_accounts_subaccounts(partner, member, client_for):
    granted, hidden = AccountFactory(partner=partner), AccountFactory(partner=partner)
    sub_hidden = SubaccountFactory(account=hidden)
    editor = member(Role.EDITOR_PD, restricted=True)
    assign_perm("accounts.access_account", editor.user, granted)
    client = client_for(editor)
    for name in ("detail", "suspend", "deactivate"):
        assert client.get(reverse(f"subaccounts:{name}", args=[sub_hidden.pk])).status_code == 404, name
    csv = client.get(reverse("subaccounts:detail", args=[sub_hidden.pk]), {"export": "csv"})
    assert csv.status_code == 404
    assert client.get(reverse("subaccounts:create", args=[hidden.pk])).status_code == 404
    assert Account.objects.restrict(editor).get() == granted


def test_partner_actions_write_the_history_shown_on_the_page(partner, member, client_for):
    sub = SubaccountFactory(account=AccountFactory(partner=partner), status=Subaccount.Status.ACTIVE)
    admin = member()
    client = client_for(admin)
    assert client.post(reverse("subaccounts:suspend", args=[sub.pk]), {"reason": ""}).status_code == 200
    client.post(reverse("subaccounts:suspend", args=[sub.pk]), {"reason": "Unpaid invoice"})
    client.post(reverse("subaccounts:resume", args=[sub.pk]), {})
    response = client.post(reverse("subaccounts:resume", args=[sub.pk]), {}, follow=True)
    assert "“Resume services” is not possible for a subaccount that is Active." in response.content.decode()
    page = client.get(reverse("subaccounts:detail", args=[sub.pk])).content.decode()
    assert "Unpaid invoice" in page and admin.user.email in page
    assert list(SubaccountEvent.objects.filter(subaccount=sub).values_list("to_status", flat=True)) == [
        Subaccount.Status.ACTIVE,
        Subaccount.Status.SUSPENDED,
    ]


def grow(partner, n):
    start = Account.objects.filter(partner=partner).count()
    accounts = Account.objects.bulk_create(
        Account(partner=partner, name=f"Bulk {i}", tax_id=f"B{partner.pk}-{i:06d}")
        for i in range(start, start + n)
    )
    Subaccount.objects.bulk_create(
        Subaccount(
            partner=partner,
            account=a,
            billing_account_id=f"bulk-{partner.pk}-{a.pk}",
            name=a.name,
            customer_email="x@example.com",
            status=Subaccount.Status.ACTIVE,
        )
        for a in accounts
    )


@pytest.mark.parametrize("url_name", ["accounts:list", "subaccounts:list"])
def test_lists_run_the_same_queries_at_10_and_1000_rows(
    partner, member, client_for, url_name, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(member())
    grow(partner, 10)
    with CaptureQueriesContext(connection) as at_10:
        assert client.get(reverse(url_name), {"sort": "-name"}).status_code == 200
    grow(partner, 990)
    with django_assert_num_queries(len(at_10.captured_queries)):
        assert client.get(reverse(url_name), {"sort": "-name"}).status_code == 200


def test_details_page_runs_the_same_queries_with_10_or_1000_history_and_consumption_rows(
    partner, member, client_for, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(member())
    sub = SubaccountFactory(account=AccountFactory(partner=partner))

    def add(n, start):
        SubaccountEvent.objects.bulk_create(
            SubaccountEvent(subaccount=sub, to_status=Subaccount.Status.ACTIVE) for _ in range(n)
        )
        for i in range(start, start + n // 10):
            MonthlyConsumptionFactory(subaccount=sub, service_id=f"svc-{i}", service_name=f"Service {i}")

    add(10, 0)
    with CaptureQueriesContext(connection) as at_10:
        client.get(reverse("subaccounts:detail", args=[sub.pk]), {"period": "last_12_months"})
    add(990, 1)
    with django_assert_max_num_queries(len(at_10.captured_queries)):
        client.get(reverse("subaccounts:detail", args=[sub.pk]), {"period": "last_12_months"})
