"""Subaccount details' cascading Cloud → Folder pickers: their searches list the membership's own clouds and
folders only (kept in UsageFolder by the import), a folder's list narrows to the chosen cloud, and the figures
are the chosen cloud's or folder's, summed here from the rows the test made; a bad choice says so."""

import datetime
import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import connection
from django.db.models import F, Sum
from django.urls import reverse
from guardian.shortcuts import assign_perm

from finance import partitions
from finance.aggregates import daily_usage_rebuild
from finance.models import Consumption, Program, UsageFolder
from finance.services import monthly_consumption_rebuild
from portal.permissions import Role
from tests.factories import AccountFactory, ConsumptionFactory, RebateTermFactory, SubaccountFactory

pytestmark = pytest.mark.django_db
D = Decimal
OCTOBER = {"period": "custom", "start": "2026-10-01", "finish": "2026-10-31"}
FIRST, LAST = datetime.date(2026, 10, 1), datetime.date(2026, 10, 31)


@pytest.fixture
def places(partner, other_partner):
    """Gamma's clouds Production (folders web, db) and Development (sandbox); Beta's cloud; another
    partner's cloud. At a 10% base bonus."""
    RebateTermFactory(program=Program.PARTNER_BONUS, rate=D("0.1000"), valid_from=datetime.date(2026, 1, 1))
    gamma = SubaccountFactory(account=AccountFactory(partner=partner), name="Gamma prod")
    beta = SubaccountFactory(account=AccountFactory(partner=partner), name="Beta shop")
    foreign = SubaccountFactory(account=AccountFactory(partner=other_partner), name="Foreign")
    prod = {"subaccount": gamma, "cloud_id": "c-prod", "cloud_name": "Production"}
    dev = {"subaccount": gamma, "cloud_id": "c-dev", "cloud_name": "Development"}

    def day(d):
        return datetime.date(2026, 10, d)

    ConsumptionFactory(
        **prod, folder_id="f-web", folder_name="web", date=day(3), cost=D("1000.05"), credit=D("-0.05")
    )
    ConsumptionFactory(
        **prod, folder_id="f-web", folder_name="web", date=day(4), cost=D("10"), is_marketplace=True
    )
    ConsumptionFactory(
        **prod, folder_id="f-db", folder_name="db", date=day(12), cost=D("333.33"), adjustment=D("-3")
    )
    ConsumptionFactory(**dev, folder_id="f-sandbox", folder_name="sandbox", date=day(12), cost=D("44.44"))
    ConsumptionFactory(
        subaccount=beta,
        cloud_id="c-beta",
        cloud_name="Beta cloud",
        folder_id="f-beta",
        folder_name="shop",
        date=day(5),
        cost=D("77.77"),
    )
    ConsumptionFactory(
        subaccount=foreign,
        cloud_id="c-other",
        cloud_name="Other cloud",
        folder_id="f-other",
        folder_name="theirs",
        date=day(5),
        cost=D("9999"),
    )
    ConsumptionFactory(
        **prod, folder_id="f-web", folder_name="web", date=datetime.date(2026, 11, 2), cost=D("5")
    )
    monthly_consumption_rebuild(start=FIRST, end=datetime.date(2026, 11, 30))  # as the import does
    return gamma, beta


def choices(client, name, **params) -> list[str]:
    response = client.get(reverse(name), params)
    assert response.status_code == 200
    return [r["id"] for r in response.json()["results"]]


def expected(**where) -> dict:
    """The period's figures of the rows ``where`` picks, summed from the daily rows the test made; the
    reward 10% of what the client pays for other than marketplace, rounded once (one subaccount's month)."""
    rows = Consumption.objects.filter(date__gte=FIRST, date__lte=LAST, **where)
    sums = rows.aggregate(consumption=Sum("cost"), credit=Sum("credit"), adjustment=Sum("adjustment"))
    paid = rows.filter(is_marketplace=False).aggregate(paid=Sum(F("cost") + F("credit")))["paid"] or D(0)
    return {
        "consumption": sums["consumption"],
        "discount": -sums["credit"],
        "client_pays": sums["consumption"] + sums["credit"],
        "reward": (paid * D("0.1")).quantize(D("0.01"), ROUND_HALF_UP),
        "adjustment": sums["adjustment"],
    }


def shown(response) -> dict:
    (total,) = response.context["details"].totals
    return {k: total[k] for k in ("consumption", "discount", "client_pays", "reward", "adjustment")}


def page(client, **params):
    response = client.get(reverse("finance:usage"), params)
    assert response.status_code == 200
    return response


def test_the_cloud_picker_lists_the_partners_own_clouds_once_each_by_name(places, member, client_for):
    client = client_for(member())
    assert choices(client, "finance:clouds") == ["c-beta", "c-dev", "c-prod"]  # by name; Production once
    found = client.get(reverse("finance:clouds"), {"q": "produc"}).json()["results"]
    assert found == [{"id": "c-prod", "text": "Production", "hint": "c-prod · Gamma prod"}]
    assert choices(client, "finance:clouds", q="c-de") == ["c-dev"]  # by id
    assert choices(client, "finance:clouds", q="Other") == []  # another partner's


def test_the_folder_picker_narrows_to_the_chosen_cloud(places, member, client_for):
    client = client_for(member())
    assert choices(client, "finance:folders") == ["f-db", "f-sandbox", "f-beta", "f-web"]  # by name
    assert choices(client, "finance:folders", cloud="c-prod") == ["f-db", "f-web"]
    assert choices(client, "finance:folders", cloud="c-prod", q="we") == ["f-web"]
    assert choices(client, "finance:folders", cloud="c-prod", q="f-sandbox") == []  # of another cloud
    assert choices(client, "finance:folders", q="f-sandbox") == ["f-sandbox"]
    assert choices(client, "finance:folders", cloud="c-other") == []  # another partner's cloud: nothing
    assert choices(client, "finance:folders", q="theirs") == []


def test_a_restricted_member_picks_among_their_customers_clouds_and_folders_only(places, member, client_for):
    gamma, beta = places
    viewer = member(Role.VIEWER_PD, restricted=True)
    assign_perm("accounts.access_account", viewer.user, beta.account)
    client = client_for(viewer)
    assert choices(client, "finance:clouds") == ["c-beta"]
    assert choices(client, "finance:folders") == ["f-beta"]
    assert choices(client, "finance:folders", cloud="c-prod") == []
    refused = page(client, **OCTOBER, cloud="c-prod")
    assert refused.context["details"] is None
    assert "No such cloud among your customers" in refused.content.decode()


def test_the_pickers_answer_only_a_role_with_usage_details(places, member, client_for):
    client = client_for(member(Role.VIEWER))
    assert client.get(reverse("finance:clouds")).status_code == 403
    assert client.get(reverse("finance:folders")).status_code == 403


@pytest.mark.parametrize("view", ["service", "sku", "cloud", "folder", "subaccount"])
def test_a_clouds_figures_are_its_rows_in_every_view(places, member, client_for, view):
    client = client_for(member())
    response = page(client, **OCTOBER, view=view, group="month", cloud="c-prod")
    assert shown(response) == expected(cloud_id="c-prod")
    rows = response.context["details"].page_rows()
    assert sum(r["consumption"] for r in rows) == expected(cloud_id="c-prod")["consumption"]
    if view == "folder":
        assert {r["key"] for r in rows} == {"f-web", "f-db"}
    if view == "cloud":
        assert {r["key"] for r in rows} == {"c-prod"}
    chart = response.context["details"].chart
    assert sum(chart["Before discount, RUB"]) == expected(cloud_id="c-prod")["consumption"]


def test_a_folder_alone_or_with_its_cloud_gives_the_folders_figures(places, member, client_for):
    client = client_for(member())
    alone = page(client, **OCTOBER, view="folder", folder="f-db")
    assert shown(alone) == expected(folder_id="f-db") and shown(alone)["reward"] == D("33.33")
    both = page(client, **OCTOBER, view="sku", cloud="c-prod", folder="f-db")
    assert shown(both) == expected(folder_id="f-db")
    html = both.content.decode()
    chosen = re.search(r'<select name="folder"[^>]*>(.*?)</select>', html, re.S).group(1)
    assert re.findall(r'<option value="([^"]*)"', chosen) == ["", "f-db"]  # the chosen one only, no list
    assert 'data-search-with="cloud"' in html


def test_the_subaccount_and_the_search_combine_with_the_cloud(places, member, client_for):
    gamma, beta = places
    client = client_for(member())
    mine = page(client, **OCTOBER, cloud="c-prod", subaccount=gamma.pk)
    assert shown(mine) == expected(cloud_id="c-prod")
    assert page(client, **OCTOBER, cloud="c-prod", subaccount=beta.pk).context["details"].totals == []
    assert shown(page(client, **OCTOBER, cloud="c-prod", q="Gamma")) == expected(cloud_id="c-prod")
    assert page(client, **OCTOBER, cloud="c-prod", q="Beta").context["details"].totals == []


def test_a_folder_of_another_cloud_is_refused_with_no_figures(places, member, client_for):
    client = client_for(member())
    response = page(client, **OCTOBER, cloud="c-prod", folder="f-sandbox")
    html = response.content.decode()
    assert response.context["form"].has_error("folder")
    assert "The folder “sandbox” is not in the cloud “Production”" in html
    assert response.context["details"] is None and "Correct the cloud or folder above" in html
    export = client.get(
        reverse("finance:usage"), {**OCTOBER, "cloud": "c-prod", "folder": "f-sandbox", "export": "csv"}
    )
    assert not export.streaming  # the page with its error, no file


def test_another_partners_cloud_or_folder_is_refused_never_shown(places, member, client_for):
    client = client_for(member())
    for asked in ({"cloud": "c-other"}, {"folder": "f-other"}, {"cloud": "no-such-cloud"}):
        response = page(client, **OCTOBER, **asked)
        html = response.content.decode()
        assert response.context["details"] is None
        assert "among your customers" in html and "9999" not in html and "Other cloud" not in html


def test_the_kept_folders_follow_the_daily_rows(places):
    """Renamed on a later day, the latest name; a re-imported earlier month does not undo it; a folder whose
    rows are gone goes (or takes its last earlier day); a detached month's folders go."""
    gamma, _beta = places
    sandbox = {"subaccount": gamma, "cloud_id": "c-dev", "folder_id": "f-sandbox"}
    ConsumptionFactory(
        **sandbox, cloud_name="Dev", folder_name="playground", date=datetime.date(2026, 11, 20)
    )
    kept = UsageFolder.objects.get(folder_id="f-sandbox")
    assert (kept.cloud_name, kept.folder_name, kept.last_date) == (
        "Dev",
        "playground",
        datetime.date(2026, 11, 20),
    )
    daily_usage_rebuild(start=FIRST, end=FIRST, partner_id=gamma.partner_id)  # October again
    assert UsageFolder.objects.get(folder_id="f-sandbox").folder_name == "playground"
    ConsumptionFactory(
        subaccount=gamma,
        cloud_id="c-prod",
        cloud_name="Prod",
        folder_id="f-web",
        date=datetime.date(2026, 11, 21),
    )  # the cloud renamed: its other folder (last seen in October) takes the name too, so it is listed once
    assert set(UsageFolder.objects.filter(cloud_id="c-prod").values_list("cloud_name", flat=True)) == {"Prod"}

    Consumption.objects.filter(folder_id="f-sandbox", date__month=11).delete()
    daily_usage_rebuild(start=datetime.date(2026, 11, 1), end=datetime.date(2026, 11, 1))
    kept = UsageFolder.objects.get(folder_id="f-sandbox")  # back to its October day and names
    assert (kept.folder_name, kept.last_date) == ("sandbox", datetime.date(2026, 10, 12))
    Consumption.objects.filter(folder_id="f-sandbox").delete()
    daily_usage_rebuild(start=FIRST, end=FIRST)
    assert not UsageFolder.objects.filter(folder_id="f-sandbox").exists()
    assert UsageFolder.objects.filter(folder_id="f-db").exists()

    partitions.ensure(FIRST, datetime.date(2026, 11, 1))
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # as in production: the rows are committed
    partitions.detach_before(datetime.date(2026, 11, 1))
    assert set(UsageFolder.objects.values_list("folder_id", flat=True)) == {"f-web"}  # November's only
