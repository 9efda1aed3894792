"""Reads of the money section: every figure on a page, CSV or PDF comes from here."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import (
    Case,
    DateField,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Trunc

from portal.money import BILLING_DIGITS, BILLING_PLACES, ZERO
from portal.periods import MonthRange
from tools.models import ProgramSettings

from .accruals import deal_day_sql, deals_sql
from .models import WITHDRAWABLE_POOLS, Accrual, LedgerEntry, MonthlyConsumption, Pool, Program, RebateTerm


@dataclass(frozen=True)
class Balance:
    pool: str
    currency: str
    amount: Decimal

    @property
    def pool_label(self) -> str:
        return Pool(self.pool).label

    @property
    def switch(self) -> str:
        """Finance's switch position that shows this balance."""
        return "referral" if self.pool == Pool.REFERRAL else "reseller"


def balances(*, partner, pools=WITHDRAWABLE_POOLS) -> list[Balance]:
    """Balance per pool and currency: the sum of the append-only ledger, nothing stored."""
    rows = (
        LedgerEntry.objects.for_partner(partner)
        .filter(pool__in=pools)
        .order_by("pool", "currency")
        .values_list("pool", "currency")
        .annotate(total=Sum("amount"))
    )
    return [Balance(pool, currency, total) for pool, currency, total in rows]


def balance(*, partner_id: int, pool: str, currency: str) -> Decimal:
    """One balance; inside a withdrawal it is read under the pool's lock (services.withdrawal_request)."""
    total = LedgerEntry.objects.filter(partner_id=partner_id, pool=pool, currency=currency).aggregate(
        t=Sum("amount")
    )["t"]
    return total if total is not None else ZERO


def month_consumption(*, queryset, month: datetime.date) -> dict[str, Decimal]:
    """Consumption cost per currency in ``month`` from the monthly aggregates of a scoped queryset."""
    rows = queryset.filter(month=month).order_by().values_list("currency").annotate(total=Sum("cost"))
    return {currency: total or ZERO for currency, total in rows}


@dataclass
class GridRow:
    service: str
    currency: str
    values: list[Decimal]

    @property
    def total(self) -> Decimal:
        return sum(self.values, ZERO)


@dataclass
class ConsumptionGrid:
    """Consumption cost by service (rows) and month (columns), with totals per currency."""

    months: list[datetime.date]
    rows: list[GridRow]

    def totals(self) -> list[GridRow]:
        by_currency: dict[str, list[Decimal]] = {}
        for row in self.rows:
            sums = by_currency.setdefault(row.currency, [ZERO] * len(self.months))
            by_currency[row.currency] = [a + b for a, b in zip(sums, row.values, strict=True)]
        return [GridRow("", currency, values) for currency, values in sorted(by_currency.items())]

    def csv_header(self) -> list[str]:
        return ["Service", "Currency", *(m.strftime("%Y-%m") for m in self.months), "Total"]

    def csv_rows(self):
        """One line per service, one total line per currency: exactly the page's table."""
        for row in self.rows:
            yield [row.service, row.currency, *row.values, row.total]
        for row in self.totals():
            yield ["Total", row.currency, *row.values, row.total]


def subaccount_consumption(*, subaccount_id: int, months: MonthRange) -> ConsumptionGrid:
    """One subaccount's consumption by service and month, from the monthly aggregates (never daily rows)."""
    index = {month: i for i, month in enumerate(months.months)}
    cells = (
        MonthlyConsumption.objects.filter(
            subaccount_id=subaccount_id, month__gte=months.first, month__lte=months.last
        )
        .order_by()
        .values_list("service_name", "currency", "month")
        .annotate(total=Sum("cost"))
    )
    rows: dict[tuple[str, str], GridRow] = {}
    for service, currency, month, total in cells:
        row = rows.setdefault((service, currency), GridRow(service, currency, [ZERO] * len(index)))
        row.values[index[month]] += total
    ordered = sorted(rows.values(), key=lambda r: (r.currency, -r.total, r.service))
    return ConsumptionGrid(months=months.months, rows=ordered)


BONUS_PROGRAMS = (Program.PARTNER_BONUS, Program.DEAL_EXTRA)


@dataclass
class CustomerMonths:
    """Customer × month: paid consumption and bonus per cell, with totals (one currency per row)."""

    months: list[datetime.date]
    rows: list[tuple[str, str, list[tuple[Decimal, Decimal]]]]  # (customer, currency, [(paid, bonus)])

    def totals(self) -> list[tuple[str, list[tuple[Decimal, Decimal]]]]:
        sums: dict[str, list[tuple[Decimal, Decimal]]] = {}
        for _customer, currency, cells in self.rows:
            acc = sums.setdefault(currency, [(ZERO, ZERO)] * len(self.months))
            sums[currency] = [(a + c, b + d) for (a, b), (c, d) in zip(acc, cells, strict=True)]
        return sorted(sums.items())

    def csv_header(self) -> list[str]:
        months = [m.strftime("%Y-%m") for m in self.months]
        return ["Customer", "Currency", *(f"{m} {what}" for m in months for what in ("paid", "bonus"))]

    def csv_rows(self):
        """A line per customer, a total line per currency: the page's table, cell for cell."""
        for customer, currency, cells in self.rows:
            yield [customer, currency, *(v for cell in cells for v in cell)]
        for currency, cells in self.totals():
            yield ["Total", currency, *(v for cell in cells for v in cell)]


def _scoped(model, membership=None, partner_id=None):
    """A membership's view of a model, or the whole partner's (statements are partner-wide)."""
    return (
        model.objects.restrict(membership)
        if membership is not None
        else model.objects.for_partner(partner_id)
    )


def bonus_schedule(*, membership, months: MonthRange) -> dict[str, list[Decimal]]:
    """Bonus accrued per program and month (the chart), within the membership's scope."""
    index = {m: i for i, m in enumerate(months.months)}
    rows = (
        Accrual.objects.restrict(membership)
        .filter(program__in=BONUS_PROGRAMS, period__gte=months.first, period__lte=months.last)
        .order_by()
        .values_list("program", "period")
        .annotate(total=Sum("amount"))
    )
    series: dict[str, list[Decimal]] = {}
    for program, period, total in rows:
        series.setdefault(str(Program(program).label), [ZERO] * len(index))[index[period]] += total
    return series


def customer_months(*, months: MonthRange, membership=None, partner_id=None) -> CustomerMonths:
    """Paid consumption (monthly aggregates) and bonus (accruals) per customer and month: two grouped
    queries whatever the number of customers."""
    index = {m: i for i, m in enumerate(months.months)}
    cells: dict[tuple[str, str], list[list[Decimal]]] = {}

    def cell(name, currency, month):
        return cells.setdefault((name, currency), [[ZERO, ZERO] for _ in index])[index[month]]

    paid = (
        _scoped(MonthlyConsumption, membership, partner_id)
        .filter(month__gte=months.first, month__lte=months.last, subaccount__is_partner_own=False)
        .order_by()
        .values_list("subaccount__account__name", "currency", "month")
        .annotate(total=Sum("paid"))
    )
    for name, currency, month, total in paid:
        cell(name, currency, month)[0] += total
    bonus = (
        _scoped(Accrual, membership, partner_id)
        .filter(program__in=BONUS_PROGRAMS, period__gte=months.first, period__lte=months.last)
        .order_by()
        .values_list("subaccount__account__name", "currency", "period")
        .annotate(total=Sum("amount"))
    )
    for name, currency, month, total in bonus:
        cell(name, currency, month)[1] += total
    rows = [
        (name, currency, [tuple(c) for c in values]) for (name, currency), values in sorted(cells.items())
    ]
    return CustomerMonths(months=months.months, rows=rows)


def excluded_consumption(*, subaccount) -> list[dict]:
    """Per month what never earns a bonus: grants (credits), marketplace products, own consumption."""
    return list(
        MonthlyConsumption.objects.filter(subaccount=subaccount)
        .order_by("-month")
        .values("month", "currency")
        .annotate(cost=Sum("cost"), credit=Sum("credit"), marketplace=Sum("marketplace_cost"))
    )


# Subaccount details: what a row is (the key and the name shown) for each view users pick
USAGE_VIEWS = {
    "service": ("service_id", "service_name"),
    "sku": ("sku_id", "sku_name"),
    "cloud": ("cloud_id", "cloud_name"),
    "folder": ("folder_id", "folder_name"),
    "subaccount": ("subaccount__billing_account_id", "subaccount__name"),
}
USAGE_GROUPINGS = ("day", "week", "month")
_MONEY = DecimalField(max_digits=BILLING_DIGITS, decimal_places=BILLING_PLACES)


def day_rate(program: str):
    """A program's rate of a consumption row's day and currency (0 when no term applies): the same rule as the
    accrual's and the commission report's day terms (a term in the row's currency first, else a plain rate
    in any; the latest valid that day)."""
    same_currency = Q(currency=OuterRef("currency"))
    terms = (
        RebateTerm.objects.filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=OuterRef("date")),
            same_currency | Q(cap__isnull=True, threshold__isnull=True),
            program=program,
            condition="",
            valid_from__lte=OuterRef("date"),
        )
        .annotate(other_currency=Case(When(same_currency, then=0), default=1))
        .order_by("other_currency", "-valid_from")
        .values("rate")[:1]
    )
    return Coalesce(
        Subquery(terms), Value(Decimal(0)), output_field=DecimalField(max_digits=7, decimal_places=4)
    )


def _deal_day():
    """1 on a day of the row's subaccount's deal (deals_sql for the row's month, as the accrual decides it),
    else 0."""
    row = '"finance_consumption"'
    deals = deals_sql(
        f'{row}."date"', f'{row}."date"', partner=f'{row}."partner_id"', zone="%s", deal_days="%s"
    )
    return RawSQL(  # noqa: S611 (constant SQL; the time zone and the window are bound)
        f"""COALESCE((SELECT {deal_day_sql(f'{row}."date"')}::int FROM ({deals}) d
                     WHERE d.subaccount_id = {row}."subaccount_id"), 0)""",  # noqa: S608 (no input)
        [settings.TIME_ZONE, ProgramSettings.current().deal_subaccount_days],
        output_field=IntegerField(),
    )


# per daily row, as billing gives it (credits negative, never more than the cost): the discount is the
# credit; the client pays the rest; the partner's reward, unrounded, is the bonus at the day's rate and on a
# day of the subaccount's deal the deal extra at the day's rate — none for the partner's own use, excluded
# services or a customer who came through the partner's referral link (it earns the referral commission)
DISCOUNT = ExpressionWrapper(-F("credit"), output_field=_MONEY)
CLIENT_PAYS = ExpressionWrapper(F("cost") + F("credit"), output_field=_MONEY)


def _reward():
    return Case(
        When(
            Q(subaccount__is_partner_own=True)
            | Q(is_marketplace=True)
            | Q(subaccount__account__referral__isnull=False),
            then=Value(ZERO),
        ),
        default=CLIENT_PAYS * (day_rate(Program.PARTNER_BONUS) + day_rate(Program.DEAL_EXTRA) * _deal_day()),
        output_field=_MONEY,
    )


# (named apart from the row's own columns: an annotation called "cost" would hide the column from the rest)
def _usage_sums() -> dict:
    return {
        "consumption": Sum("cost"),
        "discount": Sum(DISCOUNT),
        "client_pays": Sum(CLIENT_PAYS),
        "reward": Sum(_reward()),
        "adjustment": Sum("adjustment"),
    }


PARTNER_PAYS = ExpressionWrapper(F("client_pays") - F("reward") + F("adjustment"), output_field=_MONEY)
USAGE_COLUMNS = ("consumption", "discount", "client_pays", "reward", "adjustment", "partner_pays")


@dataclass
class UsageDetails:
    """Consumption of a period by one view (service, SKU, cloud, folder, subaccount) and time bucket, with the
    six money columns; totals per currency and the before/after discount series of the chart."""

    rows: QuerySet  # dicts: bucket, key, name, currency and USAGE_COLUMNS
    totals: list[dict]
    buckets: list[datetime.date]
    chart: dict[str, list[Decimal]]

    def csv_header(self) -> list[str]:
        return ["Period", "Id", "Name", "Currency", *USAGE_HEADERS]

    def csv_rows(self):
        """Every row of the period (not one page), then a total line per currency: the page's figures."""
        for row in self.rows.iterator(chunk_size=2000):
            yield [row["bucket"], row["key"], row["name"], row["currency"], *(row[c] for c in USAGE_COLUMNS)]
        for total in self.totals:
            yield ["Total", "", "", total["currency"], *(total[c] for c in USAGE_COLUMNS)]


USAGE_HEADERS = (
    "Consumption cost",
    "Discount",
    "To be paid by client",
    "Reward",
    "Adjustment",
    "To be paid by partner",
)


def _buckets(start: datetime.date, finish: datetime.date, grouping: str) -> list[datetime.date]:
    if grouping == "month":
        return MonthRange(start.replace(day=1), finish.replace(day=1)).months
    step = 7 if grouping == "week" else 1
    day = start - datetime.timedelta(days=start.weekday()) if grouping == "week" else start
    days = []
    while day <= finish:
        days.append(day)
        day += datetime.timedelta(days=step)
    return days


# the reward of a subaccount's month is rounded once, as the accrual rounds it: totals sum the rounded months
TOTALS = """
SELECT currency, sum(consumption), sum(discount), sum(client_pays), sum(round(reward, 2)), sum(adjustment)
FROM ({months}) m GROUP BY currency ORDER BY currency
"""


def _usage_totals(base: QuerySet) -> list[dict]:
    """Totals per currency: the rows' sums, the reward as the accrual has it (each subaccount's month rounded
    once), so the page's total reward of whole months is what was accrued, to the kopeck."""
    months = (
        base.annotate(month=Trunc("date", "month", output_field=DateField()))
        .values("currency", "subaccount_id", "month")
        .annotate(**_usage_sums())
    )
    sql, params = months.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(TOTALS.format(months=sql), params)
        sums = cursor.fetchall()
    totals = []
    for currency, *values in sums:
        total = dict(
            zip(("consumption", "discount", "client_pays", "reward", "adjustment"), values, strict=True)
        )
        total["partner_pays"] = total["client_pays"] - total["reward"] + total["adjustment"]
        totals.append({"currency": currency, **total})
    return totals


def usage_details(
    *, queryset, start: datetime.date, finish: datetime.date, view: str = "service", grouping: str = "day"
) -> UsageDetails:
    """From a scoped Consumption queryset: three queries whatever the number of rows (rows are paginated)."""
    key, name = USAGE_VIEWS[view]
    base = queryset.filter(date__gte=start, date__lte=finish).order_by()
    bucketed = base.annotate(bucket=Trunc("date", grouping, output_field=DateField()))
    rows = (
        bucketed.annotate(key=F(key))
        .values("bucket", "key", "currency")
        .annotate(name=Max(name), **_usage_sums())
        .annotate(partner_pays=PARTNER_PAYS)
        .order_by("bucket", "-consumption", "key")
    )
    totals = _usage_totals(base)
    buckets = _buckets(start, finish, grouping)
    index = {bucket: i for i, bucket in enumerate(buckets)}
    chart: dict[str, list[Decimal]] = {}
    per_bucket = bucketed.values("bucket", "currency").annotate(before=Sum("cost"), after=Sum(CLIENT_PAYS))
    for cell in per_bucket.order_by("bucket"):
        before = chart.setdefault(f"Before discount, {cell['currency']}", [ZERO] * len(buckets))
        after = chart.setdefault(f"After discount, {cell['currency']}", [ZERO] * len(buckets))
        before[index[cell["bucket"]]] = cell["before"]
        after[index[cell["bucket"]]] = cell["after"]
    return UsageDetails(rows=rows, totals=totals, buckets=buckets, chart=chart)
