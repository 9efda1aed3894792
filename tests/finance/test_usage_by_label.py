"""Subaccount details by label: pick a label key, a row per value of it and one “(no label)” for the rest —
read from the label aggregate the import keeps (never the daily rows), to the kopeck what the detailed report
says for the same rows."""

import csv
import datetime
import io
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from access.services import api_token_create
from finance.commission import commission_csv
from finance.importer import COLUMNS, load
from finance.models import DailyLabelUsage, Program
from finance.selectors import usage_details
from portal.permissions import Role
from tests.api.conftest import EVERYTHING, ApiClient
from tests.factories import AccountFactory, RebateTermFactory, SubaccountFactory

pytestmark = pytest.mark.django_db
D = Decimal
HEADER = ",".join((*COLUMNS, "resource_id", "label.user_labels.env", "label.user_labels.team"))
OCTOBER = {"period": "custom", "start": "2026-10-01", "finish": "2026-10-31"}


def line(ba, day, resource, env, team, cost, credit="0"):
    day = f"2026-10-{day:02d}"
    cells = [ba, day, "c1", "prod", "f1", "default", "compute", "Compute", "vcpu", "vCPU", "1", "hour", cost]
    return ",".join([*cells, credit, "RUB", resource, env, team])


@pytest.fixture
def labelled(partner, tmp_path):
    RebateTermFactory(program=Program.PARTNER_BONUS, rate=D("0.1000"), valid_from=datetime.date(2026, 1, 1))
    customer = SubaccountFactory(account=AccountFactory(partner=partner), billing_account_id="ba-1")
    SubaccountFactory(
        account=AccountFactory(partner=partner), billing_account_id="ba-own", is_partner_own=True
    )
    path = tmp_path / "billing.csv"
    path.write_text(
        "\n".join(
            [
                HEADER,
                line("ba-1", 3, "vm-a", "prod", "web", "100.33", "-0.11"),
                line("ba-1", 3, "vm-b", "dev", "", "20.07"),
                line("ba-1", 3, "vm-c", "", "", "3.01"),
                line("ba-1", 12, "vm-a", "prod", "web", "7.77"),
                line("ba-own", 12, "vm-x", "prod", "", "50.00"),  # own use: earns nothing
            ]
        )
        + "\n"
    )
    load(path)
    return customer


def by_value(details):
    return {row["name"]: (row["consumption"], row["discount"], row["reward"]) for row in details.page_rows()}


def test_the_import_keeps_the_label_cells(labelled):
    cells = sorted(DailyLabelUsage.objects.values_list("date__day", "label", "value", "cost"))
    assert cells == [
        (3, "env", "dev", D("20.07")),
        (3, "env", "prod", D("100.33")),
        (3, "team", "web", D("100.33")),
        (12, "env", "prod", D("7.77")),  # a cell per subaccount
        (12, "env", "prod", D("50.00")),
        (12, "team", "web", D("7.77")),
    ]


def test_rows_are_the_keys_values_and_no_label_from_the_aggregate_as_from_the_daily_rows(labelled, member):
    membership = member()
    period = {"start": datetime.date(2026, 10, 1), "finish": datetime.date(2026, 10, 31)}
    kept = usage_details(membership=membership, view="label", label="env", grouping="month", **period)
    assert by_value(kept) == {
        "prod": (D("158.10"), D("0.11"), D("10.799")),  # 100.33 − 0.11 + 7.77 at 10%; own use earns nothing
        "dev": (D("20.07"), D("0"), D("2.007")),
        "(no label)": (D("3.01"), D("0"), D("0.301")),
    }
    read = usage_details(
        membership=membership, view="label", label="env", grouping="month", daily_rows=True, **period
    )
    assert by_value(read) == by_value(kept) and read.totals == kept.totals
    team = usage_details(membership=membership, view="label", label="team", grouping="month", **period)
    assert by_value(team) == {
        "web": (D("108.10"), D("0.11"), D("10.799")),
        "(no label)": (D("73.08"), D("0"), D("2.308")),
    }


def test_the_view_by_label_of_a_cloud_or_folder_reads_its_daily_rows(labelled, member):
    """The label cells know no folders: a cloud's or folder's view by label is its subaccounts' daily rows,
    the same figures as the whole partner's when every row is in it, none for a folder without rows."""
    membership = member()
    period = {"start": datetime.date(2026, 10, 1), "finish": datetime.date(2026, 10, 31)}
    asked = {"membership": membership, "view": "label", "label": "env", "grouping": "month", **period}
    whole = usage_details(**asked)
    assert by_value(usage_details(**asked, cloud_id="c1", folder_id="f1")) == by_value(whole)
    assert by_value(usage_details(**asked, folder_id="f1")) == by_value(whole)
    assert by_value(usage_details(**asked, folder_id="f-other")) == {}


def test_the_pages_figures_are_the_reports_rows_summed_to_the_kopeck(labelled, partner, member, client_for):
    response = client_for(member()).get(
        reverse("finance:usage"), {**OCTOBER, "view": "label", "label": "env", "group": "month"}
    )
    assert response.status_code == 200
    page = {row["name"]: row for row in response.context["details"].page_rows()}
    report = list(
        csv.DictReader(
            io.StringIO(
                b"".join(
                    commission_csv(
                        partner_id=partner.pk,
                        start=datetime.date(2026, 10, 1),
                        finish=datetime.date(2026, 10, 31),
                        account_ids=None,
                    )
                ).decode()
            )
        )
    )
    sums = defaultdict(lambda: [D(0), D(0)])
    for row in report:
        value = row["label.user_labels.env"] or "(no label)"
        sums[value][0] += D(row["cost"])
        sums[value][1] += D(row["reward"])
    cent = D("0.01")
    assert {
        name: (row["consumption"].quantize(cent), row["reward"].quantize(cent, ROUND_HALF_UP))
        for name, row in page.items()
    } == {
        name: (cost.quantize(cent), reward.quantize(cent, ROUND_HALF_UP))
        for name, (cost, reward) in sums.items()
    }
    html = response.content.decode()
    assert '<option value="env" selected>env</option>' in html and "(no label)" in html


def test_the_api_gives_the_view_by_label(labelled, member):
    membership = member(Role.ADMINISTRATOR)
    _token, secret = api_token_create(
        membership=membership,
        actor=membership.user,
        name="ERP",
        scopes=EVERYTHING,
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )
    response = ApiClient(secret).get(
        "/api/v1/consumption/", {**OCTOBER, "view": "label", "label": "team", "group": "month"}
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["view"] == "label" and data["label"] == "team"
    assert {row["name"]: row["consumption"] for row in data["rows"]} == {
        "web": "108.10",
        "(no label)": "73.08",
    }


def test_without_labels_the_form_offers_no_view_by_label(partner, member, client_for):
    html = client_for(member()).get(reverse("finance:usage"), OCTOBER).content.decode()
    assert 'value="label"' not in html and 'name="label"' not in html
