"""Subaccount details read from the aggregates the import keeps (DailyUsage, DailySkuUsage) gives the very
figures the daily rows give — every view and grouping, rows, totals (each subaccount's month rounded once)
and chart, on the money oracle's random worlds (deals and procurement, rates changing mid-month, credits,
excluded services, the partners' own use, referred customers) — and the aggregates follow the real paths
that change their sources: an import, a re-import of its period, a changed exclusion list, a detached
month."""

from __future__ import annotations

import contextlib
import datetime
import itertools
import os
import uuid
from decimal import Decimal
from types import SimpleNamespace

import psycopg
import pytest
import time_machine
from django.core.management import call_command
from django.db import OperationalError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finance import partitions
from finance.accruals import accrue_month
from finance.aggregates import LOCK_ALL, LOCK_PARTNER, customer_months_rebuild, daily_usage_rebuild
from finance.deal_usage import deal_usage_rebuild
from finance.importer import COLUMNS, load
from finance.models import (
    Consumption,
    CustomerMonth,
    CustomerSkuDay,
    CustomerUsageDay,
    DailySkuUsage,
    DailyUsage,
    DealUsage,
    Exclusion,
    MonthlyConsumption,
    MonthlyUsage,
    Program,
    RebateTerm,
    SubaccountsVersion,
    UsageRewardDay,
    UsageRewardMonth,
    UsageVersion,
)
from finance.selectors import USAGE_GROUPINGS, USAGE_VIEWS, _whole_months, usage_details
from finance.services import MONTHLY_UPSERT_SQL, accrual_record, exclusions_apply
from finance.usage_rewards import stale_rows_purge, usage_rewards_rebuild
from portal.money import round_money
from subaccounts.models import Subaccount
from tests.factories import (
    AccountFactory,
    ConsumptionFactory,
    MembershipFactory,
    RebateTermFactory,
    ReferralLinkFactory,
    ReferredCustomerFactory,
    RegistrationFactory,
    SubaccountFactory,
)
from tests.finance.test_money_oracle import Built, worlds
from tools.models import ProgramSettings, Registration
from tools.services import registration_approve, registration_withdraw, registrations_expire

D = Decimal
EXAMPLES = int(os.environ.get("USAGE_EXAMPLES", "8"))
NOON_JULY = datetime.datetime(2026, 7, 1, 12, tzinfo=datetime.UTC)
# 92 days across four months, none of them whole at both ends
START, FINISH = datetime.date(2026, 7, 12), datetime.date(2026, 10, 11)
# the periods the equivalence is tried on: whole months (their totals from the monthly aggregate, unless
# a rate changes in them), partial months at both ends (day by day), days inside one month
PERIODS = [
    (START, FINISH),
    (datetime.date(2026, 8, 1), datetime.date(2026, 10, 31)),
    (datetime.date(2026, 9, 5), datetime.date(2026, 9, 20)),
]


def figures(membership, **kwargs) -> dict:
    """Everything a page and its CSV show: every row, the row count, the totals, the chart."""
    details = usage_details(membership=membership, per_page=10_000, **kwargs)
    return {
        "rows": list(details.csv_rows()),
        "page": details.page_rows(),
        "count": len(details),
        "totals": details.totals,
        "chart": details.chart,
    }


@pytest.mark.django_db
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    spec=worlds(),
    view=st.sampled_from(sorted(USAGE_VIEWS)),
    grouping=st.sampled_from(USAGE_GROUPINGS),
    days=st.sampled_from(PERIODS),
    changed=st.booleans(),
)
def test_the_aggregates_give_the_daily_rows_figures_to_the_last_digit(spec, view, grouping, days, changed):
    """Every figure of the whole partner, of one subaccount, of a search and of a restricted membership —
    whole months or not, rates changing or not, deals, own use and referred customers as the world has
    them; and again after the deals and own use changed since the import (``changed``: the aggregate's
    deals no longer the month's)."""
    with transaction.atomic():
        built = Built(spec)  # its rows in, then the import's rebuild (monthly_consumption_rebuild)
        if changed:  # a customer's deal approved, a subaccount marked the partner's own: after the import
            for partner in built.partners:
                last = Subaccount.objects.filter(partner=partner).order_by("-pk").first()
                if last is not None:
                    RegistrationFactory(account=last.account, status="approved", decided_at=NOON_JULY)
                    Subaccount.objects.filter(account=last.account).update(created_at=NOON_JULY)
            first = Subaccount.objects.order_by("pk").first()
            Subaccount.objects.filter(pk=first.pk).update(is_partner_own=not first.is_partner_own)
        assert stale_kept() == set()  # (the triggers took off every month the changes touch)
        for partner in built.partners:
            whole = SimpleNamespace(partner_id=partner.pk, restricted=False)
            period = {"start": days[0], "finish": days[1], "view": view, "grouping": grouping}
            from_aggregates = figures(whole, **period)
            assert from_aggregates == figures(whole, **period, daily_rows=True)
            assert from_aggregates["count"] == len(from_aggregates["rows"]) - len(from_aggregates["totals"])
            one = Subaccount.objects.filter(partner=partner).order_by("pk").first()
            if one is not None:
                assert figures(whole, **period, subaccount=one) == figures(
                    whole, **period, subaccount=one, daily_rows=True
                )
                search = one.billing_account_id[-3:]
                assert figures(whole, **period, q=search) == figures(
                    whole, **period, q=search, daily_rows=True
                )
                restricted = SimpleNamespace(
                    partner_id=partner.pk, restricted=True, allowed_account_ids=[one.account_id]
                )
                assert figures(restricted, **period) == figures(restricted, **period, daily_rows=True)
        transaction.set_rollback(True)


# --- the aggregates through the real paths -----------------------------------------------------------------

OCT = datetime.date(2026, 10, 1)


def billing_file(tmp_path, *lines):
    """A billing file: (billing account, day, folder, service, sku, cost, credit) per line."""
    path = tmp_path / "billing.csv"
    rows = [",".join(COLUMNS)]
    for account, day, folder, service, sku, cost, credit in lines:
        rows.append(
            f"{account},{day},cloud-{account},prod,{folder},{folder} name,{service},{service} name,{sku},"
            f"{sku} name,1,unit,{cost},{credit},RUB"
        )
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def world(partner):
    RebateTermFactory(program=Program.PARTNER_BONUS, rate=D("0.1000"), valid_from=datetime.date(2026, 1, 1))
    partitions.ensure(datetime.date(2026, 9, 1), datetime.date(2026, 11, 30))
    customer = SubaccountFactory(account=AccountFactory(partner=partner), billing_account_id="ba-1")
    other = SubaccountFactory(account=AccountFactory(partner=partner), billing_account_id="ba-2")
    return SimpleNamespace(
        partner=partner,
        customer=customer,
        other=other,
        whole=SimpleNamespace(partner_id=partner.pk, restricted=False),
    )


def another_connection(**options) -> psycopg.Connection:
    """A second connection to the test database, beside the test's own (as another process would hold)."""
    settings_dict = connection.settings_dict
    return psycopg.connect(
        dbname=settings_dict["NAME"],
        user=settings_dict["USER"],
        host=settings_dict["HOST"],
        port=settings_dict["PORT"],
        password=settings_dict["PASSWORD"],
        **options,
    )


def read_as(captured) -> str:
    """How Subaccount details read a page of a subaccount, cloud or folder view (its queries ``captured``):
    "worked out", from its period's kept ranking ("ranked"; "ranked, totals kept" with the period's totals
    and chart kept too), or kept whole ("kept")."""
    statements = [query["sql"] for query in captured if "b AS (SELECT * FROM unnest(" in query["sql"]]
    if not statements:
        return "kept"
    (read,) = statements
    if "WITH ORDINALITY AS k(" not in read:
        return "worked out"
    return "ranked" if "rewards AS (" in read else "ranked, totals kept"


def daily() -> set:
    fields = ("subaccount__billing_account_id", "date", "folder_id", "cost", "paid")
    return set(DailyUsage.objects.values_list(*fields))


def totals(world, **kwargs) -> dict:
    period = {"start": OCT, "finish": datetime.date(2026, 10, 31), **kwargs}
    shown = figures(world.whole, **period)
    assert shown == figures(world.whole, **period, daily_rows=True)
    return {t["currency"]: (t["consumption"], t["reward"]) for t in shown["totals"]}


def test_the_whole_partners_folder_pages_are_the_daily_rows_pages_in_every_order(world, tmp_path):
    """The whole partner's subaccount, cloud and folder views read a page bucket by bucket, counting only as
    far as the pages numbered around it: each page of each order is the daily rows' page, and the count
    stops at ten pages past the one asked for (``more``) — in an order that does not start with the period
    too (each bucket ranked, or by the reward worked out, then merged)."""
    lines = [
        (account, f"2026-10-0{day}", f"f{account[-1]}{n}", "compute", "vcpu", f"{day * 7 + n * 3}", "-1")
        for day in (3, 4, 6)
        for account in ("ba-1", "ba-2")
        for n in range(2)
    ]
    lines.append(("ba-2", "2026-10-04", "f10", "compute", "ram", "5", "0"))  # ba-1's folder, in ba-2 too
    load(billing_file(tmp_path, *lines))
    period = {"start": OCT, "finish": datetime.date(2026, 10, 31)}
    for view, grouping in (("folder", "day"), ("subaccount", "week"), ("cloud", "month"), ("folder", "week")):
        every = figures(world.whole, **period, view=view, grouping=grouping, daily_rows=True)["page"]
        orders = ([], ["-bucket"], ["bucket", "-name"], ["-consumption"], ["key"], ["-discount", "name"])
        rewarded = (["bucket", "-reward"], ["-reward"], ["partner_pays"], ["bucket", "-partner_pays"])
        for order in (*orders, *rewarded):
            for per_page, page in ((1, 1), (1, 3), (2, 2), (5, 2), (25, 1)):
                asked = {**period, "view": view, "grouping": grouping, "per_page": per_page, "page": page}
                details = usage_details(membership=world.whole, **asked)
                daily = usage_details(membership=world.whole, **asked, daily_rows=True)
                details.order_by(order)
                daily.order_by(order)
                assert details.page_rows() == daily.page_rows(), (view, grouping, order, per_page, page)
                assert details.totals == daily.totals and details.chart == daily.chart
                counted = (page + 9) * per_page  # (portal.pagination.count_limit, less the row telling more)
                if len(every) > counted:
                    assert (len(details), details.more) == (counted + 1, True)
                else:
                    assert (len(details), details.more) == (len(every), False)
    assert len(figures(world.whole, **period, view="folder", grouping="day")["page"]) == 12  # (3 days × 4)


def test_a_parts_folder_pages_are_the_daily_rows_pages_in_every_order(world, tmp_path):
    """A search and a restricted membership read their subaccount, cloud and folder pages bucket by bucket
    too, their totals and chart from their own rows, and sum their rows per day before the rules are joined:
    each page of each order is the daily rows' page — with one subaccount the partner's own (it earns
    nothing, row by row) — and the count stops ten pages past the one asked for."""
    lines = [
        (account, f"2026-10-0{day}", f"f{account[-1]}{n}", "compute", "vcpu", f"{day * 7 + n * 3}", "-1")
        for day in (3, 4, 6)
        for account in ("ba-1", "ba-2", "ba-3")
        for n in range(2)
    ]
    own = SubaccountFactory(account=world.other.account, billing_account_id="ba-3", is_partner_own=True)
    load(billing_file(tmp_path, *lines))
    period = {"start": OCT, "finish": datetime.date(2026, 10, 31)}
    restricted = SimpleNamespace(
        partner_id=world.partner.pk, restricted=True, allowed_account_ids=[world.other.account_id]
    )
    parts = ((world.whole, "ba-"), (world.whole, "ba-2"), (restricted, ""))
    for (membership, q), (view, grouping) in itertools.product(
        parts, (("folder", "day"), ("subaccount", "week"), ("cloud", "month"), ("service", "day"))
    ):
        part = {**period, "q": q, "view": view, "grouping": grouping}
        every = figures(membership, **part, daily_rows=True)["page"]
        assert every and figures(membership, **part) == figures(membership, **part, daily_rows=True)
        for order in ([], ["-bucket"], ["-consumption"], ["key"], ["bucket", "-reward"], ["-reward"]):
            for per_page, page in ((1, 1), (1, 3), (2, 2), (5, 2)):
                details = usage_details(membership=membership, **part, per_page=per_page, page=page)
                daily = usage_details(
                    membership=membership, **part, per_page=per_page, page=page, daily_rows=True
                )
                details.order_by(order)
                daily.order_by(order)
                assert details.page_rows() == daily.page_rows(), (q, view, grouping, order, per_page, page)
                assert details.totals == daily.totals and details.chart == daily.chart
                counted = (page + 9) * per_page
                if view != "service" and len(every) > counted:
                    assert (len(details), details.more) == (counted + 1, True)
                else:
                    assert (len(details), details.more) == (len(every), False)
    shown = figures(restricted, **period, view="subaccount")["page"]  # the partner's own earns nothing
    assert {row["key"] for row in shown} == {"ba-2", own.billing_account_id}
    assert {row["key"] for row in shown if row["reward"]} == {"ba-2"}


def test_a_restricted_members_totals_and_chart_read_their_customers_days(world, tmp_path):
    """A member restricted to some customers has the totals and chart of the folder, cloud and subaccount
    views from the customers' running sums (a row per customer and day: CustomerUsageDay), and their service
    and SKU views from the customers' SKUs per day (CustomerSkuDay), adjustments included, every figure the
    daily rows' to the last digit; a subaccount moved to another customer takes the months off (a new rate,
    those from its first day), and the daily rows answer for them until the next rebuild."""
    third = SubaccountFactory(account=AccountFactory(partner=world.partner), billing_account_id="ba-3")
    lines = [",".join((*COLUMNS, "adjustment"))]
    for account in ("ba-1", "ba-2", "ba-3"):
        for day, cost, adjustment in (("2026-09-28", "11.5", "0.25"), ("2026-10-02", "7", "-1.5")):
            lines.append(
                f"{account},{day},cloud-{account},prod,f-{account},f name,compute,Compute,vcpu,vCPU,1,unit,"
                f"{cost},-1,RUB,{adjustment}"
            )
        lines.append(
            f"{account},2026-10-09,cloud-{account},prod,f-{account},f,compute,C,vcpu,v,1,u,3,0,RUB,0"
        )
    path = tmp_path / "adjusted.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    # another customer's subaccount earns otherwise (the partner's own): none of its rows is the member's;
    # theirs, ba-1, has a deal approved before the import: its extra, from the customers' SKUs' deal part
    Subaccount.objects.filter(pk=world.other.pk).update(is_partner_own=True)
    RebateTermFactory(program=Program.DEAL_EXTRA, rate=D("0.1500"), valid_from=datetime.date(2026, 1, 1))
    september = datetime.datetime(2026, 9, 1, 12, tzinfo=datetime.UTC)
    RegistrationFactory(account=world.customer.account, status="approved", decided_at=september)
    Subaccount.objects.filter(pk=world.customer.pk).update(created_at=september)
    load(path)
    restricted = SimpleNamespace(
        partner_id=world.partner.pk,
        restricted=True,
        allowed_account_ids=[world.customer.account_id, third.account_id],
    )
    period = {"start": datetime.date(2026, 9, 20), "finish": datetime.date(2026, 10, 5)}

    def shown(view="folder", grouping="day", period=period) -> tuple[dict, bool]:
        with CaptureQueriesContext(connection) as captured:
            figured = figures(restricted, **period, view=view, grouping=grouping)
        assert figured == figures(restricted, **period, view=view, grouping=grouping, daily_rows=True)
        read = "".join(query["sql"] for query in captured)
        # the totals' reward from the customers' rollups while they stand for every month of the period
        assert ("reward_" in read) == (UsageRewardMonth.objects.count() == 2)
        return figured, (
            "finance_customerskuday" if view in ("service", "sku") else "finance_customerusageday"
        ) in read

    for view, grouping in (("folder", "day"), ("cloud", "week"), ("subaccount", "month")):
        figured, by_customers = shown(view, grouping)
        assert by_customers, (view, grouping)
    for view, grouping in (("service", "day"), ("sku", "month")):
        figured, by_customers = shown(view, grouping)
        assert by_customers and figured["count"], (view, grouping)
        assert figured["totals"][0]["consumption"] == D("37")
    ((total,),) = [figured["totals"]]
    assert (total["consumption"], total["discount"], total["adjustment"]) == (D("37"), D("4"), D("-2.5"))
    # from a day after the month's first with data to its end: each customer's rewards from the day on
    october = {"start": datetime.date(2026, 10, 5), "finish": datetime.date(2026, 10, 31)}
    figured, by_customers = shown("subaccount", "week", october)
    # 10-09: two customers' 3.00, ba-1's at 10% + the deal's 15%, ba-3's at 10%
    assert by_customers and figured["totals"][0]["reward"] == D("1.05")
    figured, by_customers = shown("service", "week", october)
    assert by_customers and figured["totals"][0]["reward"] == D("1.05")
    Subaccount.objects.filter(pk=third.pk).update(account=world.other.account)  # ba-3: not theirs now
    for view in ("folder", "service"):
        figured, by_customers = shown(view)
        assert not by_customers and figured["totals"][0]["consumption"] == D("18.5")
    usage_rewards_rebuild(start=datetime.date(2026, 9, 1), end=OCT)
    for view in ("folder", "service"):
        figured, by_customers = shown(view)
        assert by_customers and figured["totals"][0]["consumption"] == D("18.5")
    RebateTermFactory(program=Program.PARTNER_BONUS, rate=D("0.2000"), valid_from=OCT)  # October's off
    assert set(UsageRewardMonth.objects.values_list("month", flat=True)) == {datetime.date(2026, 9, 1)}
    figured, by_customers = shown()  # September's from the sums, October's from the daily rows
    assert by_customers and figured["totals"][0]["consumption"] == D("18.5")
    figured, by_customers = shown("service")  # a month off: the service view reads the daily rows
    assert not by_customers and figured["totals"][0]["consumption"] == D("18.5")


def test_a_kept_ranking_serves_the_next_pages_until_the_consumption_changes(world, tmp_path, other_partner):
    """The whole partner's folder ranking of a period is worked out once and kept (the next page, another
    page size, the same page again read it, never grouping the bucket's rows again), for its aggregates as
    they are: a re-import that changes the order and a detached month show at once; another partner with
    the same period never reads it."""
    partitions.ensure(datetime.date(2025, 1, 1), datetime.date(2025, 1, 31))

    def line(account, folder, cost):
        return (account, "2025-01-10", folder, "compute", "vcpu", cost, "0")

    load(billing_file(tmp_path, *(line("ba-1", f"f{n}", f"{n}0") for n in range(1, 6))))
    january = {"start": datetime.date(2025, 1, 1), "finish": datetime.date(2025, 1, 31), "view": "folder"}

    def shown(per_page=2, page=1, membership=world.whole) -> tuple[list, bool]:
        details = usage_details(membership=membership, **january, per_page=per_page, page=page)
        with CaptureQueriesContext(connection) as captured:
            keys = [row["key"] for row in details.page_rows()]
        daily = usage_details(membership=membership, **january, per_page=per_page, page=page, daily_rows=True)
        assert (details.page_rows(), len(details)) == (daily.page_rows(), len(daily))
        return keys, read_as(captured)

    assert shown() == (["f5", "f4"], "worked out")  # and kept: the ranking, the totals, the page
    assert shown() == (["f5", "f4"], "kept")
    assert shown(page=2) == (["f3", "f2"], "ranked, totals kept")
    assert shown(per_page=3, page=2) == (["f2", "f1"], "ranked, totals kept")
    load(billing_file(tmp_path, line("ba-1", "f1", "99"), line("ba-2", "f2", "1")))
    assert shown(per_page=5) == (["f1", "f2"], "worked out")  # the file's period replaced: f2–f5 are gone
    assert shown(per_page=5) == (["f1", "f2"], "kept")
    assert shown(per_page=1, page=2) == (["f2"], "ranked, totals kept")
    assert UsageVersion.objects.filter(partner=other_partner).exists()  # (every partner's, at an import)
    other = SimpleNamespace(partner_id=other_partner.pk, restricted=False)
    assert shown(membership=other) == ([], "worked out")
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # as in production: the rows are committed
    call_command("consumption_partitions", detach_before="2025-02", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert shown(per_page=5) == ([], "worked out")


def test_a_parts_ranking_is_kept_for_its_own_customers_and_search_until_a_subaccount_moves(world, tmp_path):
    """A member restricted to some customers, and a search, rank a period's folders from their own rows once
    and keep the ranking and the period's totals and chart (the next page reads them): each part its own — a
    member granted other customers, or another search, never reads them — and a subaccount moved to another
    customer shows at once; a new rate, with no import, in the totals at once (a move or a rate takes the
    month's rollup off: the totals are kept again once it is rebuilt)."""
    third = SubaccountFactory(account=AccountFactory(partner=world.partner), billing_account_id="ba-3")
    costs = [("ba-1", "f1", "50"), ("ba-1", "f2", "40"), ("ba-2", "f3", "30"), ("ba-2", "f4", "20")]
    costs.append(("ba-3", "f5", "45"))
    load(billing_file(tmp_path, *((ba, "2026-10-03", f, "compute", "vcpu", c, "0") for ba, f, c in costs)))
    period = {"start": OCT, "finish": datetime.date(2026, 10, 31), "view": "folder"}

    def restricted(*subaccounts):
        ids = sorted(subaccount.account_id for subaccount in subaccounts)
        return SimpleNamespace(partner_id=world.partner.pk, restricted=True, allowed_account_ids=ids)

    def shown(membership, page=1, q="") -> tuple[list, bool, bool]:
        """The page's keys, whether its ranking was kept, whether its totals and chart were."""
        part = {**period, "q": q, "per_page": 2, "page": page}
        details = usage_details(membership=membership, **part)
        with CaptureQueriesContext(connection) as captured:
            keys = [row["key"] for row in details.page_rows()]
        daily = usage_details(membership=membership, **part, daily_rows=True)
        assert (details.page_rows(), len(details)) == (daily.page_rows(), len(daily))
        assert (details.totals, details.chart) == (daily.totals, daily.chart)
        return keys, read_as(captured)

    member = restricted(world.customer, third)
    assert shown(member) == (["f1", "f5"], "worked out")  # and kept
    assert shown(member) == (["f1", "f5"], "kept")
    assert shown(member, page=2) == (["f2"], "ranked, totals kept")
    assert shown(restricted(world.customer)) == (["f1", "f2"], "worked out")  # another part: its own
    assert shown(world.whole, q="ba-2") == (["f3", "f4"], "worked out")
    assert shown(world.whole, q="ba-2", page=2) == ([], "ranked, totals kept")
    Subaccount.objects.filter(pk=third.pk).update(account=world.other.account)  # ba-3: not theirs now
    assert shown(member) == (["f1", "f2"], "worked out")
    # (the move took the month's rollup off: the totals' reward read from the rows until it is rebuilt)
    assert shown(member) == (["f1", "f2"], "ranked")
    usage_rewards_rebuild(start=OCT, end=OCT)
    assert shown(member) == (["f1", "f2"], "ranked")
    assert shown(member) == (["f1", "f2"], "kept")
    RebateTermFactory(program=Program.PARTNER_BONUS, rate=D("0.2000"), valid_from=OCT)  # the month's off
    assert shown(member) == (["f1", "f2"], "ranked")  # (the ranking by amounts stands; the reward not)
    assert shown(member) == (["f1", "f2"], "ranked")


def test_a_ranking_by_the_reward_is_kept_while_the_rates_and_own_use_stand(world, tmp_path):
    """The whole partner's folders sorted by the reward are ranked with every rule once and the ranking kept
    (the next page reads it) while the month's reward rollup stands for its rates, deals and own use: a new
    rate or a subaccount marked the partner's own changes the rewards with no import, and the pages follow
    them at once, as the daily rows give them, each worked out until the rollup is rebuilt (the next import
    of the month)."""
    costs = [("ba-1", "f1", "50"), ("ba-1", "f2", "40"), ("ba-2", "f3", "30"), ("ba-2", "f4", "20")]
    load(billing_file(tmp_path, *((ba, "2026-10-03", f, "compute", "vcpu", c, "0") for ba, f, c in costs)))
    load(billing_file(tmp_path, ("ba-2", "2026-10-20", "f4", "compute", "vcpu", "10", "0")))
    period = {"start": OCT, "finish": datetime.date(2026, 10, 31), "view": "folder", "grouping": "month"}

    def shown(page=1, order=("-reward",)) -> tuple[list, bool]:
        details = usage_details(membership=world.whole, **period, per_page=2, page=page)
        daily = usage_details(membership=world.whole, **period, per_page=2, page=page, daily_rows=True)
        details.order_by(order)
        daily.order_by(order)
        with CaptureQueriesContext(connection) as captured:
            keys = [row["key"] for row in details.page_rows()]
        assert (details.page_rows(), len(details)) == (daily.page_rows(), len(daily))
        assert (details.totals, details.chart) == (daily.totals, daily.chart)  # (kept, or worked out)
        return keys, read_as(captured)

    # worked out with every rule, and kept (f3, f4: 3.0 each)
    assert shown() == (["f1", "f2"], "worked out")
    assert shown() == (["f1", "f2"], "kept")
    assert shown(page=2) == (["f3", "f4"], "ranked, totals kept")
    assert shown(order=("-partner_pays",)) == (["f1", "f2"], "worked out")
    RebateTermFactory(program=Program.PARTNER_BONUS, rate=D("0.9000"), valid_from=datetime.date(2026, 10, 20))
    # f4's second day at the new rate: 2.0 + 9.0; f1's 5.0
    assert shown() == (["f4", "f1"], "worked out")
    assert shown(page=2) == (["f2", "f3"], "worked out")
    usage_rewards_rebuild(start=OCT, end=OCT)
    assert shown(page=2) == (["f2", "f3"], "worked out")
    assert shown() == (["f4", "f1"], "ranked, totals kept")
    Subaccount.objects.filter(pk=world.other.pk).update(is_partner_own=True)  # ba-2 earns nothing now
    assert shown() == (["f1", "f2"], "worked out")
    assert shown(page=2) == (["f3", "f4"], "worked out")  # (both nothing: by key)


def test_a_ranking_cut_among_equal_amounts_keeps_the_orders_next_terms(world, tmp_path):
    """The subaccount view's groups are cut to the top ones by the order's leading sum before they are named
    (its ties kept): fifteen subaccounts with the same consumption, ranked as far as the count reads (eleven
    rows a page of one), come in the order of their billing account ids, as the daily rows give them."""
    accounts = [f"ba-{n:02d}" for n in range(30, 15, -1)]
    for billing_account_id in accounts:
        SubaccountFactory(
            account=AccountFactory(partner=world.partner), billing_account_id=billing_account_id
        )
    load(billing_file(tmp_path, *((ba, "2026-10-03", "f1", "compute", "vcpu", "7", "0") for ba in accounts)))
    period = {"start": OCT, "finish": datetime.date(2026, 10, 31), "view": "subaccount", "per_page": 1}
    for order in ([], ["bucket", "consumption", "-key"]):
        shown = []
        for page in (1, 2, 12, 15):
            details = usage_details(membership=world.whole, **period, page=page)
            daily = usage_details(membership=world.whole, **period, page=page, daily_rows=True)
            details.order_by(order)
            daily.order_by(order)
            assert details.page_rows() == daily.page_rows(), (order, page)
            shown += [row["key"] for row in details.page_rows()]
        assert shown == (
            ["ba-16", "ba-17", "ba-27", "ba-30"] if not order else ["ba-30", "ba-29", "ba-19", "ba-16"]
        )


def test_a_renamed_or_deleted_subaccount_takes_its_partners_kept_rankings_off(world, tmp_path, other_partner):
    """A ranking of the subaccount view orders by the subaccounts' names and billing account ids: a rename
    shows in the next page's order at once, whoever writes it; a change of anything else keeps it."""
    day = [(ba, "2026-10-03", f"f{ba}", "compute", "vcpu", "5", "0") for ba in ("ba-1", "ba-2")]
    load(billing_file(tmp_path, *day))
    Subaccount.objects.filter(pk=world.customer.pk).update(name="Beta")
    Subaccount.objects.filter(pk=world.other.pk).update(name="Alpha")
    period = {"start": OCT, "finish": datetime.date(2026, 10, 31), "view": "subaccount", "grouping": "month"}

    def names():
        details = usage_details(membership=world.whole, **period)
        details.order_by(["bucket", "name"])
        return [row["name"] for row in details.page_rows()]

    def version(partner):
        versions = SubaccountsVersion.objects.filter(partner_id=partner.pk)
        return versions.values_list("version", flat=True).first()

    assert names() == ["Alpha", "Beta"]
    kept, others = version(world.partner), version(other_partner)
    Subaccount.objects.filter(pk=world.customer.pk).update(customer_email="new@example.com")
    assert version(world.partner) == kept
    Subaccount.objects.filter(pk=world.customer.pk).update(name="Aardvark")
    assert version(world.partner) != kept and version(other_partner) == others
    assert names() == ["Aardvark", "Alpha"]
    kept = version(world.partner)
    world.other.delete()
    assert version(world.partner) != kept
    assert names() == ["Aardvark"]


@pytest.mark.django_db(transaction=True)
def test_a_rename_never_waits_for_an_import_that_holds_the_partners_token(world):
    """An import (or any rebuild) holds its partners' UsageVersion rows to its commit, minutes for a large
    file: a subaccount renamed meanwhile is saved at once, its own token (SubaccountsVersion) made new."""
    UsageVersion.objects.create(partner=world.partner, version=uuid.uuid4())
    importer = another_connection()
    try:
        locked = "SELECT 1 FROM finance_usageversion WHERE partner_id = %s FOR UPDATE"
        importer.execute(locked, [world.partner.pk])
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '2s'")
            Subaccount.objects.filter(pk=world.customer.pk).update(name="Renamed during the import")
        assert Subaccount.objects.get(pk=world.customer.pk).name == "Renamed during the import"
        assert SubaccountsVersion.objects.filter(partner_id=world.partner.pk).exists()
    finally:
        importer.close()


@time_machine.travel(datetime.datetime(2026, 10, 20, 9, tzinfo=datetime.UTC), tick=False)
def test_an_import_works_out_the_rankings_a_large_partner_opens_first(
    world, tmp_path, other_partner, member, client_for, celery_eager, django_capture_on_commit_callbacks
):
    """Once an import commits, a partner of USAGE_WARM_SUBACCOUNTS subaccounts or more has the rankings of its
    whole folder, cloud and subaccount views of each preset period worked out and kept: the first member to
    open one reads it kept (the first page, with its ranking, totals and chart). A smaller partner's are
    worked out by the first to open them."""
    from django.test import override_settings

    from finance.tasks import warm_usage_rankings
    from portal.models import OutboxMessage
    from portal.permissions import Role

    SubaccountFactory(account=AccountFactory(partner=other_partner), billing_account_id="ba-9")
    lines = [
        (account, day, f"f{account}-{n}", "compute", "vcpu", f"{n}{day[-1]}", "0")
        for account in ("ba-1", "ba-2", "ba-9")
        for day in ("2026-09-30", "2026-10-05", "2026-10-19")
        for n in range(1, 4)
    ]
    with override_settings(USAGE_WARM_SUBACCOUNTS=2), django_capture_on_commit_callbacks(execute=True):
        load(billing_file(tmp_path, *lines))
    warmed = OutboxMessage.objects.filter(task=warm_usage_rankings.name)
    assert list(warmed.values_list("args", flat=True)) == [[world.partner.pk]]  # not the other's (1)
    assert warmed.get().done_at is not None

    def first_opening(membership, **asked) -> str:
        with CaptureQueriesContext(connection) as captured:
            page = client_for(membership).get(reverse("finance:usage"), asked)
        assert page.status_code == 200 and page.context["details"].page_rows()
        return read_as(captured)

    mine, theirs = member(), MembershipFactory(partner=other_partner, role=Role.ADMINISTRATOR)
    for asked in (
        {"view": "folder"},  # this month, by day
        {"view": "cloud", "group": "week", "period": "last_30_days"},
        {"view": "subaccount", "group": "month", "period": "last_month"},
    ):
        assert first_opening(mine, **asked) == "kept", asked
        assert first_opening(theirs, **asked) == "worked out", asked  # now, by this opening
        assert first_opening(theirs, **asked) == "kept", asked


def test_a_folder_that_changed_cloud_counts_in_each_cloud_it_was_in(world, tmp_path):
    """The whole partner's cloud view works out a page's rows from the subaccounts that hold its clouds: a
    folder moved to another cloud is held under both, and each cloud's rows are its days' (the daily rows'
    page, in the default order and by consumption)."""
    path = billing_file(
        tmp_path,
        ("ba-1", "2026-10-03", "f1", "compute", "vcpu", "40.00", "-1.00"),
        ("ba-1", "2026-10-20", "f1", "compute", "vcpu", "30.00", "0"),
        ("ba-2", "2026-10-20", "f2", "compute", "vcpu", "5.00", "0"),
    )
    header, first, *others = path.read_text(encoding="utf-8").splitlines()
    moved = first.replace("cloud-ba-1", "cloud-old")  # f1's first day, in a cloud it left
    path.write_text("\n".join([header, moved, *others]) + "\n", encoding="utf-8")
    load(path)
    period = {"start": OCT, "finish": datetime.date(2026, 10, 31)}
    for grouping, order, page in itertools.product(("day", "week", "month"), ([], ["-consumption"]), (1, 2)):
        asked = {**period, "view": "cloud", "grouping": grouping, "per_page": 1, "page": page}
        details = usage_details(membership=world.whole, **asked)
        daily = usage_details(membership=world.whole, **asked, daily_rows=True)
        details.order_by(order)
        daily.order_by(order)
        assert details.page_rows() == daily.page_rows(), (grouping, order, page)
    rows = figures(world.whole, **period, view="cloud", grouping="month")["page"]
    assert [(row["key"], row["consumption"]) for row in rows] == [
        ("cloud-old", D("40.00")),
        ("cloud-ba-1", D("30.00")),
        ("cloud-ba-2", D("5.00")),
    ]


def monthly_from_daily() -> tuple[set, set]:
    """MonthlyUsage's rows, and DailyUsage summed by month as they should be."""
    kept = set(
        MonthlyUsage.objects.values_list("subaccount_id", "month", "cloud_id", "folder_id", "cost", "paid")
    )
    summed = {}
    for row in DailyUsage.objects.all():
        key = (row.subaccount_id, row.date.replace(day=1), row.cloud_id, row.folder_id)
        cost, paid = summed.get(key, (D(0), D(0)))
        summed[key] = (cost + row.cost, paid + row.paid)
    return kept, {(*key, cost, paid) for key, (cost, paid) in summed.items()}


def test_the_monthly_folder_aggregate_follows_the_import_and_the_whole_partners_months_read_it(
    world, tmp_path
):
    """By month, the whole partner's folder, cloud and subaccount views read a month whose days are all in
    the period from MonthlyUsage (the rest day by day, the partner's own subaccount from its daily rows):
    the same figures as the daily rows, before and after a re-import of the month."""
    Subaccount.objects.filter(pk=world.other.pk).update(is_partner_own=True)  # earns nothing: read apart
    period = {"start": datetime.date(2026, 9, 20), "finish": datetime.date(2026, 11, 30), "grouping": "month"}
    for cost in ("100.00", "7.50"):
        load(
            billing_file(
                tmp_path,
                ("ba-1", "2026-10-03", "f1", "compute", "vcpu", cost, "-1.00"),
                ("ba-1", "2026-10-20", "f1", "compute", "ram", "3.00", "0"),
                ("ba-1", "2026-10-20", "f2", "storage", "std", "5.00", "0"),
                ("ba-2", "2026-10-04", "f9", "compute", "vcpu", "20.00", "0"),
                ("ba-1", "2026-11-02", "f1", "compute", "vcpu", "1.00", "0"),
            )
        )
        kept, summed = monthly_from_daily()
        assert kept == summed and len(kept) == 4  # f1, f2 and f9 in October, f1 in November
        for view in ("folder", "cloud", "subaccount"):
            shown = figures(world.whole, **period, view=view)
            assert shown == figures(world.whole, **period, view=view, daily_rows=True)
        rows = figures(world.whole, **period, view="folder")["page"]
        f1 = {(row["bucket"], row["key"]): row for row in rows}[(datetime.date(2026, 10, 1), "f1")]
        assert (f1["consumption"], f1["reward"]) == (D(cost) + 3, (D(cost) - 1 + 3) * D("0.1"))


def test_an_import_and_its_reimport_keep_the_aggregates(world, tmp_path):
    load(
        billing_file(
            tmp_path,
            ("ba-1", "2026-10-03", "f1", "compute", "vcpu", "100.00", "0"),
            ("ba-1", "2026-10-03", "f1", "compute", "ram", "50.00", "-10.00"),  # same day and folder: summed
            ("ba-1", "2026-10-03", "f2", "storage", "std", "5.00", "0"),
            ("ba-2", "2026-10-04", "f9", "compute", "vcpu", "20.00", "0"),
        )
    )
    assert daily() == {
        ("ba-1", datetime.date(2026, 10, 3), "f1", D("150"), D("140")),
        ("ba-1", datetime.date(2026, 10, 3), "f2", D("5"), D("5")),
        ("ba-2", datetime.date(2026, 10, 4), "f9", D("20"), D("20")),
    }
    assert set(DailySkuUsage.objects.values_list("date", "sku_id", "cost")) == {
        (datetime.date(2026, 10, 3), "vcpu", D("100")),
        (datetime.date(2026, 10, 3), "ram", D("50")),
        (datetime.date(2026, 10, 3), "std", D("5")),
        (datetime.date(2026, 10, 4), "vcpu", D("20")),
    }
    assert totals(world) == {"RUB": (D("175"), D("16.5"))}

    # billing sends the period (3–4 October) again: other figures, and ba-2 is gone from the file
    load(
        billing_file(
            tmp_path,
            ("ba-1", "2026-10-03", "f1", "compute", "vcpu", "300.00", "0"),
            ("ba-1", "2026-10-04", "f1", "compute", "vcpu", "1.00", "0"),
        )
    )
    assert daily() == {
        ("ba-1", datetime.date(2026, 10, 3), "f1", D("300"), D("300")),
        ("ba-1", datetime.date(2026, 10, 4), "f1", D("1"), D("1")),
    }
    assert set(DailySkuUsage.objects.values_list("date", "sku_id", "cost")) == {
        (datetime.date(2026, 10, 3), "vcpu", D("300")),
        (datetime.date(2026, 10, 4), "vcpu", D("1")),
    }
    assert totals(world, view="sku") == {"RUB": (D("301"), D("30.1"))}


def test_a_changed_exclusion_list_reaches_the_aggregates(world, tmp_path):
    load(
        billing_file(
            tmp_path,
            ("ba-1", "2026-10-03", "f1", "compute", "vcpu", "100.00", "0"),
            ("ba-1", "2026-10-03", "f1", "market", "app", "40.00", "0"),
        )
    )
    assert totals(world, view="service") == {"RUB": (D("140"), D("14"))}
    Exclusion.objects.create(kind="marketplace", service_id="market")
    exclusions_apply(service_ids=["market"])
    assert daily() == {("ba-1", datetime.date(2026, 10, 3), "f1", D("140"), D("100"))}
    assert totals(world, view="service") == {"RUB": (D("140"), D("10"))}
    assert totals(world, view="folder") == {"RUB": (D("140"), D("10"))}


def test_the_partners_own_use_and_a_referred_customer_need_no_rebuild(world, tmp_path):
    """Whether a subaccount earns is read with the aggregates, never stored in them: an admin marking a
    subaccount the partner's own changes Subaccount details at once, the same on either path."""
    load(
        billing_file(
            tmp_path,
            ("ba-1", "2026-10-03", "f1", "compute", "vcpu", "100.00", "0"),
            ("ba-2", "2026-10-03", "f2", "compute", "vcpu", "30.00", "0"),
        )
    )
    assert totals(world, view="sku") == {"RUB": (D("130"), D("13"))}
    Subaccount.objects.filter(pk=world.customer.pk).update(is_partner_own=True)
    for view in USAGE_VIEWS:
        assert totals(world, view=view) == {"RUB": (D("130"), D("3"))}


def test_a_detached_month_leaves_the_page_on_either_path_and_keeps_its_monthly_aggregates(
    world, tmp_path, member, client_for
):
    partitions.ensure(datetime.date(2025, 1, 1), datetime.date(2025, 1, 31))
    load(billing_file(tmp_path, ("ba-1", "2025-01-10", "f1", "compute", "vcpu", "80.00", "0")))
    load(billing_file(tmp_path, ("ba-1", "2026-10-03", "f1", "compute", "vcpu", "100.00", "0")))
    january = {"start": datetime.date(2025, 1, 1), "finish": datetime.date(2025, 1, 31)}
    assert figures(world.whole, **january)["totals"][0]["consumption"] == D("80")
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # as in production: the rows are committed
    call_command("consumption_partitions", detach_before="2025-02", stdout=open(os.devnull, "w"))  # noqa: SIM115
    for view in USAGE_VIEWS:
        assert figures(world.whole, **january, view=view) == figures(
            world.whole, **january, view=view, daily_rows=True
        )
        assert figures(world.whole, **january, view=view)["totals"] == []
    assert MonthlyConsumption.objects.filter(month=datetime.date(2025, 1, 1)).exists()
    assert not MonthlyUsage.objects.filter(month=datetime.date(2025, 1, 1)).exists()  # (daily ones summed)
    assert daily() == {("ba-1", datetime.date(2026, 10, 3), "f1", D("100"), D("100"))}  # October stays
    response = client_for(member()).get(reverse("finance:usage"), {"period": "custom", **january})
    assert "No consumption in this period." in response.content.decode()


def test_a_deal_approved_after_the_import_and_a_rate_changing_mid_month_count_at_once(world, tmp_path):
    """Whole October, read from the monthly aggregate while its rate is one rate: a deal approved after
    the import earns its extra on the page at once (the partner aggregate's deal part no longer stands for
    the month's deals, so their rows are read), and the next import brings the aggregate in line; a base
    rate changing on 15 October makes the month's totals count day by day — the daily rows' figures
    every time."""
    load(
        billing_file(
            tmp_path,
            ("ba-1", "2026-10-03", "f1", "compute", "vcpu", "100.00", "0"),
            ("ba-2", "2026-10-20", "f9", "compute", "vcpu", "20.00", "0"),
        )
    )
    assert totals(world) == {"RUB": (D("120"), D("12"))}
    RebateTermFactory(program=Program.DEAL_EXTRA, rate=D("0.1500"), valid_from=datetime.date(2026, 1, 1))
    september = datetime.datetime(2026, 9, 1, 12, tzinfo=datetime.UTC)
    RegistrationFactory(account=world.customer.account, status="approved", decided_at=september)
    Subaccount.objects.filter(pk=world.customer.pk).update(created_at=september)
    for view in USAGE_VIEWS:
        assert totals(world, view=view) == {"RUB": (D("120"), D("27"))}  # 100 × (10% + 15%) + 20 × 10%
    sku_rows = figures(world.whole, start=OCT, finish=datetime.date(2026, 10, 31), view="sku")["rows"]
    assert sku_rows[0][7] == D("25")  # 3 October's vCPU: the deal's extra in the row too

    load(billing_file(tmp_path, ("ba-1", "2026-10-03", "f1", "compute", "vcpu", "100.00", "0")))
    assert DailySkuUsage.objects.get(date=datetime.date(2026, 10, 3)).deal_paid == D("100")
    assert totals(world, view="sku") == {"RUB": (D("120"), D("27"))}

    RebateTermFactory(program=Program.PARTNER_BONUS, rate=D("0.2000"), valid_from=datetime.date(2026, 10, 15))
    for view in USAGE_VIEWS:
        assert totals(world, view=view) == {"RUB": (D("120"), D("29"))}  # 20 × 20% from the 15th


# The import rebuilds the monthly and daily aggregates in one pass and the accrual adds what it wrote to the
# customer months; both must leave exactly what a rebuild from scratch (the definitions themselves) gives.


def aggregates() -> dict[str, set]:
    """Every aggregate cell, without ids."""
    models = {
        "monthly": MonthlyConsumption,
        "daily": DailyUsage,
        "sku": DailySkuUsage,
        "customer": CustomerMonth,
        "reward_day": UsageRewardDay,
        "reward_month": UsageRewardMonth,
        "customer_day": CustomerUsageDay,
    }
    return {
        name: {tuple(row) for row in model.objects.values_list(*[f.attname for f in model._meta.fields][1:])}
        for name, model in models.items()
    }


def from_scratch() -> dict[str, set]:
    """The aggregates rebuilt from nothing by their definitions (rolled back afterwards)."""
    every = {"start": datetime.date(2000, 1, 1), "end": datetime.date(2100, 1, 1), "partner": None}
    with transaction.atomic():
        models = (
            MonthlyConsumption,
            DailyUsage,
            DailySkuUsage,
            CustomerMonth,
            UsageRewardDay,
            UsageRewardMonth,
            CustomerUsageDay,
        )
        for model in models:
            model.objects.all().delete()
        with connection.cursor() as cursor:
            cursor.execute(MONTHLY_UPSERT_SQL.format(only_c=""), every)
            cursor.execute("SELECT min(date), max(date) FROM finance_consumption")
            first, last = cursor.fetchone()
        daily_usage_rebuild(start=every["start"], end=every["end"])
        customer_months_rebuild(start=every["start"], end=every["end"])
        if first is not None:  # (the months with daily rows: a rebuild per partner and month)
            deal_usage_rebuild(start=first, end=last)
            usage_rewards_rebuild(start=first, end=last)
        rebuilt = aggregates()
        transaction.set_rollback(True)
    return rebuilt


@time_machine.travel(datetime.datetime(2026, 11, 10, tzinfo=datetime.UTC), tick=False)
def test_a_reimport_that_drops_a_subaccount_and_its_accrual_leave_every_aggregate_as_from_scratch(
    world, tmp_path
):
    load(
        billing_file(
            tmp_path,
            ("ba-1", "2026-09-30", "f1", "compute", "vcpu", "70.00", "0"),
            ("ba-1", "2026-10-03", "f1", "compute", "vcpu", "100.00", "0"),
            ("ba-1", "2026-10-03", "f2", "storage", "std", "5.00", "-1.00"),
            ("ba-2", "2026-10-03", "f9", "compute", "vcpu", "20.00", "0"),
            ("ba-2", "2026-10-04", "f9", "compute", "ram", "8.00", "0"),
            ("ba-2", "2026-10-10", "f9", "storage", "std", "3.00", "0"),  # after the second file's period
        )
    )
    accrue_month(partner_id=world.partner.pk, month=OCT)
    assert aggregates() == from_scratch()
    # billing sends 3–4 October again: ba-2 gone from those days, ba-1 changed (October stays partial)
    load(
        billing_file(
            tmp_path,
            ("ba-1", "2026-10-03", "f1", "compute", "vcpu", "300.00", "0"),
            ("ba-1", "2026-10-04", "f1", "compute", "vcpu", "1.00", "0"),
        )
    )
    assert aggregates() == from_scratch()
    assert set(DailyUsage.objects.filter(subaccount=world.other).values_list("date", flat=True)) == {
        datetime.date(2026, 10, 10)
    }
    assert set(
        MonthlyConsumption.objects.filter(subaccount=world.other).values_list("month", "service_id")
    ) == {(OCT, "storage")}
    assert accrue_month(partner_id=world.partner.pk, month=OCT)[Program.PARTNER_BONUS] == 2  # both corrected
    assert aggregates() == from_scratch()
    assert CustomerMonth.objects.get(account=world.other.account).partner_bonus == D("0.30")


@time_machine.travel(datetime.datetime(2026, 11, 10, tzinfo=datetime.UTC), tick=False)
def test_a_correction_of_one_customer_changes_only_that_customers_month(world, tmp_path):
    lines = [
        ("ba-1", "2026-10-03", "f1", "compute", "vcpu", "100.00", "0"),
        ("ba-2", "2026-10-03", "f9", "compute", "vcpu", "20.00", "0"),
    ]
    load(billing_file(tmp_path, *lines))
    accrue_month(partner_id=world.partner.pk, month=OCT)
    before = {c.account_id: c for c in CustomerMonth.objects.all()}
    load(billing_file(tmp_path, lines[0], ("ba-2", "2026-10-03", "f9", "compute", "vcpu", "50.00", "0")))
    assert accrue_month(partner_id=world.partner.pk, month=OCT)[Program.PARTNER_BONUS] == 1
    assert aggregates() == from_scratch()
    after = {c.account_id: c for c in CustomerMonth.objects.all()}
    assert after[world.other.account_id].partner_bonus == D("5.00")
    untouched = world.customer.account_id
    assert (after[untouched].pk, after[untouched].partner_bonus) == (before[untouched].pk, D("10.00"))


def test_a_recorded_accrual_reaches_its_customers_month_as_from_scratch(world):
    record = {
        "partner_id": world.partner.pk,
        "period": OCT,
        "source": "manual",
        "rate": D("0.1000"),
        "currency": "RUB",
    }
    accrual_record(**record, subaccount_id=world.customer.pk, program=Program.PARTNER_BONUS, basis=D("120"))
    accrual_record(**record, subaccount_id=world.customer.pk, program=Program.DEAL_EXTRA, basis=D("40"))
    accrual_record(**record, subaccount_id=world.other.pk, program=Program.REFERRAL, basis=D("90"))
    assert aggregates() == from_scratch()
    month = CustomerMonth.objects.get(account=world.customer.account)
    assert (month.partner_bonus, month.deal_extra, month.paid) == (D("12.00"), D("4.00"), 0)
    assert not CustomerMonth.objects.filter(account=world.other.account).exists()  # not a bonus program


# --- the whole partner's reward rollup (finance/usage_rewards.py) -------------------------------------------


def rolled(world, start, finish) -> list:
    """How the whole partner's totals read each month's reward from the rollup: (month, part, day)."""
    return _whole_months(world.partner.pk, start, finish, "default", whole_partner=True).rolled


SEP, NOV = datetime.date(2026, 9, 1), datetime.date(2026, 11, 1)


def test_the_reward_totals_are_the_rules_rounded_per_subaccount_month_for_whole_and_partial_months(
    world, tmp_path
):
    """The totals' reward, the rollup read for whole months, a month's start or its end, and the days read
    for a period inside a month: each subaccount's month (its days in the period) at each day's rate, rounded
    once, summed — the rules worked out here by hand, with fractions of a kopeck that round differently per
    subaccount than in total, and a base rate of 10% that becomes 20% on 15 October."""
    partitions.ensure(SEP, SEP)
    RebateTermFactory(program=Program.PARTNER_BONUS, rate=D("0.2000"), valid_from=datetime.date(2026, 10, 15))
    third = SubaccountFactory(account=AccountFactory(partner=world.partner), billing_account_id="ba-3")
    rows = [  # (billing account, day, paid)
        ("ba-1", datetime.date(2026, 9, 10), D("1.05")),
        ("ba-2", datetime.date(2026, 9, 25), D("2.25")),
        ("ba-1", datetime.date(2026, 10, 3), D("0.35")),
        ("ba-1", datetime.date(2026, 10, 20), D("0.35")),
        ("ba-2", datetime.date(2026, 10, 10), D("0.05")),
        ("ba-2", datetime.date(2026, 10, 28), D("0.15")),
        ("ba-3", datetime.date(2026, 10, 16), D("0.0250")),
        ("ba-3", datetime.date(2026, 10, 17), D("0.0250")),
        ("ba-1", datetime.date(2026, 11, 2), D("7.77")),
    ]
    load(
        billing_file(
            tmp_path, *[(a, d.isoformat(), "f1", "compute", "vcpu", str(p), "0") for a, d, p in rows]
        )
    )
    assert third.pk

    def rules(start, finish):
        """Σ over subaccount-months of round(Σ paid × the day's rate), the days of the period only."""
        months = {}
        for account, day, paid in rows:
            if start <= day <= finish:
                rate = D("0.20") if day >= datetime.date(2026, 10, 15) else D("0.10")
                key = (account, day.replace(day=1))
                months[key] = months.get(key, D("0")) + paid * rate
        return sum((round_money(v) for v in months.values()), D("0"))

    periods = {  # the period: how the rollup is read
        (SEP, datetime.date(2026, 11, 30)): [(SEP, "upto"), (OCT, "upto"), (NOV, "upto")],
        (OCT, datetime.date(2026, 10, 31)): [(OCT, "upto")],  # the month whose rate changes
        (datetime.date(2026, 9, 15), datetime.date(2026, 10, 20)): [(SEP, "onward"), (OCT, "upto")],
        (datetime.date(2026, 10, 16), datetime.date(2026, 11, 30)): [(OCT, "onward"), (NOV, "upto")],
        (datetime.date(2026, 10, 5), datetime.date(2026, 10, 25)): [],  # inside October: its days
        (datetime.date(2026, 10, 17), datetime.date(2026, 10, 17)): [],
    }
    for (start, finish), parts in periods.items():
        assert [(month, part) for month, part, _day in rolled(world, start, finish)] == parts
        for view in ("service", "subaccount"):
            shown = totals(world, start=start, finish=finish, view=view)
            assert shown["RUB"][1] == rules(start, finish), (start, finish)
    # the month at a glance: 0.1 + 0.3 (September); 0.04 + 0.02 + 0.01 (October: 0.035 + 0.07 = 0.105 →
    # 0.11 for ba-1, 0.005 + 0.03 = 0.035 → 0.04 for ba-2, 0.005 + 0.005 → 0.01 for ba-3); 1.55 (November)
    assert totals(world, start=OCT, finish=datetime.date(2026, 10, 31))["RUB"][1] == D("0.16")


def test_the_reward_rollup_after_a_deal_change_is_read_no_more_until_the_next_import(world, tmp_path):
    """A deal approved after the import changes what October's subaccounts earn: the rollup's digest is no
    longer October's, so the page reads October's rows as before (the daily rows' figures), and the next
    import of October brings the rollup back to what a rebuild from scratch gives, read again."""
    lines = [
        ("ba-1", "2026-10-03", "f1", "compute", "vcpu", "100.05", "0"),
        ("ba-2", "2026-10-20", "f9", "compute", "vcpu", "20.00", "0"),
    ]
    load(billing_file(tmp_path, *lines))
    october = (OCT, datetime.date(2026, 10, 31))
    assert rolled(world, *october) == [(OCT, "upto", october[1])]
    assert aggregates() == from_scratch()
    assert totals(world) == {"RUB": (D("120.05"), D("12.01"))}

    RebateTermFactory(program=Program.DEAL_EXTRA, rate=D("0.1500"), valid_from=datetime.date(2026, 1, 1))
    assert rolled(world, *october) == []  # the extra's rates changed
    assert totals(world) == {"RUB": (D("120.05"), D("12.01"))}
    september = datetime.datetime(2026, 9, 1, 12, tzinfo=datetime.UTC)
    RegistrationFactory(account=world.customer.account, status="approved", decided_at=september)
    Subaccount.objects.filter(pk=world.customer.pk).update(created_at=september)
    assert rolled(world, *october) == []
    assert totals(world) == {"RUB": (D("120.05"), D("27.01"))}  # 100.05 × 25% = 25.0125 → 25.01, + 2
    assert aggregates() != from_scratch()  # (the rollup as it was: not read)

    load(billing_file(tmp_path, *lines))
    assert aggregates() == from_scratch()
    assert rolled(world, *october) == [(OCT, "upto", october[1])]
    assert totals(world) == {"RUB": (D("120.05"), D("27.01"))}
    Subaccount.objects.filter(pk=world.other.pk).update(is_partner_own=True)  # own use: not read either
    assert rolled(world, *october) == []
    assert totals(world) == {"RUB": (D("120.05"), D("25.01"))}


# --- what the rollups stand for, kept by the sources' triggers (finance's migration 0032)


def kept() -> set:
    """The months of the reward rollup and of the partner aggregate's deal part there are rows of."""
    return {("reward", *row) for row in UsageRewardMonth.objects.values_list("partner_id", "month")} | {
        ("deals", *row) for row in DealUsage.objects.values_list("partner_id", "month")
    }


def stale_kept() -> set:
    """The kept months whose digest is no longer the month's (what the page checked before the triggers):
    none may be left by any change."""
    before = kept()
    with transaction.atomic():
        stale_rows_purge()
        after = kept()
        transaction.set_rollback(True)
    return before - after


def approved_deal(world, decided=datetime.datetime(2026, 10, 5, 12, tzinfo=datetime.UTC)):
    return RegistrationFactory(account=world.customer.account, status="approved", decided_at=decided)


def _approve(world):
    registration = RegistrationFactory(account=world.customer.account, status="submitted")
    registration_approve(registration=registration, actor=None)


def late_deal(world):
    """An approved deal whose customer's subaccount came after its window: due to expire."""
    approved_deal(world)
    late = datetime.datetime(2027, 1, 1, tzinfo=datetime.UTC)
    Subaccount.objects.filter(account=world.customer.account).update(created_at=late)


def _expire(world):
    due = datetime.datetime(2026, 10, 6, tzinfo=datetime.UTC)
    Registration.objects.filter(account=world.customer.account).update(expires_at=due)
    assert registrations_expire()["expired"] == 1


def _withdraw(world):
    registration = RegistrationFactory(account=world.customer.account, status="submitted")
    registration_withdraw(registration=registration, actor=None)


def _term_edit(world):
    term = RebateTerm.objects.get(program=Program.PARTNER_BONUS)
    term.rate = D("0.1200")
    term.save()


def _own(world):
    world.other.is_partner_own = True
    world.other.save()


def _rename(world):
    world.other.name = "renamed"
    world.other.save()


def _settings(world):
    terms = ProgramSettings.current()
    terms.deal_subaccount_days = 30
    terms.save()


SEP_OCT = {("reward", SEP), ("reward", OCT), ("deals", SEP), ("deals", OCT)}
# (what is there before the load, the change after it, the kept months left)
WRITERS = {
    "a deal approved (tools/services.py) in October": (None, _approve, {("reward", SEP), ("deals", SEP)}),
    "an approved deal expired (the daily beat)": (late_deal, _expire, {("reward", SEP), ("deals", SEP)}),
    "a draft withdrawn: never earned": (None, _withdraw, SEP_OCT),
    "a base rate from 15 October": (
        None,
        lambda world: RebateTermFactory(
            program=Program.PARTNER_BONUS, rate=D("0.2000"), valid_from=datetime.date(2026, 10, 15)
        ),
        {("reward", SEP), ("deals", SEP), ("deals", OCT)},
    ),
    "a deal extra's rate": (
        None,
        lambda world: RebateTermFactory(
            program=Program.DEAL_EXTRA, rate=D("0.1500"), valid_from=datetime.date(2026, 1, 1)
        ),
        {("deals", SEP), ("deals", OCT)},
    ),
    "another program's term": (
        None,
        lambda world: RebateTermFactory(
            program=Program.PROJECT_REBATE, rate=D("0.1500"), valid_from=datetime.date(2026, 1, 1)
        ),
        SEP_OCT,
    ),
    "the base rate edited (admin's save)": (None, _term_edit, {("deals", SEP), ("deals", OCT)}),
    "a subaccount marked the partner's own": (None, _own, set()),
    "a referred customer's sign-up": (
        None,
        lambda world: ReferredCustomerFactory(
            link=ReferralLinkFactory(partner=world.partner), account=world.other.account
        ),
        set(),
    ),
    "a deal's customer's new subaccount": (
        approved_deal,
        lambda world: SubaccountFactory(account=world.customer.account, billing_account_id="ba-new"),
        {("reward", SEP), ("deals", SEP)},
    ),
    "a subaccount renamed": (None, _rename, SEP_OCT),
    "the days to create a deal's subaccount": (None, _settings, set()),
}


@time_machine.travel(datetime.datetime(2026, 10, 20, 9, tzinfo=datetime.UTC), tick=False)
@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_every_change_of_what_the_rollups_stand_for_takes_its_months_off_in_its_transaction(
    world, tmp_path, writer
):
    """Whoever changes a deal, a rate, own use, a referred customer or the program setting — the workflow, a
    service, admin's save, the daily beat, a queryset update — the triggers take the months it may touch off
    the rollups in the same transaction, and only those: no month is left whose digest is no longer its own,
    the page's figures stay the daily rows' to the kopeck, and the next import of the months brings every
    aggregate back to what a rebuild from scratch gives."""
    before, change, left = WRITERS[writer]
    RebateTermFactory(program=Program.DEAL_EXTRA, rate=D("0.0500"), valid_from=datetime.date(2026, 1, 1))
    if before is not None:
        before(world)
    lines = [
        ("ba-1", "2026-09-05", "f1", "compute", "vcpu", "100.05", "0"),
        ("ba-1", "2026-10-03", "f1", "compute", "vcpu", "33.33", "0"),
        ("ba-2", "2026-10-08", "f9", "compute", "vcpu", "20.07", "0"),
    ]
    load(billing_file(tmp_path, *lines))
    partner = world.partner.pk
    assert kept() == {(table, partner, month) for table, month in SEP_OCT}
    period = {"start": SEP, "finish": datetime.date(2026, 10, 31)}
    shown = totals(world, **period)

    change(world)
    assert kept() == {(table, partner, month) for table, month in left}
    assert stale_kept() == set()
    for view in USAGE_VIEWS:
        totals(world, view=view, **period)  # (each the daily rows' figures)
    if left == SEP_OCT:
        assert totals(world, **period) == shown

    load(billing_file(tmp_path, *lines))
    assert kept() == {(table, partner, month) for table, month in SEP_OCT}
    assert aggregates() == from_scratch()
    assert stale_kept() == set()


def test_a_rebuild_keeps_the_changes_of_its_partner_out_until_it_commits(world, tmp_path):
    """A rebuild holds its partner's lock (exclusive) to the end of its transaction: a change of that
    partner's sources, on another connection, waits for it (so the rebuild saw the change, or the change
    takes the months off after it) while another partner's does not."""
    load(billing_file(tmp_path, ("ba-1", "2026-10-03", "f1", "compute", "vcpu", "100.00", "0")))
    other = another_connection(autocommit=True)
    try:
        try_lock = "SELECT pg_try_advisory_xact_lock_shared(%s, %s)"
        with other.transaction():
            assert other.execute(try_lock, [LOCK_PARTNER, world.partner.pk]).fetchone() == (False,)
            assert other.execute(try_lock, [LOCK_PARTNER, world.partner.pk + 1]).fetchone() == (True,)
            assert other.execute("SELECT pg_try_advisory_xact_lock(%s, 0)", [LOCK_ALL]).fetchone() == (
                False,
            )  # a change of every partner's rates waits too
    finally:
        other.close()


def test_the_customers_skus_are_read_under_their_partners_lock(world):
    """The daily aggregates' rebuild reads each subaccount's customer for the customers' SKUs, so it takes the
    partner's rebuild lock first: a subaccount moved on another connection and not yet committed (its trigger
    holds the partner's lock shared) makes it wait — it then reads the move, or the move takes the months off
    after it — while a change of another partner's does not."""
    Consumption.objects.bulk_create([ConsumptionFactory.build(subaccount=world.customer, date=OCT)])
    other = another_connection()
    try:
        for partner, waits in ((world.partner.pk, True), (world.partner.pk + 1, False)):
            with other.transaction():
                other.execute("SELECT pg_advisory_xact_lock_shared(%s, %s)", [LOCK_PARTNER, partner])
                with contextlib.ExitStack() as stack:
                    if waits:
                        stack.enter_context(pytest.raises(OperationalError, match="lock timeout"))
                    with transaction.atomic(), connection.cursor() as cursor:
                        cursor.execute("SET LOCAL lock_timeout = '300ms'")
                        daily_usage_rebuild(start=OCT, end=OCT)
        assert CustomerSkuDay.objects.filter(account=world.customer.account).count() == 1
    finally:
        other.close()


def test_the_migration_takes_off_the_months_whose_digest_is_no_longer_theirs(world, tmp_path):
    """Rows built before the triggers: the migration's purge deletes those whose digest a change made stale
    (what the page checked until then) and keeps the others."""
    lines = [
        ("ba-1", "2026-09-05", "f1", "compute", "vcpu", "100.05", "0"),
        ("ba-1", "2026-10-03", "f1", "compute", "vcpu", "33.33", "0"),
    ]
    load(billing_file(tmp_path, *lines))
    partner = world.partner.pk
    UsageRewardMonth.objects.filter(month=OCT).update(digest="0" * 32)
    DealUsage.objects.filter(month=SEP).update(deals="0" * 32)
    stale_rows_purge()
    assert kept() == {("reward", partner, SEP), ("deals", partner, OCT)}


def test_a_procurement_deal_earns_its_extra_on_its_contracts_days_of_a_whole_month(world, tmp_path):
    """A whole October read from the monthly aggregate: a procurement deal's extra only on its contract's
    days (those days read for it), for the whole partner and for its subaccount; without such a deal the
    months query says there is none to read."""
    lines = [
        ("ba-1", "2026-10-03", "f1", "compute", "vcpu", "100.00", "0"),
        ("ba-1", "2026-10-15", "f1", "compute", "vcpu", "50.00", "0"),
    ]
    load(billing_file(tmp_path, *lines))
    october = (OCT, datetime.date(2026, 10, 31))
    assert not _whole_months(world.partner.pk, *october, "default").procurement
    RebateTermFactory(program=Program.DEAL_EXTRA, rate=D("0.1500"), valid_from=datetime.date(2026, 1, 1))
    september = datetime.datetime(2026, 9, 1, 12, tzinfo=datetime.UTC)
    RegistrationFactory(
        account=world.customer.account,
        status="approved",
        decided_at=september,
        procurement=True,
        contract_start=datetime.date(2026, 10, 10),
        contract_end=datetime.date(2026, 10, 20),
    )
    Subaccount.objects.filter(pk=world.customer.pk).update(created_at=september)
    months = _whole_months(world.partner.pk, *october, "default")
    assert months.procurement and months.whole == [OCT]
    for view in USAGE_VIEWS:  # 100 × 10% + 50 × (10% + 15%)
        assert totals(world, view=view) == {"RUB": (D("150"), D("22.5"))}
        assert totals(world, view=view, subaccount=world.customer) == {"RUB": (D("150"), D("22.5"))}
    for view in ("folder", "cloud", "subaccount"):  # by month: the deal's month from its daily rows
        assert totals(world, view=view, grouping="month") == {"RUB": (D("150"), D("22.5"))}
        october_rows = figures(world.whole, start=OCT, finish=october[1], view=view, grouping="month")["page"]
        assert [row["reward"] for row in october_rows] == [D("22.5")]
    # an ordinary deal's month earns its extra on every day, read from the monthly folder aggregate
    Registration.objects.update(procurement=False, contract_start=None, contract_end=None)
    for view in ("folder", "cloud", "subaccount"):  # 150 × (10% + 15%)
        assert totals(world, view=view, grouping="month") == {"RUB": (D("150"), D("37.5"))}


def test_the_dashboards_consumption_this_month_is_the_months_rows_summed(world, tmp_path, member, client_for):
    """The dashboard's consumption this month: the whole partner's read from the partner's daily SKU
    aggregate (a few rows a day), a restricted member's from their customers' running sums (or, with the
    month's rollup taken off, their monthly rows) — either way the month's imported rows summed to the
    kopeck, last month's never among them."""
    from django.utils import timezone
    from guardian.shortcuts import assign_perm

    from portal.permissions import Role

    today = timezone.localdate()
    first = today.replace(day=1)
    before = first - datetime.timedelta(days=1)
    partitions.ensure(before.replace(day=1), today)
    load(
        billing_file(
            tmp_path,
            ("ba-1", first, "f1", "compute", "vcpu", "100.10", "-10.00"),
            ("ba-1", today, "f1", "storage", "disk", "0.05", "0"),
            ("ba-2", today, "f2", "compute", "vcpu", "20.00", "0"),
            ("ba-2", before, "f2", "compute", "vcpu", "999.00", "0"),  # last month
        )
    )
    dashboard = reverse("dashboard")
    assert client_for(member()).get(dashboard).context["consumption"] == {"RUB": D("120.15")}
    viewer = member(Role.VIEWER_PD, restricted=True)
    assign_perm("accounts.access_account", viewer.user, world.customer.account)

    def restricted_consumption() -> tuple[dict, str]:
        with CaptureQueriesContext(connection) as captured:
            shown = client_for(viewer).get(dashboard).context["consumption"]
        read = "".join(query["sql"] for query in captured)
        return shown, "customerusageday" if "finance_customerusageday" in read else "monthlyconsumption"

    # their customers' running sums while the month's rollup stands, else their subaccounts' monthly rows
    assert restricted_consumption() == ({"RUB": D("100.15")}, "customerusageday")
    RebateTermFactory(program=Program.PARTNER_BONUS, rate=D("0.2000"), valid_from=first)  # the month off
    assert restricted_consumption() == ({"RUB": D("100.15")}, "monthlyconsumption")
