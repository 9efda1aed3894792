"""Commission statistics on screen: the period's totals, by month and by customer, beside the detailed report
— to the kopeck what the report's rows sum to, within the member's walls."""

import csv
import datetime
import io
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.urls import reverse
from guardian.shortcuts import assign_perm

from finance.models import CustomerUsageDay, Program, RebateTerm, UsageRewardMonth
from finance.services import monthly_consumption_rebuild
from portal.periods import month_after
from portal.permissions import Role
from subaccounts.models import Subaccount
from tests.charts import with_charts
from tests.factories import (
    AccountFactory,
    ConsumptionFactory,
    RebateTermFactory,
    ReferredCustomerFactory,
    RegistrationFactory,
    SubaccountFactory,
    created_on,
)

pytestmark = pytest.mark.django_db

URL = reverse("finance:commission")
OCT, NOV = datetime.date(2026, 10, 1), datetime.date(2026, 11, 1)
PERIOD = {"start": "2026-10-10", "finish": "2026-11-20"}
MONEY = ("cost", "credit", "reward")


def kopecks(amount) -> Decimal:
    return Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def use(sub, day, cost, credit="0", *, currency="RUB", marketplace=False, folder="f1", sku=None):
    """A daily row, with the monthly aggregates brought in step as the import does (the factory keeps the
    daily ones)."""
    row = ConsumptionFactory(
        subaccount=sub,
        date=day,
        cost=Decimal(cost),
        credit=Decimal(credit),
        currency=currency,
        is_marketplace=marketplace,
        folder_id=folder,
        sku_id=sku or f"{folder}-{cost}-{currency}-{marketplace}",
    )
    monthly_consumption_rebuild(start=day, end=day, partner_id=sub.partner_id)
    return row


def page(client, **params):
    response = client.get(URL, {**PERIOD, **params})
    assert response.status_code == 200
    return response


def figures(rows: list[dict], key: str) -> dict:
    """Rows of the page (dicts) as ``{(key, currency): (cost, credit, reward)}`` to the kopeck."""
    return {(r[key], r["currency"]): tuple(kopecks(r[m]) for m in MONEY) for r in rows}


def table_csv(client, table: str, **params) -> list[dict]:
    response = client.get(URL, {**PERIOD, **params, "export": "csv", "table": table})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


@pytest.fixture
def world(partner, terms):
    """Two months of a partner at billing's precision: a rate change mid-October, a deal, marketplace, the
    partner's own use, a referred customer, two currencies — and rows outside the period on both sides."""
    RebateTermFactory(
        program=Program.PARTNER_BONUS, rate=Decimal("0.1200"), valid_from=datetime.date(2026, 10, 20)
    )
    acme, globex = (
        AccountFactory(partner=partner, name="Acme"),
        AccountFactory(partner=partner, name="Globex"),
    )
    referred = ReferredCustomerFactory(link__partner=partner, account__name="Initech")
    a1 = SubaccountFactory(account=acme, billing_account_id="ba-a1")
    a2 = SubaccountFactory(account=acme, billing_account_id="ba-a2")
    g1 = SubaccountFactory(account=globex, billing_account_id="ba-g1")
    own = SubaccountFactory(account=globex, billing_account_id="ba-own", is_partner_own=True)
    r1 = SubaccountFactory(account=referred.account, billing_account_id="ba-r1")
    RegistrationFactory(
        account=globex, kind="deal", status="approved",
        decided_at=datetime.datetime(2026, 9, 1, tzinfo=datetime.UTC),
    )  # fmt: skip
    created_on(g1, datetime.date(2026, 9, 20))
    hooli = AccountFactory(partner=partner, name="Hooli")
    h1 = SubaccountFactory(account=hooli, billing_account_id="ba-h1")
    RegistrationFactory(
        account=hooli, kind="deal", status="approved", procurement=True,
        contract_start=datetime.date(2026, 11, 5), contract_end=datetime.date(2026, 11, 15),
        decided_at=datetime.datetime(2026, 9, 1, tzinfo=datetime.UTC),
    )  # fmt: skip
    created_on(h1, datetime.date(2026, 9, 20))
    use(h1, datetime.date(2026, 11, 10), "1000.000001")  # the contract's days earn the extra, not the others
    for day in (datetime.date(2026, 10, 9), datetime.date(2026, 11, 21)):  # outside the period
        use(a1, day, "999.99")
    for n, day in enumerate(
        (datetime.date(2026, 10, 10), datetime.date(2026, 10, 25), NOV, datetime.date(2026, 11, 20))
    ):
        use(a1, day, f"{1000 + n}.123456", "-10.000001")
        use(a1, day, "0.333333", folder="f2")
        use(a2, day, "77.777777", "-7.7", marketplace=True)
        use(a2, day, "12500.5", currency="KZT")
        use(g1, day, f"{300 + n}.0049", "-0.0049")
        use(own, day, "450.45")
        use(r1, day, "123.456789")
        use(h1, day, "55.555555", "-5.5")
    return {"acme": acme, "globex": globex, "initech": referred.account}


@pytest.mark.parametrize(
    "period",
    [
        PERIOD,  # two months cut by the period: a customer's month is the difference of two days' sums
        {"start": "2026-09-01", "finish": "2026-11-30"},  # November whole: its last day's sums
    ],
)
@pytest.mark.parametrize("kept", [True, False], ids=["customer sums", "stale months: day by day"])
def test_figures_agree_to_the_kopeck_with_the_detailed_report(
    world, member, client_for, commission_report, period, kept
):
    client = client_for(member())
    assert UsageRewardMonth.objects.filter(month__in=[OCT, NOV]).count() == 2  # the import's rollup stands
    if not kept:  # what a change of the rates, deals, own use or referred customers does to the months
        UsageRewardMonth.objects.all().delete()
    assert_agrees(client, commission_report, period)


def assert_agrees(client, commission_report, period):
    """The page's months, totals and customers are the detailed report's rows of ``period`` summed."""
    rows = commission_report(client, period["start"], period["finish"])
    assert rows
    accounts = dict(Subaccount.objects.values_list("billing_account_id", "account_id"))
    by_month, by_customer, total = (defaultdict(lambda: [Decimal(0)] * 3) for _ in range(3))
    for row in rows:
        amounts = [Decimal(row[m]) for m in MONEY]
        for sums, key in (
            (by_month, (datetime.date.fromisoformat(row["date"]).replace(day=1), row["currency"])),
            (by_customer, (accounts[row["billing_account_id"]], row["currency"])),
            (total, row["currency"]),
        ):
            sums[key] = [s + a for s, a in zip(sums[key], amounts, strict=True)]

    statistics = page(client, **period).context["statistics"]
    assert figures(statistics.months, "month") == {k: tuple(map(kopecks, v)) for k, v in by_month.items()}
    assert {t["currency"]: tuple(kopecks(t[m]) for m in MONEY) for t in statistics.totals} == {
        k: tuple(map(kopecks, v)) for k, v in total.items()
    }
    customers = table_csv(client, "customers", **period)
    assert {
        (int(r["Id"]), r["Currency"]): tuple(kopecks(r[h]) for h in ("Consumption cost", "Credits", "Reward"))
        for r in customers
    } == {k: tuple(map(kopecks, v)) for k, v in by_customer.items()}
    # the page's customers, in an order of names (the page's sums alone) and of a sum (every customer's)
    for sort in ("name", "-reward"):
        shown = page(client, **period, **{"customers-sort": sort}).context["statistics"].customers
        assert {(r["id"], r["currency"]): tuple(kopecks(r[m]) for m in MONEY) for r in shown} == {
            k: tuple(map(kopecks, v)) for k, v in by_customer.items() if k[0] in {r["id"] for r in shown}
        }
        assert len(shown) == len(by_customer)
    months = table_csv(client, "months", **period)
    assert {
        (r["Month"], r["Currency"]): tuple(Decimal(r[h]) for h in ("Consumption cost", "Credits", "Reward"))
        for r in months
    } == {(f"{m:%Y-%m}", c): tuple(v) for (m, c), v in by_month.items()}  # the export: unrounded, exact


DEC = datetime.date(2026, 12, 1)


def report_sums(client, commission_report) -> dict:
    """From scratch, from the detailed report of October and November: each customer's cost, credit and reward
    of its month up to each day, from its first day with rows in the month to the month's end."""
    accounts = dict(Subaccount.objects.values_list("billing_account_id", "account_id"))
    days: dict = defaultdict(lambda: defaultdict(lambda: [Decimal(0)] * 3))
    for row in commission_report(client, "2026-10-01", "2026-11-30"):
        day = datetime.date.fromisoformat(row["date"])
        sums = days[(accounts[row["billing_account_id"]], row["currency"], day.replace(day=1))][day]
        sums[:] = [s + Decimal(row[m]) for s, m in zip(sums, MONEY, strict=True)]
    expected = {}
    for (account, currency, month), sums in days.items():
        running, day = [Decimal(0)] * 3, min(sums)
        while day < month_after(month):
            running = [r + s for r, s in zip(running, sums.get(day, [0, 0, 0]), strict=True)]
            expected[(account, day, currency)] = tuple(running)
            day += datetime.timedelta(days=1)
    return expected


def kept_sums() -> dict:
    return {
        (r.account_id, r.date, r.currency): (r.cost, r.credit, r.reward)
        for r in CustomerUsageDay.objects.filter(date__gte=OCT, date__lt=DEC)
    }


def test_the_customer_sums_are_the_reports_after_an_import_and_each_change(
    world, partner, member, client_for, commission_report
):
    """The kept sums equal the report's rows summed from scratch after the import and a re-import; a change of
    the rates, a deal or a subaccount's customer takes the months it touches off them at once (the page is
    then worked out day by day and still agrees), and the next import of those months brings them back."""
    client = client_for(member())

    def rebuilt_and_agreeing(months: list[datetime.date]):
        assert set(UsageRewardMonth.objects.values_list("month", flat=True)) == {OCT, NOV} - set(months)
        assert_agrees(client, commission_report, PERIOD)
        monthly_consumption_rebuild(start=OCT, end=NOV, partner_id=partner.pk)  # the months imported again
        assert kept_sums() == report_sums(client, commission_report)
        assert_agrees(client, commission_report, PERIOD)

    rebuilt_and_agreeing([])
    a1, a2 = (Subaccount.objects.get(billing_account_id=b) for b in ("ba-a1", "ba-a2"))
    use(a1, datetime.date(2026, 10, 25), "5.5")  # a re-import of October with one more row
    assert kept_sums() == report_sums(client, commission_report)
    RebateTermFactory(
        program=Program.PARTNER_BONUS, rate=Decimal("0.2000"), valid_from=datetime.date(2026, 11, 5)
    )
    rebuilt_and_agreeing([NOV])
    term = RebateTerm.objects.get(rate=Decimal("0.2000"))
    term.rate = Decimal("0.0500")
    term.save()
    rebuilt_and_agreeing([NOV])
    a2.account = AccountFactory(partner=partner, name="Umbrella")  # to a new customer, neither with a deal
    a2.save()
    rebuilt_and_agreeing([OCT, NOV])
    created_on(a1, datetime.date(2026, 10, 2))  # in time for Acme's deal, decided on 1 October
    RegistrationFactory(
        account=world["acme"], kind="deal", status="approved",
        decided_at=datetime.datetime(2026, 10, 1, 12, tzinfo=datetime.UTC),
    )  # fmt: skip
    rebuilt_and_agreeing([OCT, NOV])


def test_figures_are_the_rules_worked_by_hand(partner, terms, member, client_for):
    """DESIGN.md's rules on a small case: a 10% partner bonus on cost + credit, 12% from 20 October; a deal's
    customer earns the 15% extra besides; marketplace, the partner's own use and a referred customer earn
    nothing; each currency apart."""
    RebateTermFactory(
        program=Program.PARTNER_BONUS, rate=Decimal("0.1200"), valid_from=datetime.date(2026, 10, 20)
    )
    acme, globex = (
        AccountFactory(partner=partner, name="Acme"),
        AccountFactory(partner=partner, name="Globex"),
    )
    referred = ReferredCustomerFactory(link__partner=partner, account__name="Initech").account
    a1 = SubaccountFactory(account=acme)
    g1 = SubaccountFactory(account=globex)
    own = SubaccountFactory(account=globex, is_partner_own=True)
    r1 = SubaccountFactory(account=referred)
    RegistrationFactory(
        account=globex, kind="deal", status="approved",
        decided_at=datetime.datetime(2026, 9, 1, tzinfo=datetime.UTC),
    )  # fmt: skip
    created_on(g1, datetime.date(2026, 9, 20))
    use(a1, datetime.date(2026, 10, 12), "1000.00", "-100.00")  # 900 x 10% = 90
    use(a1, datetime.date(2026, 10, 12), "50.00", marketplace=True)  # 0
    use(a1, datetime.date(2026, 10, 21), "333.33")  # 333.33 x 12% = 39.9996
    use(a1, datetime.date(2026, 11, 3), "0.05")  # 0.05 x 12% = 0.006
    use(a1, datetime.date(2026, 11, 3), "5000.00", "-1000.00", currency="KZT")  # no KZT term of its
    # own: the general one in force that day, 4000 x 12% = 480
    use(g1, datetime.date(2026, 11, 4), "200.00")  # 200 x (12% + 15%) = 54
    use(own, datetime.date(2026, 11, 4), "700.00")  # 0
    use(r1, datetime.date(2026, 11, 5), "80.00")  # 0 (earns the referral commission instead)

    statistics = page(client_for(member())).context["statistics"]
    d = Decimal
    assert figures(statistics.months, "month") == {
        (OCT, "RUB"): (d("1383.33"), d("-100.00"), d("130.00")),  # 90 + 39.9996 = 129.9996
        (NOV, "RUB"): (d("980.05"), d("0.00"), d("54.01")),  # 54 + 0.006 = 54.006
        (NOV, "KZT"): (d("5000.00"), d("-1000.00"), d("480.00")),
    }
    assert figures(statistics.totals, "currency") == {
        ("RUB", "RUB"): (d("2363.38"), d("-100.00"), d("184.01")),  # 184.0056
        ("KZT", "KZT"): (d("5000.00"), d("-1000.00"), d("480.00")),
    }
    customers = figures(statistics.customers.all_rows(), "name")
    assert customers == {
        ("Acme", "RUB"): (d("1383.38"), d("-100.00"), d("130.01")),  # 130.0056
        ("Acme", "KZT"): (d("5000.00"), d("-1000.00"), d("480.00")),
        ("Globex", "RUB"): (d("900.00"), d("0.00"), d("54.00")),
        ("Initech", "RUB"): (d("80.00"), d("0.00"), d("0.00")),
    }


def test_customers_table_pages_sorts_and_searches_by_name(partner, terms, member, client_for):
    for n in range(30):
        sub = SubaccountFactory(account=AccountFactory(partner=partner, name=f"Customer {n:02}"))
        use(sub, datetime.date(2026, 10, 15), f"{n + 1}.00")
    client = client_for(member())
    first = page(client).context["customer_table"]
    assert first.page.paginator.count == 30 and len(first.page.object_list) == 25
    second = page(client, **{"customers-page": 2}).context["customer_table"]
    assert len(second.page.object_list) == 5
    by_reward = page(client, **{"customers-sort": "-reward"}).context["customer_table"]
    assert [r.record["name"] for r in by_reward.page.object_list][:2] == ["Customer 29", "Customer 28"]
    found = page(client, customer="customer 1").context["customer_table"]
    assert sorted(r.record["name"] for r in found.page.object_list) == [
        f"Customer {n}" for n in range(10, 20)
    ]
    statistics = page(client, customer="customer 1").context["statistics"]
    assert statistics.totals[0]["cost"] == sum(
        Decimal(n + 1) for n in range(30)
    )  # the period's, not the search's


def test_the_query_count_does_not_grow_with_customers(
    partner, terms, member, client_for, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(member())
    sub = SubaccountFactory(account=AccountFactory(partner=partner))
    use(sub, datetime.date(2026, 10, 15), "1.00")
    page(client)
    with CaptureQueriesContext(connection) as few:
        page(client)
    for n in range(40):
        sub = SubaccountFactory(account=AccountFactory(partner=partner, name=f"C{n}"))
        use(sub, datetime.date(2026, 11, 15), "2.00")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page(client)


def test_a_restricted_member_sees_only_their_customers_rows_and_totals(world, member, client_for):
    viewer = member(Role.VIEWER_PD, restricted=True)
    assign_perm("accounts.access_account", viewer.user, world["acme"])
    statistics = page(client_for(viewer)).context["statistics"]
    assert {r["name"] for r in statistics.customers.all_rows()} == {"Acme"}
    full = page(client_for(member())).context["statistics"]
    assert statistics.totals != full.totals
    acme_rub = next(r for r in full.customers.all_rows() if r["name"] == "Acme" and r["currency"] == "RUB")
    mine_rub = next(t for t in statistics.totals if t["currency"] == "RUB")
    assert (mine_rub["cost"], mine_rub["reward"]) == (acme_rub["cost"], acme_rub["reward"])


def test_a_restricted_member_without_customers_is_told_so(world, member, client_for):
    viewer = member(Role.VIEWER_PD, restricted=True)
    response = page(client_for(viewer))
    assert "No consumption in this period for the customers you can see." in response.content.decode()


def test_an_empty_period_says_so(partner, member, client_for):
    response = page(client_for(member()))
    assert "No consumption in this period." in response.content.decode()
    assert response.context["statistics"].totals == []


@pytest.mark.parametrize("role", [Role.EDITOR, Role.VIEWER])
def test_roles_without_finance_view_are_refused(world, member, client_for, role):
    client = client_for(member(role))
    assert client.get(URL, PERIOD).status_code == 403
    assert client.get(URL, {**PERIOD, "export": "csv", "table": "customers"}).status_code == 403


def test_another_partners_consumption_never_counts(world, other_partner, member, client_for):
    stranger = SubaccountFactory(account=AccountFactory(partner=other_partner, name="Stranger"))
    use(stranger, datetime.date(2026, 10, 15), "100000.00")
    client = client_for(member())
    statistics = page(client).context["statistics"]
    assert "Stranger" not in {r["name"] for r in statistics.customers.all_rows()}
    assert "Stranger" not in {r["Customer"] for r in table_csv(client, "customers")}


def test_the_page_shows_chart_tables_and_the_download_in_russian(world, member, client_for):
    response = client_for(member()).get(URL, PERIOD, HTTP_ACCEPT_LANGUAGE="ru")
    html = response.content.decode()
    assert '<figure class="chart">' in html
    chart = with_charts(html)  # its months in Russian, as the table's
    assert "Окт 2026" in chart and "Oct 2026" not in chart
    assert "По месяцам" in html and "По клиентам" in html
    assert "export=csv" in html
