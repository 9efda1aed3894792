"""Subaccount details: views × groupings over at most 92 days, the six columns worked by hand, CSV = page."""

import csv
import datetime
import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from guardian.shortcuts import assign_perm

from finance.models import Program
from finance.services import monthly_consumption_rebuild
from portal.money import plain
from portal.permissions import Role
from tests.charts import with_charts
from tests.factories import AccountFactory, ConsumptionFactory, RebateTermFactory, SubaccountFactory

pytestmark = pytest.mark.django_db
D = Decimal
OCTOBER = {"period": "custom", "start": "2026-10-01", "finish": "2026-10-31"}


def imported():
    """What the import does once its rows are in: the aggregates the page reads rebuilt for their months."""
    monthly_consumption_rebuild(start=datetime.date(2026, 10, 1), end=datetime.date(2026, 11, 30))


@pytest.fixture
def usage(partner):
    """Worked example at a 10% base bonus (hand-computed figures in the tests)."""
    RebateTermFactory(program=Program.PARTNER_BONUS, rate=D("0.1000"), valid_from=datetime.date(2026, 1, 1))
    customer = SubaccountFactory(account=AccountFactory(partner=partner), name="Gamma prod")
    own = SubaccountFactory(account=AccountFactory(partner=partner), name="Our lab", is_partner_own=True)

    def day(d):
        return datetime.date(2026, 10, d)

    row = {"subaccount": customer, "cloud_id": "c1", "cloud_name": "prod", "folder_id": "f1"}
    # paid 1000.00 → reward 100.00; billing corrected it by −5.00
    ConsumptionFactory(
        **row, date=day(3), sku_id="vcpu", cost=D("1000.05"), credit=D("-0.05"), adjustment=D("-5")
    )
    ConsumptionFactory(**row, date=day(4), sku_id="app", cost=D("10.00"), is_marketplace=True)  # no reward
    ConsumptionFactory(
        **row, date=day(12), sku_id="ram", cost=D("20.00"), credit=D("-20.00")
    )  # grant covers it
    ConsumptionFactory(subaccount=own, cloud_id="c2", date=day(12), sku_id="vcpu", cost=D("50.00"))  # own use
    ConsumptionFactory(subaccount=customer, date=datetime.date(2026, 11, 1), cost=D("999"))  # outside
    imported()
    return customer, own


def page(client, **params):
    response = client.get(reverse("finance:usage"), params)
    assert response.status_code == 200
    return response


def test_the_six_columns_add_up_as_computed_by_hand(usage, member, client_for):
    response = page(client_for(member()), **OCTOBER)
    (total,) = response.context["details"].totals
    assert (total["consumption"], total["discount"], total["client_pays"]) == (
        D("1080.05"),
        D("20.05"),
        D("1060"),
    )
    assert (total["reward"], total["adjustment"], total["partner_pays"]) == (D("100"), D("-5"), D("955"))
    html = with_charts(response.content.decode())
    assert "To be paid by partner" in html and "955.00" in html and "<svg" in html
    assert "Before discount, RUB" in html and "After discount, RUB" in html


@pytest.mark.parametrize(
    ("view", "group", "expected"),
    [
        ("service", "day", 3),  # days 3, 4 and 12 (two subaccounts, one service, on the 12th)
        ("sku", "day", 4),  # the 12th has ram and vcpu
        ("cloud", "month", 2),
        ("subaccount", "month", 2),
        ("subaccount", "week", 3),  # weeks of 28 Sep (3, 4 Oct) and 12 Oct for Gamma; 12 Oct for the lab
        ("folder", "week", 3),  # f1 in both weeks; the lab's default folder in the second
    ],
)
def test_each_view_and_grouping(usage, member, client_for, view, group, expected):
    response = page(client_for(member()), **OCTOBER, view=view, group=group)
    assert len(response.context["table"].rows) == expected


def test_weeks_cover_exactly_the_period_and_subaccount_rows_are_named(usage, member, client_for):
    """The first week starts on the period's first day (a Thursday), the next ones on Mondays: no row or
    bar is labelled with a day before the period."""
    details = page(client_for(member()), **OCTOBER, view="subaccount", group="week").context["details"]
    rows = list(details.page_rows())
    assert {r["bucket"] for r in rows} == {datetime.date(2026, 10, 1), datetime.date(2026, 10, 12)}
    assert details.buckets[0] == datetime.date(2026, 10, 1)
    assert all(b.weekday() == 0 for b in details.buckets[1:]) and details.buckets[-1] <= datetime.date(
        2026, 10, 31
    )
    csv = page(client_for(member()), **OCTOBER, view="subaccount", group="week", export="csv")
    assert "2026-09-28" not in b"".join(csv.streaming_content).decode()
    assert {r["name"] for r in rows} == {"Gamma prod", "Our lab"}
    lab = next(r for r in rows if r["name"] == "Our lab")
    assert (lab["consumption"], lab["reward"], lab["partner_pays"]) == (D("50"), D("0"), D("50"))


def test_the_csv_holds_the_page_figures(usage, member, client_for):
    client = client_for(member())
    shown = page(client, **OCTOBER, view="sku")
    response = client.get(reverse("finance:usage"), {**OCTOBER, "view": "sku", "export": "csv"})
    lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert lines[0][4:] == [
        "Consumption cost",
        "Discount",
        "To be paid by client",
        "Reward",
        "Adjustment",
        "To be paid by partner",
    ]
    page_rows = [
        [str(r["bucket"]), r["key"], *(plain(r[c]) for c in ("consumption", "reward"))]
        for r in shown.context["details"].page_rows()
    ]
    csv_rows = [[line[0], line[1], line[4], line[7]] for line in lines[1:-1]]
    assert csv_rows == page_rows
    assert lines[-1] == ["Total", "", "", "RUB", "1080.05", "20.05", "1060.00", "100.00", "-5.00", "955.00"]


def test_one_subaccount_from_its_details_page(usage, member, client_for):
    customer, own = usage
    response = page(client_for(member()), **OCTOBER, subaccount=customer.pk)
    assert response.context["details"].totals[0]["consumption"] == D("1030.05")
    assert "Gamma prod" in response.content.decode()


def test_a_foreign_or_unknown_subaccount_answers_404(usage, other_partner, member, client_for):
    foreign = SubaccountFactory(account=AccountFactory(partner=other_partner))
    client = client_for(member())
    assert client.get(reverse("finance:usage"), {"subaccount": foreign.pk}).status_code == 404
    assert client.get(reverse("finance:usage"), {"subaccount": 2**31 - 1}).status_code == 404


def test_other_partners_consumption_never_counts(usage, other_partner, member, client_for):
    ConsumptionFactory(
        subaccount=SubaccountFactory(account=AccountFactory(partner=other_partner)),
        date=datetime.date(2026, 10, 3),
        cost=D("7777"),
    )
    imported()
    assert page(client_for(member()), **OCTOBER).context["details"].totals[0]["consumption"] == D("1080.05")


def test_a_restricted_member_sees_only_granted_accounts(usage, member, client_for):
    customer, own = usage
    viewer = member(Role.VIEWER_PD, restricted=True)
    assign_perm("accounts.access_account", viewer.user, customer.account)
    totals = page(client_for(viewer), **OCTOBER).context["details"].totals
    assert totals[0]["consumption"] == D("1030.05")


def test_more_than_92_days_is_refused_on_the_period_keeping_the_users_period_and_no_other(
    usage, member, client_for
):
    client = client_for(member())
    asked = {"period": "custom", "start": "2026-07-01", "finish": "2026-10-31"}
    response = page(client, **asked)
    html = response.content.decode()
    assert "A period shows at most 92 days." in html
    assert response.context["form"].has_error("period")  # said on the period, not somewhere above
    assert 'value="2026-07-01"' in html and 'value="2026-10-31"' in html  # the user's period stays
    assert response.context["details"] is None  # not this month's figures in its place
    export = page(client, **asked, export="csv")
    assert (
        not export.streaming and "A period shows at most 92 days." in export.content.decode()
    )  # no other file


def test_presets_default_to_this_month(member, client_for):
    response = page(client_for(member()))
    today = datetime.date.today()
    assert response.context["start"] == today.replace(day=1) and response.context["finish"] == today
    assert "No consumption in this period." in response.content.decode()


def test_queries_do_not_grow_with_rows(usage, partner, member, client_for):
    client = client_for(member())
    customer, _ = usage

    def count():
        with CaptureQueriesContext(connection) as ctx:
            page(client, **OCTOBER, view="sku")
        return len(ctx.captured_queries)

    few = count()  # less than a page: the paginator asks for a short slice of it, no second query
    for d in range(1, 31):
        for sku in ("extra", "more"):
            ConsumptionFactory(subaccount=customer, date=datetime.date(2026, 10, d), sku_id=f"{sku}-{d}")
    imported()
    assert count() == few  # more than a page


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_usage_tables_body_is_what_django_tables2_writes_for_its_columns(rf, language):
    """The body written in Python (``UsageTable.rows_html``) against django-tables2's own template on the
    same rows: texts to escape, amounts to round and group, a missing value, days repeated."""
    from django.utils import translation
    from django_tables2 import RequestConfig

    from finance.tables import UsageTable

    day = datetime.date(2026, 10, 3)
    rows = [
        {
            "bucket": day + datetime.timedelta(days=i // 2),
            "key": f"folder-<{i}>",
            "name": 'Dev & "test" <b>' if i % 3 else "",
            "currency": "RUB",
            "consumption": D("1234567.125") * i,
            "discount": D("0.005"),
            "client_pays": D("-7.3449999"),
            "reward": None if i == 4 else D("0.0149") * i,
            "adjustment": D("0"),
            "partner_pays": D("99999.995"),
        }
        for i in range(30)
    ]

    def body(template_name=None):
        table = UsageTable(rows, **({"template_name": template_name} if template_name else {}))
        request = rf.get("/")
        RequestConfig(request, paginate={"per_page": 25}).configure(table)
        html = table.as_html(request)
        html = html[html.index("<tbody") : html.index("</tbody>")]
        return re.sub(r"\s*([<>])\s*", r"\1", html)  # (the templates' layout between tags aside)

    with translation.override(language):
        ours, theirs = body(), body("django_tables2/table.html")
    assert ours.count("<tr") == 25
    assert ours == theirs


def test_a_long_view_of_the_whole_partner_is_counted_ten_pages_on_and_says_more(partner, member, client_for):
    """By folder, day by day: 12 folders × 31 days = 372 rows; the first page counts 10 pages of 25 and
    says there are more (its page links end in "…"), in the same number of queries as a short view; page 12
    is read all the same."""
    customer = SubaccountFactory(account=AccountFactory(partner=partner))
    for d in range(1, 32):
        for n in range(12):
            ConsumptionFactory(subaccount=customer, date=datetime.date(2026, 10, d), folder_id=f"f{n:02}")
    imported()
    client = client_for(member())
    with CaptureQueriesContext(connection) as short:
        page(client, **OCTOBER, view="folder", group="month")  # 12 rows
    with CaptureQueriesContext(connection) as long:
        first = page(client, **OCTOBER, view="folder", group="day")
    with CaptureQueriesContext(connection) as by_cost:  # counted in the order asked for, not first by default
        page(client, **OCTOBER, view="folder", group="day", sort="-consumption")
    assert len(long.captured_queries) == len(by_cost.captured_queries) == len(short.captured_queries)
    paginator = first.context["table"].paginator
    assert (paginator.num_pages, paginator.more) == (10, True)  # the pages numbered, then "…"

    def shown(response):
        return [(r.record["bucket"].day, r.record["key"]) for r in response.context["table"].paginated_rows]

    assert shown(first)[:3] == [(1, "f00"), (1, "f01"), (1, "f02")]
    twelfth = page(client, **OCTOBER, view="folder", group="day", page=12)
    assert shown(twelfth)[:2] == [(23, "f11"), (24, "f00")]  # rows 276 and 277
