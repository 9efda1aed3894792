"""Reads of the money section: every figure on a page, CSV or PDF comes from here."""

from __future__ import annotations

import datetime
import hashlib
import re
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Case, CharField, Exists, F, Max, OuterRef, Q, QuerySet, Sum, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce
from django.utils.translation import gettext

from accounts.models import Account
from portal.money import ZERO
from portal.pagination import PAGE_SIZES, count_limit
from portal.periods import DAY_PRESETS, MonthRange, day_preset, month_after
from portal.tables import SqlPagedData, sql_order
from subaccounts.models import Subaccount
from tools.models import ProgramSettings

from .accruals import DEAL, DEAL_DAY, EARNING_STATUSES, day_terms_sql, deals_sql
from .commission import CommissionStatistics, estimated_rows
from .models import (
    WITHDRAWABLE_POOLS,
    Consumption,
    CustomerMonth,
    CustomerSkuDay,
    CustomerUsageDay,
    DailyLabelUsage,
    DailySkuUsage,
    DailyUsage,
    LedgerBalance,
    MonthlyConsumption,
    PartnerMonth,
    Pool,
    Program,
    UsageFolder,
    UsageRewardMonth,
)
from .usage_rewards import REWARD, REWARD_JOINS


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


def balances(*, membership, pools=WITHDRAWABLE_POOLS, using: str = DEFAULT_DB_ALIAS) -> list[Balance]:
    """Balance per pool and currency that has ledger entries: the sum of the append-only ledger, read from
    the row its trigger keeps beside it (LedgerBalance) — one row each, however long the ledger. Balances
    are the whole partner's (pages keep them from members restricted to some customers)."""
    rows = (
        LedgerBalance.objects.using(using)
        .for_partner(membership.partner_id)
        .filter(pool__in=pools)
        .order_by("pool", "currency")
        .values_list("pool", "currency", "amount")
    )
    return [Balance(pool, currency, amount) for pool, currency, amount in rows]


def balance(*, membership, pool: str, currency: str) -> Decimal:
    """One balance (the ledger's sum, from its kept row); inside a withdrawal it is read under the pool's
    lock (services.withdrawal_request)."""
    amount = (
        LedgerBalance.objects.filter(partner_id=membership.partner_id, pool=pool, currency=currency)
        .values_list("amount", flat=True)
        .first()
    )
    return amount if amount is not None else ZERO


def month_consumption(
    *, membership, month: datetime.date, using: str = DEFAULT_DB_ALIAS
) -> dict[str, Decimal]:
    """Consumption cost per currency in ``month`` of the customers the membership sees: the whole partner's
    from its daily SKU aggregate (a few rows a day, where the monthly aggregate has one per subaccount and
    service: tens of thousands for the largest partner), a restricted member's from their customers' running
    sums (``CustomerUsageDay``: each customer's row of the month's last day, while the month's rollup stands),
    else from their subaccounts' monthly rows."""
    if membership.restricted:
        kept = UsageRewardMonth.objects.using(using).filter(partner_id=membership.partner_id, month=month)
        if kept.exists():  # (a customer's rows run from its first day with data to the month's end)
            last = month_after(month) - datetime.timedelta(days=1)
            queryset = CustomerUsageDay.objects.using(using).restrict(membership).filter(date=last)
        else:
            queryset = MonthlyConsumption.objects.using(using).restrict(membership).filter(month=month)
    else:
        queryset = DailySkuUsage.objects.using(using).filter(
            partner_id=membership.partner_id, date__gte=month, date__lt=month_after(month)
        )
    rows = queryset.order_by().values_list("currency").annotate(total=Sum("cost"))
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


def subaccount_consumption(*, subaccount, months: MonthRange) -> ConsumptionGrid:
    """One subaccount's (fetched through the member's scope) consumption by service and month, from the
    monthly aggregates (never daily rows)."""
    index = {month: i for i, month in enumerate(months.months)}
    cells = (
        MonthlyConsumption.objects.filter(
            subaccount=subaccount, month__gte=months.first, month__lte=months.last
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


@dataclass
class CustomerMonths:
    """Customer × month: paid consumption and bonus per cell (one currency per row), a page of customers or
    all of them, and the totals of every customer in scope (from ``CustomerMonth`` and its partner sums)."""

    months: list[datetime.date]
    rows: list[tuple[str, str, list[tuple[Decimal, Decimal]]]]  # (customer, currency, [(paid, bonus)])
    totals: list[tuple[str, list[tuple[Decimal, Decimal]]]]  # (currency, [(paid, bonus)])
    count: int = 0  # customers in scope, all pages — counted up to the limit asked for
    schedule: dict[str, list[Decimal]] | None = None  # bonus_schedule() of these months, from the same sums

    def csv_header(self) -> list[str]:
        months = [m.strftime("%Y-%m") for m in self.months]
        return ["Customer", "Currency", *(f"{m} {what}" for m in months for what in ("paid", "bonus"))]

    def csv_rows(self):
        """A line per customer, a total line per currency: the page's table, cell for cell."""
        for customer, currency, cells in self.rows:
            yield [customer, currency, *(v for cell in cells for v in cell)]
        for currency, cells in self.totals:
            yield ["Total", currency, *(v for cell in cells for v in cell)]


def _month_sums(*, months: MonthRange, membership, using=DEFAULT_DB_ALIAS):
    """``(currency, month, paid, partner_bonus, deal_extra)`` of every customer in scope: the partner's sums
    kept beside its customer months (PartnerMonth: a row a month and currency), or, for a member restricted
    to some customers, those customers' months summed."""
    if membership.restricted:
        source = CustomerMonth.objects.using(using).restrict(membership)
    else:
        source = PartnerMonth.objects.using(using).for_partner(membership.partner_id)
    return (
        source.filter(month__gte=months.first, month__lte=months.last)
        .order_by()
        .values_list("currency", "month")
        .annotate(paid=Sum("paid"), bonus=Sum("partner_bonus"), extra=Sum("deal_extra"))
    )


def bonus_schedule(
    *, membership, months: MonthRange, using: str = DEFAULT_DB_ALIAS
) -> dict[str, list[Decimal]]:
    """Bonus accrued per program and month (the chart), within the membership's scope."""
    return _schedule(_month_sums(months=months, membership=membership, using=using), months)


def _schedule(sums, months: MonthRange) -> dict[str, list[Decimal]]:
    index = {m: i for i, m in enumerate(months.months)}
    series: dict[str, list[Decimal]] = {}
    for _currency, month, _paid, bonus, extra in sums:
        for program, total in ((Program.PARTNER_BONUS, bonus), (Program.DEAL_EXTRA, extra)):
            if total:
                series.setdefault(str(program.label), [ZERO] * len(index))[index[month]] += total
    return series


def customer_months(
    *,
    months: MonthRange,
    membership,
    page: int | None = None,
    per_page: int = 50,
    count_limit: int | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> CustomerMonths:
    """Paid consumption and bonus per customer and month, from the customer-month aggregate: every customer,
    or the ``page``-th ``per_page`` customers by name (a row per currency), with how many customers there
    are (counted up to ``count_limit``); totals over every customer in scope from the partner's kept sums.
    Four small queries, none of which reads every customer month of the period: the page walks the
    customers by name, each looked up in its months by key. The chart's series (``bonus_schedule``) come
    from the same partner sums as the totals."""
    index = {m: i for i, m in enumerate(months.months)}
    scoped = (
        CustomerMonth.objects.using(using)
        .restrict(membership)
        .filter(month__gte=months.first, month__lte=months.last)
    )
    count = 0
    if page is None:
        customers = (
            scoped.order_by()
            .values_list("account_id", "currency")
            .annotate(name=Max("account__name"))
            .order_by("name", "account_id", "currency")
        )
        names = {account: name for account, _currency, name in customers}
        keys = [(account, currency) for account, currency, _name in customers]
    else:
        in_period = CustomerMonth.objects.using(using).filter(
            account=OuterRef("pk"), month__gte=months.first, month__lte=months.last
        )
        walk = (
            Account.objects.using(using)
            .restrict(membership)
            .filter(Exists(in_period))
            .order_by("name", "id")
            .values_list("id", "name")
        )
        count = walk[:count_limit].count() if count_limit is not None else walk.count()
        first = (max(page, 1) - 1) * per_page
        names = dict(walk[first : first + per_page])
        keys = None  # the page's customers' currencies: those their months have
    cells: dict[tuple[int, str], list[list[Decimal]]] = {}
    rows_of = scoped if page is None else scoped.filter(account_id__in=names)
    for account, currency, month, paid, bonus, extra in rows_of.values_list(
        "account_id", "currency", "month", "paid", "partner_bonus", "deal_extra"
    ):
        cells.setdefault((account, currency), [[ZERO, ZERO] for _ in index])[index[month]] = [
            paid,
            bonus + extra,
        ]
    if keys is None:
        keys = sorted(cells, key=lambda key: (names[key[0]], key[0], key[1]))
    totals: dict[str, list[tuple[Decimal, Decimal]]] = {}
    sums = list(_month_sums(months=months, membership=membership, using=using))
    for currency, month, paid, bonus, extra in sums:
        totals.setdefault(currency, [(ZERO, ZERO)] * len(index))[index[month]] = (paid, bonus + extra)
    empty = [(ZERO, ZERO)] * len(index)
    rows = [
        (names[key[0]], key[1], [tuple(c) for c in cells[key]] if key in cells else empty) for key in keys
    ]
    return CustomerMonths(
        months=months.months,
        rows=rows,
        totals=sorted(totals.items()),
        count=count,
        schedule=_schedule(sums, months),
    )


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
# the view by label: a row per value of one label key, and one for what has no value of it
LABEL_VIEW = "label"
USAGE_GROUPINGS = ("day", "week", "month")
USAGE_COLUMNS = ("consumption", "discount", "client_pays", "reward", "adjustment", "partner_pays")
USAGE_HEADERS = (
    "Consumption cost",
    "Discount",
    "To be paid by client",
    "Reward",
    "Adjustment",
    "To be paid by partner",
)


# the months of the period ({first} … {last}) whose deals the partner aggregate's ``deal_paid`` stands for (a
# month without deals has nothing to read either way): their ``DealUsage`` rows exist (the triggers on the
# deals' sources delete them, finance/deal_usage.py)
SETTLED = """
    SELECT u.month FROM finance_dealusage u
    WHERE u.partner_id = {partner} AND u.month >= date_trunc('month', {first})::date
      AND u.month <= {last}"""  # noqa: S608 (constant fragments)


# ``only`` when no month of the page needs its deals worked out, and the CTE ``deals`` then: none
NONE_NEEDED = "false"
NO_DEALS = """
    SELECT NULL::bigint AS subaccount_id, NULL::date AS month, NULL::bigint AS registration_id,
           NULL::boolean AS procurement, NULL::date AS contract_start, NULL::date AS contract_end
    WHERE false"""


def _reward_sql(
    start: datetime.date,
    finish: datetime.date,
    partner_id: int,
    deal_days: int,
    only: str = "",
    settled: list[datetime.date] | None = None,
) -> str:
    """SQL (CTEs) for the reward of one partner's period: each program's rate looked up once per day and
    currency (``bonus``, ``extra``), the deal once per subaccount and month (``deals``, deals_sql, as the
    accrual decides it), the referred customers, the months whose deals the partner aggregate's
    ``deal_paid`` stands for (``settled``, finance/deal_usage.py), and the subaccounts whose daily rows the
    whole partner's service and SKU views read because they earn otherwise than the aggregate says
    (``exceptional``, with the days: the partner's own and referred customers' all the period, a deal's
    in the months not settled) — all hash-joined, never a lookup per row. ``only`` (a condition on the
    subaccounts ``s``) limits the deals to the subaccounts of a page of a part of the partner, which uses
    neither ``settled`` nor ``exceptional`` (or a condition on the months ``m.month`` that need their
    deals; NONE_NEEDED: no month does, the deals not even planned). ``settled``: those months when already
    known (_whole_months). Every value in it is a date, an id or a setting."""
    first, last = f"DATE '{start.isoformat()}'", f"DATE '{finish.isoformat()}'"
    partner = str(int(partner_id))
    deals = (
        NO_DEALS
        if only == NONE_NEEDED
        else deals_sql(
            first,
            last,
            partner=partner,
            zone="'" + settings.TIME_ZONE.replace("'", "") + "'",
            deal_days=str(int(deal_days)),
            only=only,
        )
    )
    if settled is None:
        settled_sql = SETTLED.format(partner=partner, first=first, last=last)
    else:
        settled_sql = f"SELECT unnest({_dates(settled)}) AS month"
    return f"""
    bonus AS ({day_terms_sql(Program.PARTNER_BONUS, "''", first, last)}),
    extra AS ({day_terms_sql(Program.DEAL_EXTRA, "''", first, last)}),
    deals AS ({deals}),
    referred AS (SELECT DISTINCT account_id FROM finance_referredcustomer),
    settled AS MATERIALIZED ({settled_sql}),
    exceptional AS MATERIALIZED (
        SELECT s.id, {first} AS first, {last} AS last FROM subaccounts_subaccount s
        WHERE s.partner_id = {partner} AND s.is_partner_own  -- (a partial index: the partner's own only)
        UNION
        SELECT s.id, {first}, {last} FROM referred r
        JOIN subaccounts_subaccount s ON s.account_id = r.account_id AND s.partner_id = {partner}
        UNION
        SELECT d.subaccount_id, CASE WHEN earns THEN GREATEST(d.month, {first}) ELSE {first} END,
               CASE WHEN earns THEN LEAST((d.month + interval '1 month - 1 day')::date, {last})
                    ELSE {last} END
        FROM deals d
        JOIN subaccounts_subaccount s ON s.id = d.subaccount_id
        CROSS JOIN LATERAL (
            SELECT NOT s.is_partner_own AND s.account_id NOT IN (SELECT account_id FROM referred) AS earns
        ) e
        WHERE NOT earns OR d.month NOT IN (SELECT month FROM settled)
    )"""  # noqa: S608 (no input)


# a source: per row the subaccount (NULL where the rows are not a subaccount's), day, currency, the row's key
# and name in the view asked for, the amounts as billing gives them, and the reward
SOURCE = """
    SELECT c.subaccount_id, c.date, c.currency, c.key, c.name, c.cost, c.credit, c.adjustment,
           {reward} AS reward
    FROM ({rows}) c {joins}"""
# a part of the partner's source (a search, a restricted membership, one subaccount: its daily rows {rows}),
# in one pass: the rows summed per day, key and currency — those of the few subaccounts that earn otherwise
# than the base rate on ``earning`` (``special``: the partner's own, referred customers', a deal's) per
# subaccount besides — before the day's rate and the rules are joined, once per sum, not per row (REWARD, on
# a sum of one subaccount's day as on its rows)
PART_SOURCE = """
    SELECT c.subaccount_id, c.date, c.currency, c.key, c.name, c.cost, c.credit, c.adjustment,
           CASE WHEN c.subaccount_id IS NULL THEN c.earning * COALESCE(b.rate, 0) ELSE {reward} END AS reward
    FROM (
        SELECT sp.id AS subaccount_id, c.date, c.currency, c.key, c.name, sum(c.cost) AS cost,
               sum(c.credit) AS credit, sum(c.adjustment) AS adjustment, sum(c.earning) AS earning
        FROM ({rows}) c
        LEFT JOIN special sp ON sp.id = c.subaccount_id
        GROUP BY sp.id, c.date, c.currency, c.key, c.name
    ) c {joins}"""
# ... the special subaccounts' rows read apart through their own (subaccount, date, …) key with every rule,
# never a second pass over the part's rows (PART_APART, PART_ROWS)
PART_SPECIAL = """
    UNION ALL
    SELECT c.subaccount_id, c.date, c.currency, c.key, c.name, c.cost, c.credit, c.adjustment,
           {reward} AS reward
    FROM special sp
    CROSS JOIN LATERAL (SELECT * FROM ({rows}) r WHERE r.subaccount_id = sp.id OFFSET 0) c {joins}"""
# ... by service or SKU (the consumption rows, grouped once: GROUPED): the base rate's subaccounts' rows
# summed per day, key and currency before the day's rate is joined, the special ones' apart (in a page read
# bucket by bucket, KEYED, that lookup would run per bucket: PART_SOURCE there)
PART_APART = f"""
    SELECT NULL::bigint AS subaccount_id, g.date, g.currency, g.key, g.name, g.cost, g.credit, g.adjustment,
           g.earning * COALESCE(b.rate, 0) AS reward
    FROM (
        SELECT c.date, c.currency, c.key, c.name, sum(c.cost) AS cost, sum(c.credit) AS credit,
               sum(c.adjustment) AS adjustment, sum(c.earning) AS earning
        FROM ({{rows}}) c
        WHERE c.subaccount_id NOT IN (SELECT id FROM special)
        GROUP BY c.date, c.currency, c.key, c.name
    ) g
    LEFT JOIN bonus b ON b.d = g.date AND b.currency = g.currency{PART_SPECIAL}"""  # noqa: S608 (no input)
# ... row by row, each with its subaccount (the totals' reward rounds each subaccount's month: REWARDS_DAYS):
# the base rate's subaccounts' rows with the day's rate their only join, the special ones' apart
PART_ROWS = f"""
    SELECT c.subaccount_id, c.date, c.currency, c.key, c.name, c.cost, c.credit, c.adjustment,
           c.earning * COALESCE(b.rate, 0) AS reward
    FROM ({{rows}}) c
    LEFT JOIN bonus b ON b.d = c.date AND b.currency = c.currency
    WHERE c.subaccount_id NOT IN (SELECT id FROM special){PART_SPECIAL}"""  # noqa: S608 (no input)
# ... its amounts alone (the totals' and the chart's sums per bucket: their reward is ``rewards``')
PART_AMOUNTS = """
    SELECT c.subaccount_id, c.date, c.currency, c.key, c.name, c.cost, c.credit, c.adjustment,
           NULL::numeric AS reward
    FROM ({rows}) c"""
# ... a member restricted to some customers: in the months their customers' running sums stand for, each
# day's amounts from them — the customers' sums of the day summed (a row per customer and day, where the daily
# aggregate has one per subaccount, folder and day), less the day's before in its month (a customer's rows
# run from its first day with data to the month's end, so a day's sum less the day's before is that day's
# rows); only the days with daily rows — and the other days' from the part's daily rows ({rest}:
# PART_AMOUNTS, when the period has such days)
CUSTOMER_AMOUNTS = """
    SELECT NULL::bigint AS subaccount_id, c.date, c.currency, NULL::varchar AS key, NULL::varchar AS name,
           c.cost, c.credit, c.adjustment, NULL::numeric AS reward
    FROM (
        SELECT u.date, u.currency, u.cost - COALESCE(lag(u.cost) OVER w, 0) AS cost,
               u.credit - COALESCE(lag(u.credit) OVER w, 0) AS credit,
               u.adjustment - COALESCE(lag(u.adjustment) OVER w, 0) AS adjustment,
               u.rows - COALESCE(lag(u.rows) OVER w, 0) AS rows
        FROM (
            SELECT u.date, u.currency, sum(u.cost) AS cost, sum(u.credit) AS credit,
                   sum(u.adjustment) AS adjustment, sum(u.rows) AS rows
            FROM ({rows}) u
            GROUP BY u.date, u.currency
        ) u
        WINDOW w AS (PARTITION BY u.currency, date_trunc('month', u.date) ORDER BY u.date)
    ) c
    WHERE c.date >= {first} AND c.rows > 0{rest}"""  # noqa: S608 (a date as a literal)
# the whole partner's service and SKU rows, from the partner's daily SKU aggregate at the day's base rate
# (and the extra on ``deal_paid`` in the months whose deals it stands for), corrected by the daily rows of
# the subaccounts that earn otherwise: the partner's own or a referred customer's earn nothing (their base
# bonus taken back), a deal's days in the other months earn the extra besides
SKU_AGGREGATE = """
    SELECT NULL::bigint AS subaccount_id, u.date, u.currency, u.{key} AS key, u.{name} AS name, u.cost,
           u.credit, u.adjustment,
           u.paid * COALESCE(b.rate, 0)
           + CASE WHEN st.month IS NULL THEN 0 ELSE u.deal_paid * COALESCE(x.rate, 0) END AS reward
    FROM finance_dailyskuusage u
    LEFT JOIN bonus b ON b.d = u.date AND b.currency = u.currency
    LEFT JOIN extra x ON x.d = u.date AND x.currency = u.currency
    LEFT JOIN settled st ON st.month = date_trunc('month', u.date)::date
    WHERE u.partner_id = {partner} AND u.date >= {first} AND u.date <= {last}"""  # noqa: S608 (literals)
# ... the exceptions' part (none to read when no subaccount of the partner is its own or a referred customer's
# and no month needs its deals worked out: the months query says whether)
SKU_EXCEPTIONS = f"""
    UNION ALL
    SELECT NULL, c.date, c.currency, c.{{key}}, NULL, 0, 0, 0,
           (c.cost + c.credit) * CASE WHEN s.is_partner_own OR rc.account_id IS NOT NULL
                                      THEN -COALESCE(b.rate, 0)
                                      ELSE COALESCE(x.rate, 0) * {DEAL_DAY}::int END
    FROM exceptional e
    CROSS JOIN LATERAL (  -- each one's rows through the (subaccount, date, …) key: never a scan of them all
        SELECT * FROM finance_consumption c
        WHERE c.subaccount_id = e.id AND c.partner_id = {{partner}} AND c.date >= e.first
          AND c.date <= e.last AND NOT c.is_marketplace
        OFFSET 0  -- kept a subquery, so it is looked up per subaccount, not hash-joined over them all
    ) c
    {REWARD_JOINS}"""  # noqa: S608 (constant fragments; dates and ids as literals)
SKU_SOURCE = SKU_AGGREGATE + SKU_EXCEPTIONS
# a member restricted to some customers, by service or SKU, in a period whose every month with data their
# customers' SKUs per day stand for (``CustomerSkuDay``, {rows}: a row per customer, day and SKU), summed per
# day and SKU before the rates are joined: ``paid`` at the day's base rate, ``deal_paid`` at its extra (their
# deals the months' rollups'), corrected by the rows of the member's subaccounts ({scope}) that earn nothing
# (the exceptions: the partner's own, referred customers', with every month ``settled``)
CUSTOMER_SKUS = """
    SELECT NULL::bigint AS subaccount_id, u.date, u.currency, u.key, u.name, u.cost, u.credit, u.adjustment,
           u.paid * COALESCE(b.rate, 0) + u.deal_paid * COALESCE(x.rate, 0) AS reward
    FROM (
        SELECT u.date, u.currency, u.key, max(u.name) AS name, sum(u.cost) AS cost, sum(u.credit) AS credit,
               sum(u.adjustment) AS adjustment, sum(u.paid) AS paid, sum(u.deal_paid) AS deal_paid
        FROM ({rows}) u
        GROUP BY u.date, u.currency, u.key
    ) u
    LEFT JOIN bonus b ON b.d = u.date AND b.currency = u.currency
    LEFT JOIN extra x ON x.d = u.date AND x.currency = u.currency""" + SKU_EXCEPTIONS.replace(  # noqa: S608
    "FROM exceptional e", "FROM exceptional e\n    JOIN ({scope}) es ON es.id = e.id"
)
# what a user may sort the table by (django-tables2's ?sort=), and a page's order otherwise
USAGE_ORDER = {name: name for name in ("bucket", "key", "name", "currency", *USAGE_COLUMNS[:5])}
USAGE_ORDER["partner_pays"] = "(client_pays - reward + adjustment)"
DEFAULT_ORDER = "bucket, consumption DESC, key, currency"
# per row of a source: the discount is the credit (billing's are negative); the client pays the rest
SUMS = """sum(c.cost) AS consumption, sum(-c.credit) AS discount, sum(c.cost + c.credit) AS client_pays,
       sum(c.reward) AS reward, sum(c.adjustment) AS adjustment"""
# one pass over the period's rows of the view's source, grouped two ways (GROUPING's bit tells them apart):
# the table's rows (bucket, key, currency) and each bucket (the chart, and the totals' sums). The reward of
# the totals is each subaccount's month rounded once, as the accrual rounds it (``rewards``, REWARDS). The
# page, the row count, the totals and the chart are read from this one query.
GROUPED = """
WITH {ctes},
c AS ({source}),
g AS MATERIALIZED (
    SELECT GROUPING(c.key) AS level, t.bucket, c.key, max(c.name) AS name, c.currency, {sums}
    FROM c
    CROSS JOIN LATERAL (SELECT {bucket} AS bucket) t
    GROUP BY GROUPING SETS ((t.bucket, c.key, c.currency), (t.bucket, c.currency))
),
rewards AS ({rewards})
(SELECT 'row', bucket, key, name, currency, consumption, discount, client_pays, reward, adjustment
 FROM g WHERE level = 0 ORDER BY {order} LIMIT {limit} OFFSET {offset})
UNION ALL
SELECT 'count', NULL, NULL, NULL, NULL, count(*), NULL, NULL, NULL, NULL FROM g WHERE level = 0
UNION ALL
(SELECT 'total', NULL, NULL, NULL, g.currency, sum(g.consumption), sum(g.discount), sum(g.client_pays),
        COALESCE(min(r.reward), 0), sum(g.adjustment)
 FROM g LEFT JOIN rewards r ON r.currency = g.currency
 WHERE g.level = 1 GROUP BY g.currency ORDER BY g.currency)
UNION ALL
(SELECT 'chart', bucket, NULL, NULL, currency, consumption, NULL, client_pays, NULL, NULL
 FROM g WHERE level = 1 ORDER BY bucket, currency)
"""
# the whole partner's daily rows (DailyUsage) by subaccount, cloud or folder, with their reward: the day's
# base rate on ``paid`` for every subaccount but the few that earn otherwise (``special``: the partner's own,
# referred customers', and those with a deal in a month of the period), whose rows are read apart with every
# rule applied (REWARD) — so the partner's ten thousand subaccounts are never joined row by row. By month,
# a month whose days with data are all in the period at one rate throughout reads MonthlyUsage instead (a
# row per folder and month, at that rate; the few others' rows too, by the month's rules, but a procurement
# deal's month, read day by day); the other days read DailyUsage, a run of days per part, so an index scan
# of a bucket outside them finds its bounds contradict and reads nothing.
DAILY_BASE_DAYS = """
    SELECT u.subaccount_id, u.date, u.currency, {key} AS key, {name} AS name, u.cost, u.credit,
           u.adjustment, u.paid * COALESCE(b.rate, 0) AS reward
    FROM finance_dailyusage u {named}
    LEFT JOIN bonus b ON b.d = u.date AND b.currency = u.currency
    WHERE u.partner_id = {partner} AND u.date >= {since} AND u.date <= {until}
      AND u.subaccount_id NOT IN (SELECT id FROM special){held}"""  # noqa: S608 (dates and ids as literals)
MONTHLY_BASE = """
    SELECT u.subaccount_id, u.month AS date, u.currency, {key} AS key, {name} AS name, u.cost, u.credit,
           u.adjustment, u.paid * COALESCE(b.rate, 0) AS reward
    FROM finance_monthlyusage u {named}
    LEFT JOIN bonus b ON b.d = GREATEST(u.month, {first}) AND b.currency = u.currency
    WHERE u.partner_id = {partner} AND u.month = ANY({months})
      AND u.subaccount_id NOT IN (SELECT id FROM special){held}"""  # noqa: S608 (dates and ids as literals)
DAILY_SPECIAL = f"""
    SELECT c.subaccount_id, c.date, c.currency, c.key, c.name, c.cost, c.credit, c.adjustment,
           {REWARD.format(paid="c.paid")}
    FROM (
        SELECT u.subaccount_id, u.date, u.currency, {{key}} AS key, {{name}} AS name, u.cost, u.credit,
               u.adjustment, u.paid
        FROM {{days}}
    ) c
    {REWARD_JOINS}"""  # noqa: S608 (constant fragments; dates and ids as literals)
# ... their days: a run of days outside the months MonthlyUsage stands for; in those months, the months of
# a procurement deal (its extra only on the contract's days)
SPECIAL_DAYS = """special sp
        JOIN finance_dailyusage u ON u.subaccount_id = sp.id {named}
        WHERE u.partner_id = {partner} AND u.date >= {since} AND u.date <= {until}{held}"""  # noqa: S608
PROCUREMENT_DAYS = """deals pd
        JOIN finance_dailyusage u ON u.subaccount_id = pd.subaccount_id {named}
        WHERE u.partner_id = {partner} AND pd.procurement AND pd.month = ANY({months})
          AND u.date >= pd.month AND u.date < pd.month + interval '1 month'{held}
        OFFSET 0"""  # noqa: S608 (OFFSET 0: its three relations planned apart from REWARD_JOINS' five — 2 ms less)
# ... and their other months from MonthlyUsage: the partner's own and referred customers' earn nothing, a
# deal's month the extra besides (an ordinary deal's every day)
MONTHLY_SPECIAL = """
    SELECT u.subaccount_id, u.month AS date, u.currency, {key} AS key, {name} AS name, u.cost, u.credit,
           u.adjustment,
           CASE WHEN NOT s.is_partner_own AND rc.account_id IS NULL
                THEN u.paid * (COALESCE(b.rate, 0)
                               + CASE WHEN d.registration_id IS NULL THEN 0 ELSE COALESCE(x.rate, 0) END)
                ELSE 0.00 END AS reward
    FROM special sp
    JOIN finance_monthlyusage u ON u.subaccount_id = sp.id {named}
    JOIN subaccounts_subaccount s ON s.id = u.subaccount_id
    LEFT JOIN referred rc ON rc.account_id = s.account_id
    LEFT JOIN bonus b ON b.d = GREATEST(u.month, {first}) AND b.currency = u.currency
    LEFT JOIN extra x ON x.d = GREATEST(u.month, {first}) AND x.currency = u.currency
    LEFT JOIN deals d ON d.subaccount_id = u.subaccount_id AND d.month = u.month
    WHERE u.partner_id = {partner} AND u.month = ANY({months})
      AND NOT COALESCE(d.procurement, false){held}"""  # noqa: S608


def _daily_base(
    view: str,
    literal: dict,
    start,
    finish,
    complete: tuple[datetime.date, ...],
    held: str = "",
    keys: dict[str, dict[str, str]] | None = None,
) -> str:
    """The whole partner's rows by ``view`` with their reward (above): ``complete``'s months from
    MonthlyUsage, the period's other days from DailyUsage, the subaccounts that earn otherwise from their
    daily rows; ``held``: only the rows of the subaccounts in that array (SQL), when given; ``keys``: each
    view's key, name and join (DAILY_BASE_KEYS, or a ranking's: REWARD_RANK_KEYS)."""
    keys = (keys or DAILY_BASE_KEYS)[view]
    months = _dates(complete)
    only = f"\n      AND u.subaccount_id = ANY({held})" if held else ""
    parts = []
    if complete:
        parts.append(MONTHLY_BASE.format(**keys, **literal, months=months, held=only))
    for since, until in _day_runs(start, finish, complete):
        bounds = {"partner": literal["partner"], "since": f"DATE '{since}'", "until": f"DATE '{until}'"}
        parts.append(DAILY_BASE_DAYS.format(**keys, **bounds, held=only))
        days = SPECIAL_DAYS.format(named=keys["named"], **bounds, held=only)
        parts.append(DAILY_SPECIAL.format(key=keys["key"], name=keys["name"], days=days))
    if complete:
        parts.append(MONTHLY_SPECIAL.format(**keys, **literal, months=months, held=only))
        days = PROCUREMENT_DAYS.format(
            named=keys["named"], partner=literal["partner"], months=months, held=only
        )
        parts.append(DAILY_SPECIAL.format(key=keys["key"], name=keys["name"], days=days))
    return "\n    UNION ALL".join(parts)


def _day_runs(start, finish, complete) -> list[tuple[datetime.date, datetime.date]]:
    """The period's days outside ``complete``'s months, as runs of days (first, last)."""
    day, runs = start, []
    while day <= finish:
        month_end = min(month_after(day.replace(day=1)) - datetime.timedelta(days=1), finish)
        if day.replace(day=1) not in complete:
            if runs and runs[-1][1] == day - datetime.timedelta(days=1):
                runs[-1] = (runs[-1][0], month_end)
            else:
                runs.append((day, month_end))
        day = month_end + datetime.timedelta(days=1)
    return runs


# the whole partner's rows by subaccount, cloud or folder as a ranking reads them (RANKED): only the amounts
# that do not depend on who earns what — each row's cost, credit and adjustment are the same whoever earns
# on it, and MonthlyUsage is DailyUsage summed by month — with no join: the subaccount's id stands for its
# billing account id (one each), named after grouping
RANK_MONTHS = """
    SELECT u.month AS date, {key} AS key, {name} AS name, u.currency, u.cost, u.credit, u.adjustment
    FROM finance_monthlyusage u
    WHERE u.partner_id = {partner} AND u.month = ANY({months})"""  # noqa: S608 (dates and ids as literals)
RANK_DAYS = """
    SELECT u.date, {key} AS key, {name} AS name, u.currency, u.cost, u.credit, u.adjustment
    FROM finance_dailyusage u
    WHERE u.partner_id = {partner} AND u.date >= {since} AND u.date <= {until}"""  # noqa: S608
RANK_KEYS = {
    "cloud": {"key": "u.cloud_id", "name": "u.cloud_name"},
    "folder": {"key": "u.folder_id", "name": "u.folder_name"},
    "subaccount": {"key": "u.subaccount_id", "name": "NULL::varchar"},
}


def _rank_base(view: str, literal: dict, start, finish, complete: tuple[datetime.date, ...]) -> str:
    """_daily_base's rows for a ranking (RANK_MONTHS, RANK_DAYS): the same months and days."""
    keys = RANK_KEYS[view]
    parts = []
    if complete:
        parts.append(RANK_MONTHS.format(**keys, **literal, months=_dates(complete)))
    for since, until in _day_runs(start, finish, complete):
        since, until = f"DATE '{since}'", f"DATE '{until}'"
        parts.append(RANK_DAYS.format(**keys, partner=literal["partner"], since=since, until=until))
    return "\n    UNION ALL".join(parts)


# ... its subaccounts that earn otherwise than the base rate on ``paid`` (a CTE beside _reward_sql's)
SPECIAL = """,
special AS MATERIALIZED (
    SELECT s.id FROM subaccounts_subaccount s WHERE s.partner_id = {partner} AND s.is_partner_own
    UNION
    SELECT s.id FROM referred r
    JOIN subaccounts_subaccount s ON s.account_id = r.account_id AND s.partner_id = {partner}
    UNION
    SELECT subaccount_id FROM deals WHERE subaccount_id IS NOT NULL  -- (NOT IN must never meet a NULL)
)"""
# each view's key and name in _daily_base's rows, and the join that names them
DAILY_BASE_KEYS = {
    "cloud": {"key": "u.cloud_id", "name": "u.cloud_name", "named": ""},
    "folder": {"key": "u.folder_id", "name": "u.folder_name", "named": ""},
    "subaccount": {
        "key": "n.billing_account_id",
        "name": "n.name",
        "named": "JOIN subaccounts_subaccount n ON n.id = u.subaccount_id",
    },
}
# ... as a ranking by the reward reads them (RANKING: the subaccount view's key its id, named after grouping)
REWARD_RANK_KEYS = {
    **DAILY_BASE_KEYS,
    "subaccount": {"key": "u.subaccount_id", "name": "NULL::varchar", "named": ""},
}
# KEYED's and RANKED's totals and chart: the whole partner's amounts per bucket from its SKU aggregate
# ({totals_source}: a few rows a day), the totals' reward from ``rewards`` as in GROUPED
BUCKET_SUMS = """c AS ({totals_source}),
g AS MATERIALIZED (
    SELECT t.bucket, c.currency, {sums}
    FROM c
    CROSS JOIN LATERAL (SELECT {bucket} AS bucket) t
    GROUP BY t.bucket, c.currency
),
rewards AS ({rewards}),"""
BUCKET_TOTALS = """UNION ALL
(SELECT 'total', NULL, NULL, NULL, g.currency, sum(g.consumption), sum(g.discount), sum(g.client_pays),
        COALESCE(min(r.reward), 0), sum(g.adjustment)
 FROM g LEFT JOIN rewards r ON r.currency = g.currency
 GROUP BY g.currency ORDER BY g.currency)
UNION ALL
(SELECT 'chart', bucket, NULL, NULL, currency, consumption, NULL, client_pays, NULL, NULL
 FROM g ORDER BY bucket, currency)
"""
# the whole partner's subaccount, cloud or folder view in an order by bucket first (its default): the page's
# rows worked out bucket by bucket (``b``, in the order asked for) and only as far as the page reaches, each
# bucket's rows grouped from its own days of the source (DailyUsage, by its (partner, date) index) — never
# the period's hundreds of thousands of folder-days to show 25; the rows counted the same way, only as far as
# the pages numbered around this one ({cap}: portal.pagination.count_limit); the totals and the chart from
# the partner's daily SKU aggregate ({totals_source}: the same amounts summed, a few rows a day), the totals'
# reward from ``rewards`` as in GROUPED
KEYED = """
WITH {ctes},
{bucket_sums}
b AS (SELECT * FROM unnest({firsts}, {nexts}) WITH ORDINALITY AS b(bucket, next, n)),
-- the rows in the page's order: the buckets one after another, each bucket's rows in the order asked for;
-- read (and so worked out) only as far as the page and the count go. The planner knows a function scan WITH
-- ORDINALITY is in ``n``'s order, so the nested loop's output already is and no sort (which would run every
-- bucket, and need not keep a bucket's own order) is planned
p AS (
    SELECT b.n, b.bucket, k.* FROM b
    CROSS JOIN LATERAL (
        SELECT * FROM (
            SELECT c.key, max(c.name) AS name, c.currency, {sums}
            FROM ({source}) c
            WHERE c.date >= b.bucket AND c.date < b.next
            GROUP BY c.key, c.currency
        ) g
        ORDER BY {within}
        LIMIT {cap}  -- no bucket gives more than the page and the count read: its top rows, not all sorted
    ) k
    ORDER BY b.n
)
(SELECT 'row', bucket, key, name, currency, consumption, discount, client_pays, reward, adjustment
 FROM p LIMIT {limit} OFFSET {offset})
UNION ALL
SELECT 'count', NULL, NULL, NULL, NULL, count(*), NULL, NULL, NULL, NULL FROM (SELECT 1 FROM p LIMIT {cap}) n
{bucket_totals}"""
# KEYED in an order that does not start with the period, where no ranking is kept (a part of the partner):
# each bucket's rows worked out with every rule, as far as the count reads, then merged in the whole order (as
# RANKING_ACROSS): every bucket is read, but grouped apart, a few thousand rows at a time
KEYED_ACROSS = KEYED.replace("    ORDER BY b.n\n)", "    ORDER BY {order}\n    LIMIT {cap}\n)")
# KEYED in an order by bucket, then by what a row's reward does not change (its default: consumption): each
# bucket ranked from its rows' amounts alone (``r``, _rank_base: no rates, deals, names or special
# subaccounts joined to the bucket's tens of thousands of rows), and only the page's rows worked out with
# every rule (``figures``: the source's rows of the subaccounts that hold the page's keys, ``held``; the
# deals then worked out for those subaccounts only, when the totals' reward needs none: ``ranking``'s ctes).
# By the reward (or what the partner pays) each bucket is ranked from its rows with every rule instead
# ({early}: the rules' CTEs, every deal's, before the ranking). The ranking's rows as far as the count reads
# (``rank``) come back with the page, to be kept (UsageDetails): a ranking kept for the partner's aggregates
# as they are (and, by the reward, its months' rates, deals and own use: Months.rewards_version) gives the
# page's rows (KEPT_PAGE) and the count instead, so the page only works out its own rows
RANKED = """
WITH b AS (SELECT * FROM unnest({firsts}, {nexts}) WITH ORDINALITY AS b(bucket, next, n)),
{early}{ranked_page},
held AS MATERIALIZED ({held}),
{late}
{bucket_sums}
figures AS (
    SELECT t.bucket, c.key, c.currency, max(c.name) AS name, {sums}
    FROM ({source}) c
    CROSS JOIN LATERAL (SELECT {bucket} AS bucket) t
    WHERE c.date >= (SELECT min(bucket) FROM page) AND c.date < (SELECT max(next) FROM page)
    GROUP BY t.bucket, c.key, c.currency
)
(SELECT 'row', p.bucket, p.key, f.name, p.currency, f.consumption, f.discount, f.client_pays, f.reward,
        f.adjustment
 FROM page p JOIN figures f ON f.bucket = p.bucket AND f.key = p.key AND f.currency = p.currency
 ORDER BY p.o)
UNION ALL
{counted}
{bucket_totals}"""
RANKING = """r AS (
    SELECT b.n, b.bucket, b.next, k.* FROM b
    CROSS JOIN LATERAL (
        SELECT {named_key} AS key, {named_name} AS name, ranked.currency, {holder} AS holder{ranked_sums}
        FROM (
            SELECT c.key, {rank_name} AS name, c.currency{rank_sums}
            FROM ({ranking}) c
            WHERE c.date >= b.bucket AND c.date < b.next
            GROUP BY c.key, c.currency{ahead}
        ) ranked {named_join}
        ORDER BY {within}
        LIMIT {cap}
    ) k
    ORDER BY b.n
),
page AS MATERIALIZED (SELECT row_number() OVER () AS o, r.* FROM r LIMIT {limit} OFFSET {offset})"""
# RANKING in an order that does not start with the period (a column's sort: the period's largest folder-days
# first, say): each bucket ranked as RANKING ranks it, as far as the count reads, in the order less its
# bucket terms (one bucket throughout), then those buckets' rows merged in the whole order — the period's
# first rows are among them, whichever buckets they are in — as far as the count reads. Each bucket's rows
# are grouped apart (a few thousand at a time, not the period's million in one hash that spills to disk)
RANKING_ACROSS = RANKING.replace("ORDER BY b.n\n),", "ORDER BY {order}\n    LIMIT {cap}\n),")
# a named view's groups first cut to the top ones by the order's leading sum (its ties kept: the rows the
# whole order puts first are among them), so only those are joined to their names (the subaccount view's
# 10,000 groups of a bucket looked up, sorted and merged for 251 rows)
AHEAD = """
            ORDER BY {lead} FETCH FIRST {cap} ROWS WITH TIES"""
RANKING_COUNTED = """SELECT 'count', NULL, NULL, NULL, NULL, count(*), NULL, NULL, NULL, NULL
FROM (SELECT 1 FROM r LIMIT {cap}) n
UNION ALL
(SELECT 'rank', NULL, key, NULL, currency, n, holder, NULL, NULL, NULL FROM r LIMIT {cap})"""
# the page's rows of a kept ranking (bound: each row's bucket number, key, currency and holder), and its count
KEPT_PAGE = """page AS MATERIALIZED (
    SELECT k.o, b.n, b.bucket, b.next, k.key, k.currency, k.holder
    FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::bigint[])
         WITH ORDINALITY AS k(n, key, currency, holder, o)
    JOIN b ON b.n = k.n
)"""
KEPT_COUNTED = "SELECT 'count', NULL, NULL, NULL, NULL, {count}, NULL, NULL, NULL, NULL"
RANKING_SECONDS = 24 * 3600  # a kept ranking's life at most (a new version token makes it unread at once)
RANKING_VERSION = 1  # raise when what a ranking keeps changes: rankings kept before are not used
# what a ranking can order by, and how a bucket's rows sum it: a row's amounts from the rows alone
# (_rank_base), its reward (and so what the partner pays) from the rows with every rule (_daily_base)
RANK_SUMS = {
    "consumption": "sum(c.cost)",
    "discount": "sum(-c.credit)",
    "client_pays": "sum(c.cost + c.credit)",
    "adjustment": "sum(c.adjustment)",
    "reward": "sum(c.reward)",
}
# per view: a ranked row's key and name, the join that names it, its subaccount when the key is one (the
# subaccount view's), and the subaccounts that hold the page's keys (``held``): a folder's from UsageFolder,
# which has every subaccount's folders; a cloud's from the monthly aggregate of the page's months, which
# has each folder under every cloud it was in (UsageFolder, only under its last)
RANK_NAMED = {
    "cloud": ("ranked.key", "ranked.name", "", "NULL::bigint"),
    "folder": ("ranked.key", "ranked.name", "", "NULL::bigint"),
    "subaccount": (
        "n.billing_account_id",
        "n.name",
        "JOIN subaccounts_subaccount n ON n.id = ranked.key",
        "ranked.key",
    ),
}
HELD_IDS = "(SELECT ids FROM held)::bigint[]"
HELD = {
    "cloud": """SELECT array_agg(DISTINCT u.subaccount_id) AS ids FROM finance_monthlyusage u
    WHERE u.partner_id = {partner} AND u.cloud_id IN (SELECT key FROM page)
      AND u.month >= (SELECT date_trunc('month', min(bucket))::date FROM page)
      AND u.month < (SELECT max(next) FROM page)""",
    "folder": """SELECT array_agg(DISTINCT f.subaccount_id) AS ids FROM finance_usagefolder f
    WHERE f.partner_id = {partner} AND f.folder_id IN (SELECT key FROM page)""",
    "subaccount": "SELECT array_agg(holder) AS ids FROM page",
}
# the totals' reward per currency: the sum of each subaccount's month's reward, rounded once. Each
# subaccount-month comes from one of three parts, by the month: a month whose days with data are all in
# the period and whose base and extra rates are each one rate on all the period's days of it (``whole``)
# reads the monthly aggregate (a row per subaccount, month and service), the reward being the base rate on
# its paid consumption, the extra's besides in a deal's month (every day of it is the deal's) — except for
# a procurement deal's months (the extra only on the contract's days), read from their daily aggregate
# rows by the subaccount's key; the other months' days read the daily aggregate rows of those days
# ({days}). The partner's own subaccounts and referred customers earn nothing.
# (each part only when the period has months to read that way: the planner need not plan the others)
REWARDS = """
    SELECT r.currency, sum(round(r.reward, 2)) AS reward
    FROM ({parts}) r(subaccount_id, month, currency, reward)
    GROUP BY r.currency"""
REWARDS_MONTHLY = """
        SELECT m.subaccount_id, m.month, m.currency,
               sum(m.paid) * min(w.rate + CASE WHEN d.registration_id IS NULL THEN 0 ELSE w.extra END)
               AS reward
        FROM ({monthly}) m
        JOIN (SELECT date_trunc('month', b.d)::date AS month, b.currency, min(COALESCE(b.rate, 0)) AS rate,
                     min(COALESCE(x.rate, 0)) AS extra
              FROM bonus b JOIN extra x ON x.d = b.d AND x.currency = b.currency
              GROUP BY 1, 2) w ON w.month = m.month AND w.currency = m.currency
        JOIN subaccounts_subaccount s ON s.id = m.subaccount_id
        LEFT JOIN referred rc ON rc.account_id = s.account_id
        LEFT JOIN deals d ON d.subaccount_id = m.subaccount_id AND d.month = m.month
        WHERE NOT s.is_partner_own AND rc.account_id IS NULL AND NOT COALESCE(d.procurement, false)
        GROUP BY m.subaccount_id, m.month, m.currency"""
REWARDS_DAYS = """
        SELECT c.subaccount_id, date_trunc('month', c.date)::date, c.currency, sum(c.reward)
        FROM ({days}) c
        GROUP BY 1, 2, 3"""
REWARDS_PROCUREMENT = f"""
        SELECT c.subaccount_id, dd.month, c.currency, sum({{deal_reward}})
        FROM deals dd
        CROSS JOIN LATERAL (
            SELECT u.subaccount_id, u.date, u.currency, u.paid FROM finance_dailyusage u
            WHERE u.subaccount_id = dd.subaccount_id AND u.partner_id = {{partner}}
              AND u.date >= dd.month AND u.date < dd.month + interval '1 month'
            OFFSET 0  -- by the subaccount's key, never a scan of the partner's days
        ) c
        {REWARD_JOINS}
        WHERE dd.month = ANY({{whole}}) AND dd.procurement {{deal_scope}}
        GROUP BY 1, 2, 3"""  # noqa: S608 (constant fragments; dates and ids as literals or bound)
REWARDS_ROLLED = """
        SELECT NULL::bigint, NULL::date, v.currency, v.reward FROM ({rolled}) v"""
# ... a restricted member's month from its customers' rollups (CustomerUsageDay: ``reward_upto`` of each
# customer's row of a day, or ``reward_onward`` of each one's first row from a day on)
CUSTOMERS_ROLLED = """
        SELECT NULL::bigint, NULL::date, v.currency, v.{column} FROM ({rows}) v"""  # noqa: S608 (a column name)
REWARDS_NONE = """
        SELECT NULL::bigint, NULL::date, NULL::varchar, 0::numeric WHERE false"""
# per month of the period: its first and last day with data (the partner's, from the partner's daily SKU
# aggregate: an index probe each), whether the base and the extra rates are each one rate on all the period's
# days of it, and the digest of the month's rates, deals, own use and referred customers its reward rollup
# (finance/usage_rewards.py) was made for while that still stands (NULL when a change took it off: the
# partner's rollup, and its customers' running sums, then stand for the month no more). The rates are those of
# the period's whole months.
MONTHS = """
WITH bonus AS ({bonus}), extra AS ({extra}){kept}
SELECT r.month, bool_and(r.lo = r.hi AND r.extra_lo = r.extra_hi),
       (SELECT min(u.date) FROM finance_dailyskuusage u
        WHERE u.partner_id = %s AND u.date >= r.month AND u.date < r.month + interval '1 month'),
       (SELECT max(u.date) FROM finance_dailyskuusage u
        WHERE u.partner_id = %s AND u.date >= r.month AND u.date < r.month + interval '1 month'),
       (SELECT x.digest FROM rolled x WHERE x.month = r.month), {settled}, {procurement}, {idle}, {version}
FROM (SELECT date_trunc('month', b.d)::date AS month, b.currency, min(COALESCE(b.rate, 0)) AS lo,
             max(COALESCE(b.rate, 0)) AS hi, min(COALESCE(x.rate, 0)) AS extra_lo,
             max(COALESCE(x.rate, 0)) AS extra_hi
      FROM bonus b JOIN extra x ON x.d = b.d AND x.currency = b.currency
      WHERE b.d >= {first} AND b.d <= {last} GROUP BY 1, 2) r
GROUP BY r.month ORDER BY r.month
"""
# the partner's UsageVersion and SubaccountsVersion (its aggregates and subaccounts as this statement
# reads them)
VERSION = """(SELECT u.version::text || COALESCE(':' || s.version::text, '') FROM finance_usageversion u
    LEFT JOIN finance_subaccountsversion s ON s.partner_id = u.partner_id WHERE u.partner_id = {partner})"""
# whether a subaccount of the partner earns nothing (its own, or a referred customer's: SKU_EXCEPTIONS)
IDLE = """(
    EXISTS (SELECT 1 FROM subaccounts_subaccount s WHERE s.partner_id = {partner} AND s.is_partner_own)
    OR EXISTS (SELECT 1 FROM finance_referredcustomer r
               JOIN subaccounts_subaccount s ON s.account_id = r.account_id AND s.partner_id = {partner}))"""
# whether the partner has a procurement deal that may earn in the months of the period (the procurement days
# of its whole months are read only then)
PROCUREMENT = f"""EXISTS (
    SELECT 1 FROM tools_registration r
    WHERE r.partner_id = %s AND r.kind = '{DEAL}' AND r.procurement AND r.status IN {EARNING_STATUSES}
      AND r.contract_start <= {{month_last}} AND r.contract_end >= {{month_first}})"""  # noqa: S608 (constants)
# the whole partner's months whose deal part (finance/deal_usage.py) and reward rollup
# (finance/usage_rewards.py) still stand for them: their rows exist (the sources' triggers delete them)
MONTHS_KEPT = """,
settled AS MATERIALIZED (
    SELECT month FROM finance_dealusage
    WHERE partner_id = {partner} AND month >= {month_first} AND month <= {last}
),
rolled AS MATERIALIZED (
    SELECT month, digest FROM finance_usagerewardmonth
    WHERE partner_id = {partner} AND month >= {month_first} AND month <= {last}
)"""
# a month's part of the totals' reward from the rollup: per currency the row of the last day with data up to
# {bound} (``upto``: the month from its start) or of the first from {bound} on (``onward``: to its end)
ROLLED = {
    "upto": """(SELECT DISTINCT ON (currency) currency, upto AS reward FROM finance_usagerewardday
               WHERE partner_id = {partner} AND date >= {month} AND date <= {bound}
                 AND date < {month} + interval '1 month'
               ORDER BY currency, date DESC)""",
    "onward": """(SELECT DISTINCT ON (currency) currency, onward AS reward FROM finance_usagerewardday
                 WHERE partner_id = {partner} AND date >= {bound} AND date < {month} + interval '1 month'
                 ORDER BY currency, date)""",
}


# the daily rows' way (``daily_rows``): every figure from one pass over the period's rows, grouped three
# ways — the table's rows, each subaccount's month (the totals, its reward rounded once) and each bucket
ROWS, MONTH_LEVEL, BUCKETS = 0b0011, 0b1100, 0b0111
DAILY_GROUPED = """
WITH {ctes},
c AS ({source}),
g AS MATERIALIZED (
    SELECT GROUPING(t.bucket, c.key, c.subaccount_id, t.month) AS level, t.bucket,
           c.key, max(c.name) AS name, c.currency, {sums}
    FROM c
    CROSS JOIN LATERAL (SELECT {bucket} AS bucket,
                               date_trunc('month', c.date)::date AS month) t
    GROUP BY GROUPING SETS ((t.bucket, c.key, c.currency), (c.currency, c.subaccount_id, t.month),
                           (t.bucket, c.currency))
)
(SELECT 'row', bucket, key, name, currency, consumption, discount, client_pays, reward, adjustment
 FROM g WHERE level = {rows} ORDER BY {order} LIMIT {limit} OFFSET {offset})
UNION ALL
SELECT 'count', NULL, NULL, NULL, NULL, count(*), NULL, NULL, NULL, NULL FROM g WHERE level = {rows}
UNION ALL
(SELECT 'total', NULL, NULL, NULL, currency, sum(consumption), sum(discount), sum(client_pays),
        sum(round(reward, 2)), sum(adjustment)
 FROM g WHERE level = {months} GROUP BY currency ORDER BY currency)
UNION ALL
(SELECT 'chart', bucket, NULL, NULL, currency, consumption, NULL, client_pays, NULL, NULL
 FROM g WHERE level = {buckets} ORDER BY bucket, currency)
"""
ALL_ROWS = """
WITH {ctes},
c AS ({source})
SELECT * FROM (
    SELECT t.bucket, c.key, max(c.name) AS name, c.currency, {sums}
    FROM c
    CROSS JOIN LATERAL (SELECT {bucket} AS bucket) t
    GROUP BY t.bucket, c.key, c.currency
) g
ORDER BY {order}
"""


def _buckets(start: datetime.date, finish: datetime.date, grouping: str) -> list[datetime.date]:
    if grouping == "month":
        return MonthRange(start.replace(day=1), finish.replace(day=1)).months
    if grouping == "week":  # the period's first day, then each Monday: exactly the period's days
        mondays = start + datetime.timedelta(days=(7 - start.weekday()) % 7 or 7)
        return [
            start,
            *(mondays + datetime.timedelta(days=7 * n) for n in range((finish - mondays).days // 7 + 1)),
        ]
    return [start + datetime.timedelta(days=n) for n in range((finish - start).days + 1)]


def _bucket_end(bucket: datetime.date, grouping: str) -> datetime.date:
    """The day after the last a bucket can hold (the source holds only the period's days)."""
    if grouping == "month":
        return month_after(bucket)
    return bucket + datetime.timedelta(days=7 if grouping == "week" else 1)


def _row(values) -> dict:
    row = dict(zip(("bucket", "key", "name", "currency", *USAGE_COLUMNS[:5]), values, strict=True))
    row["partner_pays"] = row["client_pays"] - row["reward"] + row["adjustment"]
    return row


class UsageDetails(SqlPagedData):
    """Consumption of a period by one view (service, SKU, cloud, folder or subaccount) and time bucket, with
    the six money columns; totals per currency and the chart's before/after discount series per bucket.

    One query answers a page (GROUPED): the table's page, the row count, the totals and the chart; the
    totals' reward from ``rewards`` (REWARDS), or, without it, from the source's rows themselves
    (DAILY_GROUPED). With ``totals_source`` (the whole partner's subaccount, cloud and folder views) the
    totals and the chart are read from it, and a page in an order by bucket first groups only the buckets it
    reaches (KEYED), the rows then counted only as far as the pages numbered around it (``more``: rows
    follow). In an order a ranking can follow (RANKED) the period's ranking comes back with the page and is
    kept in the cache for the partner's aggregates and subaccounts as they are (``ranking["version"]``): a
    page that finds it works out only its own rows. With ``version`` (those and the months' rates, deals
    and own use: Months.rewards_version) the period's totals and chart, and each page, are kept too. It is
    the table's data for django-tables2: the sort and the page asked for go into the SQL; ``csv_rows``
    streams every row of the period."""

    def __init__(
        self,
        *,
        source: tuple[str, list],
        rewards: tuple[str, list] | None = None,
        ctes: str,
        grouping: str,
        buckets,
        page: slice,
        totals_source: tuple[str, list] | None = None,
        ranking: dict[str, str] | None = None,
        version: str | None = None,
        using: str = DEFAULT_DB_ALIAS,
    ):
        super().__init__(page)
        self.using = using
        self.source, self.rewards, self.ctes, self.grouping = source, rewards, ctes, grouping
        self.totals_source, self.ranking, self.version = totals_source, ranking, version
        self.buckets = buckets
        self.order = DEFAULT_ORDER
        self._result = None

    def order_by(self, aliases):
        self.order = sql_order(aliases, USAGE_ORDER, ("bucket", "key", "currency"), DEFAULT_ORDER)
        self._result = None

    def __len__(self):
        return self._grouped()["count"]

    @property
    def more(self) -> bool:
        """Whether rows follow the ones counted (only a page read bucket by bucket stops counting)."""
        return self._grouped()["more"]

    def page_rows(self) -> list[dict]:
        """The rows of the page asked for."""
        return self._grouped()["rows"]

    def rows_at(self, limit: int, offset: int) -> list[dict]:
        return self._query(limit, offset)["rows"]

    @property
    def totals(self) -> list[dict]:
        return self._grouped()["totals"]

    @property
    def chart(self) -> dict[str, list[Decimal]]:
        index = {bucket: i for i, bucket in enumerate(self.buckets)}
        chart: dict[str, list[Decimal]] = {}
        for bucket, currency, before, after in self._grouped()["chart"]:
            chart.setdefault(f"Before discount, {currency}", [ZERO] * len(index))[index[bucket]] = before
            chart.setdefault(f"After discount, {currency}", [ZERO] * len(index))[index[bucket]] = after
        return chart

    def _bucket_sql(self) -> str:
        """A row's bucket: its day, week or month; the first week starts on the period's first day."""
        trunc = f"date_trunc('{self.grouping}', c.date)::date"
        if self.grouping == "week" and self.buckets:
            return f"GREATEST({trunc}, DATE '{self.buckets[0].isoformat()}')"
        return trunc

    def _grouped(self) -> dict:
        if self._result is None:
            self._result = self._query(self.page.stop - self.page.start, self.page.start)
        return self._result

    def _query(self, limit: int, offset: int) -> dict:
        sql, params = self.source
        shared = {
            "ctes": self.ctes,
            "source": sql,
            "sums": SUMS,
            "grouping": self.grouping,
            "bucket": self._bucket_sql(),
            "order": self.order,
            "limit": int(limit),
            "offset": int(offset),
        }
        # the page as kept, when its figures stand (the same statement would give the same rows): what the
        # page is asked for and read from, its data's version in the key
        ranking = {name: sql for name, sql in (self.ranking or {}).items() if name != "days"}
        asked = (self.source, self.rewards, self.ctes, self.totals_source, sorted(ranking.items()))
        asked += (self.grouping, self.buckets, self.order, int(limit), int(offset))
        page_key = _kept_key("usage-page", self.version, repr(asked))
        if page_key and (kept_page := cache.get(page_key)) is not None:
            return kept_page
        # keep: the key to keep the ranking worked out under; totals_key: the period's totals and chart's
        cap = keep = totals_key = kept_totals = None
        if self.rewards is None:
            query = DAILY_GROUPED.format(**shared, rows=ROWS, months=MONTH_LEVEL, buckets=BUCKETS)
        elif self.totals_source is not None and (within := self._within_buckets()) is not None:
            rewards, rewards_params = self.rewards
            totals_sql, totals_params = self.totals_source
            descending, within, across = within
            firsts = self.buckets[::-1] if descending else self.buckets
            ends = [*self.buckets[1:], _bucket_end(self.buckets[-1], self.grouping)]
            nexts = ends[::-1] if descending else ends
            cap = count_limit(offset // max(limit, 1) + 1, max(limit, 1))
            bucket_sums = BUCKET_SUMS.format(
                totals_source=totals_sql, sums=SUMS, bucket=shared["bucket"], rewards=rewards
            )
            summed = [*totals_params, *rewards_params]
            totals_key = _kept_key("usage-totals", self.version, bucket_sums, repr(summed))
            if (kept_totals := cache.get(totals_key) if totals_key else None) is not None:
                bucket_sums, summed = "", []  # (the period's totals and chart as kept: only its page read)
            keyed = {
                **shared,  # (its order: the whole order the _ACROSS templates merge the buckets' rows in)
                "totals_source": totals_sql,
                "rewards": rewards,
                "firsts": _dates(firsts),
                "nexts": _dates(nexts),
                "within": within,
                "cap": cap,
                "bucket_sums": bucket_sums,
                "bucket_totals": "" if kept_totals is not None else BUCKET_TOTALS,
            }
            params = [*summed, *params]  # (a ranking's and its rows' SQL: literal)
            if (ranked := self._ranked(within, cap, across=across)) is None:
                query = (KEYED_ACROSS if across else KEYED).format(**keyed)
            elif (kept := _kept_ranking(key := self._ranking_key(ranked, keyed), cap)) is None:
                keep = key
                worked_out = (RANKING_ACROSS if across else RANKING).format(**{**keyed, **ranked})
                counted = RANKING_COUNTED.format(cap=cap)
                if ranked["rewarded"]:  # its rows' rewards: the rules' CTEs (every deal's) before it
                    ranked = {**ranked, "early": f"{self.ranking['all_ctes']},\n", "late": ""}
                query = RANKED.format(**{**keyed, **ranked, "ranked_page": worked_out, "counted": counted})
                params = summed
            else:
                rows = kept[offset : offset + limit]
                columns = [list(column) for column in zip(*rows, strict=True)] or [[], [], [], []]
                counted = KEPT_COUNTED.format(count=len(kept))
                if rows:  # the page's rows worked out from its buckets' days alone (not all the period's)
                    numbers = {n for n, *_rest in rows}
                    since = min(firsts[n - 1] for n in numbers)
                    until = max(nexts[n - 1] for n in numbers) - datetime.timedelta(days=1)
                    ranked["source"] = self.ranking["days"](since, until)
                query = RANKED.format(**{**keyed, **ranked, "ranked_page": KEPT_PAGE, "counted": counted})
                params = [*columns, *summed]
        else:
            rewards, rewards_params = self.rewards
            query, params = GROUPED.format(**shared, rewards=rewards), [*params, *rewards_params]
        result = {"rows": [], "count": 0, "more": False, "totals": [], "chart": []}
        worked_out_rows = []
        with connections[self.using].cursor() as cursor:
            cursor.execute(query, params)
            for kind, *values in cursor.fetchall():
                if kind == "row":
                    result["rows"].append(_row(values))
                elif kind == "rank":
                    holder = None if values[5] is None else int(values[5])
                    worked_out_rows.append((int(values[4]), values[1], values[3], holder))
                elif kind == "count":
                    result["count"] = int(values[4])
                    result["more"] = cap is not None and result["count"] >= cap
                elif kind == "total":
                    total = _row(values)
                    result["totals"].append({k: total[k] for k in ("currency", *USAGE_COLUMNS)})
                else:
                    result["chart"].append((values[0], values[3], values[4], values[6]))
        if keep is not None:
            cache.set(keep, (cap, worked_out_rows), RANKING_SECONDS)
        if kept_totals is not None:
            result["totals"], result["chart"] = kept_totals
        elif totals_key:
            cache.set(totals_key, (result["totals"], result["chart"]), RANKING_SECONDS)
        if page_key:
            cache.set(page_key, result, RANKING_SECONDS)
        return result

    def _ranking_key(self, ranked: dict[str, str], keyed: dict) -> str | None:
        """The cache key of the ranking RANKED works out (the partner's, its period's buckets and the order
        within them), for the partner's aggregates and subaccounts as they are (``UsageVersion``,
        ``SubaccountsVersion``); None without a version."""
        return _kept_key(
            "usage-ranking",
            self.ranking.get("rewards_version" if ranked["rewarded"] else "version"),
            *(
                ranked[name]
                for name in ("kind", "ranking", "named_key", "named_join", "rank_name", "rank_sums")
            ),
            *(keyed[name] for name in ("within", "firsts", "nexts")),
        )

    def _within_buckets(self) -> tuple[bool, str, bool] | None:
        """For an order by bucket first: whether descending, the order within a bucket (KEYED) and False;
        for another order: False, the order within a bucket and True (RANKING_ACROSS or KEYED_ACROSS, which
        merge the buckets' rows in the whole order)."""
        terms = [term.strip() for term in self.order.split(",")]
        if not self.buckets:
            return None
        within = ", ".join(t for t in terms if t.split()[0] != "bucket")
        if terms[0] not in ("bucket", "bucket DESC"):
            return False, within, True
        return terms[0] == "bucket DESC", within, False

    def _ranked(self, within: str, cap: int, *, across: bool = False) -> dict[str, str] | None:
        """RANKED's parts for an order within a bucket that a ranking can follow: by the rows' amounts from
        the rows alone, by the reward (or what the partner pays) from the rows with every rule (``rewarded``);
        ``across``: the buckets' rows then merged in the whole order (RANKING_ACROSS)."""
        if self.ranking is None:
            return None
        columns = set(re.findall(r"[a-z_]+", within))  # (the names in the terms, not ASC or DESC)
        if not columns <= {"key", "name", "currency", *RANK_SUMS}:
            return None
        rewarded = "reward" in columns
        if rewarded and self.ranking["rewarded"] is None:  # (a part's: read bucket by bucket, KEYED)
            return None
        view = self.ranking["view"]
        sums = [name for name in RANK_SUMS if name in columns]
        named_key, named_name, named_join, holder = RANK_NAMED[view]
        lead = within.split(", ")[0]
        ahead = AHEAD if named_join and lead.split()[0] in RANK_SUMS else ""
        return {
            "kind": f"across: {self.order}" if across else "within",
            "ahead": ahead.format(lead=lead, cap=cap),
            "ranking": self.ranking["rewarded" if rewarded else "source"],
            "rewarded": rewarded,
            "early": "",  # (RANKED's CTEs before the ranking, and after it)
            "late": f"{self.ranking['ctes']},",
            "source": self.ranking["full"],
            "held": self.ranking["held"],
            "named_key": named_key,
            "named_name": named_name,
            "named_join": named_join,
            "holder": holder,
            "rank_name": "max(c.name)" if "name" in columns and view != "subaccount" else "NULL",
            "rank_sums": "".join(f", {RANK_SUMS[name]} AS {name}" for name in sums),
            "ranked_sums": "".join(f", ranked.{name}" for name in sums),
        }

    def csv_header(self) -> list[str]:
        return ["Period", "Id", "Name", "Currency", *USAGE_HEADERS]

    def csv_rows(self):
        """Every row of the period (not one page), then a total line per currency: the page's figures."""
        sql, params = self.source
        query = ALL_ROWS.format(
            ctes=self.ctes, source=sql, sums=SUMS, bucket=self._bucket_sql(), order=self.order
        )
        with connections[self.using].chunked_cursor() as cursor:
            cursor.execute(query, params)
            while chunk := cursor.fetchmany(2000):
                for values in chunk:
                    row = _row(values)
                    yield [
                        row["bucket"],
                        row["key"],
                        row["name"],
                        row["currency"],
                        *(row[c] for c in USAGE_COLUMNS),
                    ]
        for total in self.totals:
            yield ["Total", "", "", total["currency"], *(total[c] for c in USAGE_COLUMNS)]


def _kept_key(kind: str, version: str | None, *parts: str) -> str | None:
    """The cache key of a ``kind`` of what Subaccount details works out (a ranking, a period's totals and
    chart, a page) from what it is read from (``parts``), for the data as it is (``version``: the partner's
    Usage- and SubaccountsVersion, and its months' rollup digests where the reward is in it); None without
    a version (then nothing is kept)."""
    if not version:
        return None
    joined = "\x1f".join((str(RANKING_VERSION), version, *parts))
    return f"{kind}:" + hashlib.sha256(joined.encode()).hexdigest()


def _literal(query: tuple[str, list], using: str) -> str:
    """A query's SQL with its values written in (as psycopg writes them on the client: Django binds no
    parameter on the server), its ``%`` doubled for a statement that binds others."""
    sql, params = query
    return connections[using].ops.compose_sql(sql, params).replace("%", "%%")


def _kept_ranking(key: str | None, cap: int) -> list[tuple] | None:
    """The first ``cap`` rows of the ranking kept under ``key`` (each row's bucket number, key, currency and
    holder: RANKED's ``r``), when it was kept as far as that or holds all there are."""
    kept = cache.get(key) if key is not None else None
    if kept is None:
        return None
    read_to, rows = kept
    return rows[:cap] if read_to >= cap or len(rows) < read_to else None


@dataclass(frozen=True)
class Months:
    """How the totals' reward reads each month of a period (_whole_months)."""

    whole: list[datetime.date]  # from the monthly aggregate
    days: list[tuple[datetime.date, datetime.date]]  # day by day, these days
    rolled: list[tuple[datetime.date, str, datetime.date]]  # from the rollup: month, "upto"/"onward", day
    settled: list[datetime.date]  # whose deals the partner aggregate's deal_paid stands for (whole partner)
    procurement: bool = True  # whether a procurement deal of the partner may earn in the period's months
    idle: bool = True  # whether a subaccount of the partner earns nothing (its own, a referred customer's)
    # every day with data in the period, one rate throughout (rolled up or not): MonthlyUsage stands for it
    complete: tuple[datetime.date, ...] = ()
    version: str | None = None  # the partner's Usage- and SubaccountsVersion, read with the months
    # ... and its months' reward rollups' digests (their rates, deals, own use, referred customers) besides,
    # while every month with data has one
    rewards_version: str | None = None
    # a part of the partner's months whose customers' running sums stand (CustomerUsageDay: while the month's
    # rollup row exists)
    customers_kept: tuple[datetime.date, ...] = ()
    # ... when every month with data is one of them and is taken from its start or to its end: how the part's
    # totals' reward reads each from the customers' rollups (as ``rolled``), else None
    customers_rolled: list[tuple[datetime.date, str, datetime.date]] | None = None
    # ... whether every month with data is one of ``customers_kept`` (their SKUs per day stand for the period)
    customers_every: bool = False


def _dates(days) -> str:
    """An SQL array literal of dates."""
    return "ARRAY[" + ", ".join(f"DATE '{d.isoformat()}'" for d in days) + "]::date[]"


def _whole_months(
    partner_id: int,
    start: datetime.date,
    finish: datetime.date,
    using: str,
    *,
    whole_partner: bool = False,
) -> Months:
    """How each month of the period with data (the partner's) gives the totals' reward: from the whole
    partner's reward rollup (``rolled``: the month, ``upto`` or ``onward`` and the day) where it still stands
    for the month and the period has every day with data of the month before its last day or after its first;
    else from the monthly aggregate (``whole``) where every day of the month with data is in the period and
    the base and the extra rates are each one rate on the period's days of it; else day by day (``days``: the
    period's days of the month). A month without data (never imported, or its partition detached: its monthly
    aggregate stays) is none of them."""
    month_first = start.replace(day=1)
    month_last = month_after(finish) - datetime.timedelta(days=1)
    literal = {
        "first": f"DATE '{start.isoformat()}'",
        "last": f"DATE '{finish.isoformat()}'",
        "month_first": f"DATE '{month_first.isoformat()}'",
        "month_last": f"DATE '{month_last.isoformat()}'",
    }
    settled_sql, idle_sql, version = "false", "true", VERSION.format(partner=str(int(partner_id)))
    if whole_partner:
        idle_sql = IDLE.format(partner=str(int(partner_id)))
        settled_sql = "r.month IN (SELECT month FROM settled)"
    query = MONTHS.format(
        bonus=day_terms_sql(Program.PARTNER_BONUS, "''", literal["month_first"], literal["month_last"]),
        extra=day_terms_sql(Program.DEAL_EXTRA, "''", literal["month_first"], literal["month_last"]),
        kept=MONTHS_KEPT.format(partner=str(int(partner_id)), **literal),
        settled=settled_sql,
        procurement=PROCUREMENT.format(**literal),
        idle=idle_sql,
        version=version,
        first=literal["first"],
        last=literal["last"],
    )
    whole, days, rolled, settled, complete, digests, customers = [], [], [], [], [], [], []
    customers_rolled, customers_whole, customers_every = [], True, True
    with connections[using].cursor() as cursor:
        cursor.execute(query, [partner_id, partner_id, partner_id])
        procurement, idle, version = False, False, None
        for month, flat, first_day, last_day, rules, deals_current, procured, idled, token in cursor:
            procurement, idle, version = procured, idled, token
            if deals_current:
                settled.append(month)
            if first_day is None:
                continue
            digests.append(rules and f"{month}:{rules}")
            flat_whole = flat and first_day >= start and last_day <= finish
            if flat_whole:
                complete.append(month)
            # a month whose rollup stands (``rules``), from its start up to the period's last day or from the
            # period's first to its end: the rollup's sums read as they are (the partner's, or a part's
            # customers')
            taken = None
            if first_day >= start:
                taken = ("upto", finish)
            elif last_day <= finish:
                taken = ("onward", start)
            if whole_partner and rules and taken:
                rolled.append((month, *taken))
            elif flat_whole:
                whole.append(month)
            else:
                month_last = month_after(month) - datetime.timedelta(days=1)
                days.append((max(month, start), min(month_last, finish)))
            if not whole_partner:  # a part: its customers' running sums and rollups
                if rules:
                    customers.append(month)
                else:
                    customers_every = False
                if rules and taken:
                    customers_rolled.append((month, *taken))
                else:
                    customers_whole = False
    # what a reward depends on besides the aggregates, as the rollups digest it: only while every month with
    # data has its rollup (a change of the rates, the deals, own use or referred customers takes it off)
    rewards_version = None
    if version and all(digests):
        rewards_version = version + "|" + ",".join(digests)
    return Months(
        whole,
        days,
        rolled,
        settled,
        procurement,
        idle,
        tuple(complete),
        version,
        rewards_version,
        tuple(customers),
        customers_rolled if customers_whole else None,
        customers_every and not whole_partner,
    )


def usage_places(*, membership, key: str, cloud_id: str = "") -> QuerySet[UsageFolder]:
    """One row per cloud (``key="cloud"``) or folder (``"folder"``) of the consumption ``membership`` may see
    (of the folders of ``cloud_id`` only, when given), by name then id, the latest first: the choices of
    Subaccount details' Cloud and Folder pickers, searched and paged by the caller (``PLACE_ORDER``, its
    first two the distinct ones); a choice is its ``<key>_id``, the provider's id. Read from the small kept
    ``UsageFolder`` (its rows of a cloud share the cloud's latest name) along its (partner, name, id) index,
    so a page of choices stops after its rows, never grouping the partner's folders."""
    order = PLACE_ORDER[key]
    rows = UsageFolder.objects.restrict(membership)
    if cloud_id:
        rows = rows.filter(cloud_id=cloud_id)
    return rows.select_related("subaccount").order_by(*order).distinct(*order[:2])


PLACE_ORDER = {
    "cloud": ("cloud_name", "cloud_id", "-last_date"),
    "folder": ("folder_name", "folder_id", "-last_date"),
}


# a partner's label keys, in order, each found by one step of DailyLabelUsage's (partner, label, date) index
# (a loose index scan: not every cell read)
LABEL_KEYS = """
WITH RECURSIVE k(label) AS (
    SELECT min(label) FROM finance_dailylabelusage WHERE partner_id = %(partner)s
    UNION ALL
    SELECT (SELECT min(u.label) FROM finance_dailylabelusage u
            WHERE u.partner_id = %(partner)s AND u.label > k.label)
    FROM k WHERE k.label IS NOT NULL
)
SELECT label FROM k WHERE label IS NOT NULL
"""


def label_keys(*, membership, using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """The keys of the user labels in the consumption ``membership`` sees, sorted (from their aggregate)."""
    if membership.restricted:
        cells = DailyLabelUsage.objects.restrict(membership).using(using).order_by("label")
        return list(cells.values_list("label", flat=True).distinct())
    with connections[using].cursor() as cursor:
        cursor.execute(LABEL_KEYS, {"partner": membership.partner_id})
        return [label for (label,) in cursor.fetchall()]


def _no_label() -> Value:
    """The name of the by-label view's row for what has no value of the key."""
    return Value(gettext("(no label)"), output_field=CharField())


def usage_details(
    *,
    membership,
    start: datetime.date,
    finish: datetime.date,
    subaccount=None,
    q: str = "",
    cloud_id: str = "",
    folder_id: str = "",
    view: str = "service",
    label: str = "",
    grouping: str = "day",
    page: int = 1,
    per_page: int = 50,
    using: str = DEFAULT_DB_ALIAS,
    daily_rows: bool = False,
) -> UsageDetails:
    """The consumption ``membership`` may see from ``start`` to ``finish`` (of one ``subaccount``, or of the
    subaccounts whose name or billing account id holds ``q``; of one cloud ``cloud_id`` and/or one folder
    ``folder_id``, the provider's ids) by ``view`` and ``grouping``; one page of
    its rows, the totals and the chart in one query (and one small one before it: which months are whole),
    on the database ``using`` (the replica for the page: portal/replica.py).

    Read from the aggregates the import keeps: the table, chart and totals' sums of the whole partner's
    service and SKU views from ``DailySkuUsage`` (partner × day × SKU, corrected by the daily rows of the
    few subaccounts that earn otherwise), of its subaccount, cloud and folder views from ``DailyUsage``;
    the service and SKU views of a part of the partner (a restricted membership, one subaccount, a search)
    from the daily rows (``Consumption``) — a member restricted to some customers' from their customers'
    SKUs per day (``CustomerSkuDay``: CUSTOMER_SKUS) while every month's rollup stands —, its other views
    from ``DailyUsage``, summed per day and key before the rules are joined (but the few special
    subaccounts', per subaccount: PART_SOURCE; by service or SKU read apart through their own key:
    PART_APART); its subaccount, cloud and folder views read a page bucket
    by bucket (KEYED), their totals and chart from the part's own amounts (PART_AMOUNTS). The totals'
    reward, each subaccount's month rounded once: the whole partner's from its reward rollup
    (finance/usage_rewards.py, a row per month and currency) for a month the period takes from its start or
    to its end, while the rollup stands for the month's rates and deals; else from the monthly aggregate
    where a month is whole and at one rate (REWARDS), else from ``DailyUsage``'s days.
    The whole partner's subaccount, cloud and folder views read a page in an order by bucket first (the
    default) bucket by bucket, only as far as the page and its count reach, their totals and chart from the
    partner's SKU aggregate (UsageDetails, KEYED).
    The view by ``label`` (a key) has a row per value of the key from ``DailyLabelUsage`` and one, named
    “(no label)”, for the rest: every row less the key's cells (every row: the whole partner's from its SKU
    aggregate, a part's from ``DailyUsage``).
    ``daily_rows`` reads every figure from the daily rows — the same figures to the last digit, the rates,
    deals, own use and referred customers applied when read in either case.
    A cloud's or folder's page reads the daily rows (``DailyUsage``, ``Consumption`` for the service and SKU
    views) of its few subaccounts only (found in ``UsageFolder``), through their (subaccount, date, …) keys,
    the totals' reward from those rows, each subaccount's month rounded once (the monthly aggregate and the
    rollup know no folders)."""
    key, name = USAGE_VIEWS[view] if view != LABEL_VIEW else ("", "")
    if grouping not in USAGE_GROUPINGS:
        raise ValueError(grouping)
    partner_id = membership.partner_id
    placed = bool(cloud_id or folder_id)
    whole_partner = not membership.restricted and subaccount is None and not q and not placed
    # one subaccount's page: its deals only, not every deal of the partner
    deal_days = ProgramSettings.current().deal_subaccount_days
    months = (
        None
        if daily_rows or placed
        else _whole_months(partner_id, start, finish, using, whole_partner=whole_partner)
    )
    only, settled, holders = "", None, []
    if placed:  # the subaccounts that hold the cloud or folder (one, as a rule)
        places = UsageFolder.objects.using(using).restrict(membership)
        if cloud_id:
            places = places.filter(cloud_id=cloud_id)
        if folder_id:
            places = places.filter(folder_id=folder_id)
        if subaccount is not None:
            places = places.filter(subaccount=subaccount)
        holders = sorted(set(places.values_list("subaccount_id", flat=True)))
    if subaccount is not None:  # one subaccount's page: its deals only, not every deal of the partner
        only = f"s.id = {int(subaccount.pk)}"
    elif placed:  # a cloud's or folder's: its subaccounts' deals
        only = "s.id = ANY(ARRAY[" + ", ".join(str(int(pk)) for pk in holders) + "]::bigint[])"
    elif months is not None and whole_partner and view in ("service", "sku"):
        # the partner aggregate's page: deals only of the months neither settled nor rolled up (none of
        # its rows or totals reads the deals of the others)
        settled = months.settled
        rolled = {month for month, _part, _day in months.rolled}
        needed = sorted(
            {*months.whole, *(day.replace(day=1) for day, _last in months.days), *rolled}
            - (rolled & {*settled})
        )
        only = f"date_trunc('month', m.month)::date = ANY({_dates(needed)})" if needed else NONE_NEEDED
    part = months is not None and not whole_partner  # (a search, a restricted membership, one subaccount)
    customers = part and membership.restricted and subaccount is None and not q  # (whole customers)
    # ... by service or SKU from their customers' SKUs per day (their deals' part in them: each month settled)
    customer_skus = customers and view in ("service", "sku") and months.customers_every
    if customer_skus:
        settled = list(months.customers_kept)
    ctes = _reward_sql(start, finish, partner_id, deal_days, only, settled)
    if part:
        ctes += SPECIAL.format(partner=str(int(partner_id)))

    def scoped(model, **period):
        queryset = model.objects.restrict(membership).filter(**period)
        if subaccount is not None:
            queryset = queryset.filter(subaccount=subaccount)
        elif q:
            queryset = queryset.filter(
                Q(subaccount__name__icontains=q) | Q(subaccount__billing_account_id__icontains=q)
            )
        if placed:  # (no holder: id 0, none, as an empty IN has no SQL)
            queryset = queryset.filter(subaccount_id__in=holders or [0])
            if cloud_id:
                queryset = queryset.filter(cloud_id=cloud_id)
            if folder_id:
                queryset = queryset.filter(folder_id=folder_id)
        return queryset.order_by()

    def rows(queryset, earning, key, name) -> tuple[str, list]:
        sql, params = queryset.values(
            "subaccount_id",
            "date",
            "currency",
            "cost",
            "credit",
            "adjustment",
            key=F(key) if isinstance(key, str) else key,
            name=F(name) if isinstance(name, str) else name,
            earning=earning,
        ).query.sql_with_params()
        return sql, list(params)

    def source(queryset, earning, key, name, *, by_row=False, amounts=False, apart=False):
        """The rows' source with their reward: a part's as PART_SOURCE (or PART_ROWS ``by_row``, PART_APART
        ``apart``, its PART_AMOUNTS ``amounts``), else SOURCE (the daily rows' way keeps a subaccount per
        row: DAILY_GROUPED rounds its months)."""
        sql, params = rows(queryset, earning, key, name)
        reward = REWARD.format(paid="c.earning")
        if amounts:
            return PART_AMOUNTS.format(rows=sql), params
        if by_row and part:
            return PART_ROWS.format(rows=sql, reward=reward, joins=REWARD_JOINS), [*params, *params]
        if apart and part:
            return PART_APART.format(rows=sql, reward=reward, joins=REWARD_JOINS), [*params, *params]
        if part:  # (the sums of the base rate's subaccounts have none: every join a left join)
            joins = REWARD_JOINS.replace("JOIN subaccounts_subaccount", "LEFT JOIN subaccounts_subaccount")
            return PART_SOURCE.format(rows=sql, reward=reward, joins=joins), params
        return SOURCE.format(rows=sql, reward=reward, joins=REWARD_JOINS), params

    def label_source() -> tuple[str, list]:
        """The key's values from its cells, and what has none: every daily cell less the key's cells (the
        amounts and the rates are per subaccount and day, so the difference is exact); a cloud's or folder's
        from its few subaccounts' daily rows (the cells know no folders)."""
        if daily_rows or placed:
            value = KeyTextTransform(label, "labels")  # (a key may hold "__": not a lookup path)
            resold = Case(When(is_marketplace=True, then=Value(ZERO)), default=F("cost") + F("credit"))
            text = {"output_field": CharField()}
            return source(
                scoped(Consumption, **in_period),
                resold,
                Coalesce(value, Value(""), **text),
                Coalesce(value, _no_label(), **text),
            )
        valued_sql, valued = rows(
            scoped(DailyLabelUsage, **in_period).filter(label=label), F("paid"), "value", "value"
        )
        lacking = "n.subaccount_id, n.date, n.currency, -n.cost, -n.credit, -n.adjustment, '', %s, -n.earning"
        if whole_partner:  # every row: the whole partner's from its SKU aggregate (a few rows a day)
            every_sql = SKU_SOURCE.format(key="sku_id", name="sku_name", **literal)
            sql = f"{valued_sql} UNION ALL SELECT {lacking} FROM ({valued_sql}) n"  # noqa: S608
            labelled = SOURCE.format(rows=sql, reward=REWARD.format(paid="c.earning"), joins=REWARD_JOINS)
            every = "e.subaccount_id, e.date, e.currency, '', %s, e.cost, e.credit, e.adjustment, e.reward"
            return (
                f"{labelled} UNION ALL SELECT {every} FROM ({every_sql}) e",  # noqa: S608 (constants)
                [*valued, gettext("(no label)"), *valued, gettext("(no label)")],
            )
        all_sql, every = rows(scoped(DailyUsage, **in_period), F("paid"), Value(""), _no_label())
        sql = f"{valued_sql} UNION ALL {all_sql} UNION ALL SELECT {lacking} FROM ({valued_sql}) n"  # noqa: S608
        return (
            SOURCE.format(rows=sql, reward=REWARD.format(paid="c.earning"), joins=REWARD_JOINS),
            [*valued, *every, gettext("(no label)"), *valued],
        )

    in_period = {"date__gte": start, "date__lte": finish}
    literal = {
        "partner": str(int(partner_id)),
        "first": f"DATE '{start.isoformat()}'",
        "last": f"DATE '{finish.isoformat()}'",
    }
    rewards = None
    if view == LABEL_VIEW:
        main = label_source()
    elif customer_skus:
        rows_sql, rows_params = (
            scoped(CustomerSkuDay, **in_period)
            .values(
                "date",
                "currency",
                "cost",
                "credit",
                "adjustment",
                "paid",
                "deal_paid",
                key=F(key),
                name=F(name),
            )
            .query.sql_with_params()
        )
        scope_sql, scope_params = (
            Subaccount.objects.restrict(membership)  # (the member's subaccounts)
            .order_by()
            .values("id")
            .query.sql_with_params()
        )
        main = (
            CUSTOMER_SKUS.format(rows=rows_sql, scope=scope_sql, key=key, partner=literal["partner"]),
            [*rows_params, *scope_params],
        )
    elif daily_rows or (view in ("service", "sku") and not whole_partner):
        resold = Case(When(is_marketplace=True, then=Value(ZERO)), default=F("cost") + F("credit"))
        main = source(scoped(Consumption, **in_period), resold, key, name, apart=True)
    elif view in ("service", "sku"):
        exceptions = months is None or months.idle or only != NONE_NEEDED
        sku_source = SKU_SOURCE if exceptions else SKU_AGGREGATE
        main = (sku_source.format(key=key, name=name, **literal), [])
    else:
        main = source(scoped(DailyUsage, **in_period), F("paid"), key, name)
    totals_source = ranking = None
    if part and view in DAILY_BASE_KEYS:  # a part's keyed page bucket by bucket, its totals from its own rows
        totals_source = source(scoped(DailyUsage, **in_period), F("paid"), key, name, amounts=True)
        if customers and months.customers_kept:
            kept = Q()
            for month in months.customers_kept:
                kept |= Q(date__gte=month, date__lt=month_after(month))
            sums_sql, sums_params = (
                CustomerUsageDay.objects.restrict(membership)
                # from the day before the period: a day's amounts are its sums less the day's before (a
                # customer with no row then had none yet in its month), the month's earlier days not read
                .filter(kept, date__gte=start - datetime.timedelta(days=1), date__lte=finish)
                .order_by()
                .values("account_id", "date", "currency", "cost", "credit", "adjustment", "rows")
                .query.sql_with_params()
            )
            rest_sql, rest_params = "", []
            others = Q()  # the period's days in the other months, as ranges of days (read by the index)
            for first_day, last_day in _day_runs(start, finish, months.customers_kept):
                others |= Q(date__gte=first_day, date__lte=last_day)
            if others:
                rest_sql, rest_params = source(
                    scoped(DailyUsage, **in_period).filter(others), F("paid"), key, name, amounts=True
                )
                rest_sql = f"\n    UNION ALL {rest_sql}"
            totals_source = (
                CUSTOMER_AMOUNTS.format(rows=sums_sql, first=literal["first"], rest=rest_sql),
                [*sums_params, *rest_params],
            )
        # ... in an order a ranking can follow, each bucket ranked from the part's amounts alone and the
        # page's rows worked out with every rule (RANKED, as the whole partner's, but not by the reward), the
        # ranking kept for the partner's aggregates and subaccounts as they are (their version: a subaccount
        # moved to another customer gives a new one) and the part's own SQL (the member's customers' ids, the
        # search: its key)
        ranked_key, ranked_name = (
            ("subaccount_id", Value(None, CharField())) if view == "subaccount" else (key, name)
        )
        held_ids = RawSQL(HELD_IDS, [])  # noqa: S611 (a constant)
        held = scoped(DailyUsage, **in_period).filter(subaccount_id__any=held_ids)
        ranking = {
            "view": view,
            "source": _literal(
                rows(scoped(DailyUsage, **in_period), F("paid"), ranked_key, ranked_name), using
            ),
            "rewarded": None,
            "full": _literal(source(held, F("paid"), key, name), using),
            # ... of some days only (a kept ranking's page: its buckets' days)
            "days": lambda since, until: _literal(
                source(held.filter(date__gte=since, date__lte=until), F("paid"), key, name), using
            ),
            "held": HELD[view].format(partner=literal["partner"]),
            "version": months.version,
            "rewards_version": None,
        }
    if whole_partner and view in DAILY_BASE_KEYS and months is not None:
        complete = months.complete if grouping == "month" else ()
        main = (_daily_base(view, literal, start, finish, complete), [])
        ctes += SPECIAL.format(partner=literal["partner"])
        ranking = {
            "view": view,
            "source": _rank_base(view, literal, start, finish, complete),
            # ... by the reward: the rows with every rule, read after the rules' CTEs (all of ``ctes``)
            "rewarded": _daily_base(view, literal, start, finish, complete, keys=REWARD_RANK_KEYS),
            "full": _daily_base(view, literal, start, finish, complete, held=HELD_IDS),
            # ... of some days only (a kept ranking's page: its buckets' days; the same rows of those days)
            "days": lambda since, until: _daily_base(
                view,
                literal,
                max(since, start),
                min(until, finish),
                tuple(m for m in complete if since <= m <= until),
                held=HELD_IDS,
            ),
            "held": HELD[view].format(partner=literal["partner"]),
            "version": months.version,
            "rewards_version": months.rewards_version,
        }
        # the totals and the chart: the whole partner's amounts from its SKU aggregate (the reward of the
        # totals is ``rewards``', the chart has none: no correction read)
        totals_source = (SKU_AGGREGATE.format(key="sku_id", name="sku_name", **literal), [])
    if customers and months.customers_rolled is not None:  # the customers' rollups stand for every month
        parts, parts_params = [], []
        for month, kind, bound in months.customers_rolled:
            in_month = CustomerUsageDay.objects.restrict(membership).filter(
                date__gte=month, date__lt=month_after(month)
            )
            if kind == "upto":  # each customer's row of the month's day (its rows run to the month's end)
                end_day = min(bound, month_after(month) - datetime.timedelta(days=1))
                rows_sql, rows_params = (
                    in_month.filter(date=end_day).values("currency", "reward_upto").query.sql_with_params()
                )
            else:  # each customer's first row from the day on
                rows_sql, rows_params = (
                    in_month.filter(date__gte=bound)
                    .order_by("account_id", "currency", "date")
                    .distinct("account_id", "currency")
                    .values("currency", "reward_onward")
                    .query.sql_with_params()
                )
            parts.append(CUSTOMERS_ROLLED.format(rows=rows_sql, column=f"reward_{kind}"))
            parts_params += rows_params
        rewards = (REWARDS.format(parts="\n        UNION ALL".join(parts) or REWARDS_NONE), parts_params)
    elif months is not None:
        whole, days, rolled = months.whole, months.days, months.rolled
        parts, parts_params = [], []
        if whole:
            monthly_sql, monthly_params = (
                scoped(MonthlyConsumption, month__in=whole)
                .values("subaccount_id", "month", "currency", "paid")
                .query.sql_with_params()
            )
            parts.append(REWARDS_MONTHLY.format(monthly=monthly_sql))
            parts_params += monthly_params
        if days:
            on_days = Q()
            for first_day, last_day in days:
                on_days |= Q(date__gte=first_day, date__lte=last_day)
            days_sql, days_params = source(
                scoped(DailyUsage, **in_period).filter(on_days),
                F("paid"),
                "folder_id",
                "folder_name",
                by_row=True,
            )
            parts.append(REWARDS_DAYS.format(days=days_sql))
            parts_params += days_params
        if whole and months.procurement:  # a procurement deal's whole months: its contract's days only
            deal_scope = ""
            if not whole_partner:  # the subaccounts the membership sees that the search or the choice keeps
                subaccounts = Subaccount.objects.restrict(membership)
                if subaccount is not None:
                    subaccounts = subaccounts.filter(pk=subaccount.pk)
                elif q:
                    subaccounts = subaccounts.filter(
                        Q(name__icontains=q) | Q(billing_account_id__icontains=q)
                    )
                scope_sql, scope_params = subaccounts.order_by().values("id").query.sql_with_params()
                deal_scope = f"AND dd.subaccount_id IN ({scope_sql})"
                parts_params += scope_params
            parts.append(
                REWARDS_PROCUREMENT.format(
                    deal_reward=REWARD.format(paid="c.paid"),
                    partner=literal["partner"],
                    whole=_dates(whole),
                    deal_scope=deal_scope,
                )
            )
        if rolled:
            parts.append(
                REWARDS_ROLLED.format(
                    rolled=" UNION ALL ".join(
                        ROLLED[part].format(
                            partner=literal["partner"],
                            month=f"DATE '{month.isoformat()}'",
                            bound=f"DATE '{bound.isoformat()}'",
                        )
                        for month, part, bound in rolled
                    )
                )
            )
        rewards = (REWARDS.format(parts="\n        UNION ALL".join(parts) or REWARDS_NONE), parts_params)
    if ranking is not None:  # RANKED's deals: only its page's subaccounts' when the totals' reward reads none
        ranking["ctes"] = ranking["all_ctes"] = ctes
        if customers:  # (a part's from its customers' rollups, or from its rows)
            reads_deals = months.customers_rolled is None
        else:
            reads_deals = not whole_partner or bool(months.whole or months.days)
        if not reads_deals:
            held_deals = _reward_sql(start, finish, partner_id, deal_days, f"s.id = ANY({HELD_IDS})", settled)
            ranking["ctes"] = held_deals + SPECIAL.format(partner=literal["partner"])
    first = (max(page, 1) - 1) * per_page
    return UsageDetails(
        source=main,
        rewards=rewards,
        ctes=ctes,
        grouping=grouping,
        buckets=_buckets(start, finish, grouping),
        page=slice(first, first + per_page),
        totals_source=totals_source,
        ranking=ranking,
        version=None if months is None else months.rewards_version,
        using=using,
    )


ESTIMATE_SECONDS = 300


def warm_rankings(partner) -> int:
    """Work out and keep the rankings of the whole partner's folder, cloud and subaccount views of Subaccount
    details that members open first — each preset period (this month, last month, the last 7 and 30 days),
    by day, week and month, the first page in the default order and page size (kept with its period's
    totals and chart, and the page itself) — so that the first to open one after an import reads them kept
    instead of waiting for the ranking to be worked out (10,000–40,000 rows for the largest partner). Run
    after an import (``finance.tasks.warm_usage_rankings``); what is already kept is read, not worked out
    again. Returns the pages read."""
    from access.models import Membership

    membership = Membership.whole_partner(partner)
    read = 0
    for preset, _name in DAY_PRESETS:
        if preset == "custom":
            continue
        start, finish = day_preset(preset)
        for view in RANK_NAMED:  # the whole partner's views that rank a period
            for grouping in USAGE_GROUPINGS:
                details = usage_details(
                    membership=membership,
                    start=start,
                    finish=finish,
                    view=view,
                    grouping=grouping,
                    page=1,
                    per_page=PAGE_SIZES[0],
                )
                len(details)  # the page's one query, which keeps the ranking it works out
                read += 1
    return read


def commission_streamable(membership, start: datetime.date, finish: datetime.date) -> bool:
    """Whether the report of the period downloads at once: a short period whose rows, as the planner
    estimates them, stream well inside the web timeout; else Celery prepares it as a file (a download is
    never cut off half-way)."""
    if (finish - start).days >= settings.COMMISSION_STREAM_MAX_DAYS:
        return False
    accounts = report_accounts(membership)
    # the planner's estimate moves only when the table's statistics do (autovacuum's ANALYZE): kept a few
    # minutes rather than planned over the partitions at every view of the page
    digest = hashlib.sha256(repr(accounts).encode()).hexdigest()[:16]
    key = f"commission-estimate:{membership.partner_id}:{start}:{finish}:{digest}"
    rows = cache.get(key)
    if rows is None:
        rows = estimated_rows(
            partner_id=membership.partner_id, start=start, finish=finish, account_ids=accounts
        )
        cache.set(key, rows, ESTIMATE_SECONDS)
    return rows <= settings.COMMISSION_STREAM_MAX_ROWS


def report_accounts(membership) -> list[int] | None:
    """The accounts a report may cover: all (None), or a restricted member's, sorted for comparison."""
    if not membership.restricted:
        return None
    return list(membership.allowed_account_ids)


def commission_statistics(
    *,
    membership,
    start: datetime.date,
    finish: datetime.date,
    q: str = "",
    page: int = 1,
    per_page: int = 25,
    using: str = DEFAULT_DB_ALIAS,
) -> CommissionStatistics:
    """The figures of the commission report of ``start`` … ``finish`` that ``membership`` may download — the
    same rows (its partner's, of the customers it sees) summed per currency, month and customer, to the
    last digit — with one page of the customers (whose name holds ``q``): one query when first read, from
    the customers' running sums the import keeps (finance.commission.STATISTICS_SOURCE)."""
    first = (max(page, 1) - 1) * per_page
    return CommissionStatistics(
        partner_id=membership.partner_id,
        start=start,
        finish=finish,
        account_ids=report_accounts(membership),
        q=q,
        page=slice(first, first + per_page),
        using=using,
    )
