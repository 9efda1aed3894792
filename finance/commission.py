"""The detailed commission report: one row per product per day per folder, streamed by PostgreSQL's COPY.

The database formats every cell (amounts with a dot and two decimals, formula-leading text prefixed with a
quote), so rows go from the server to the browser without Python touching each value: memory stays flat
and the speed is COPY's own.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from decimal import Decimal

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

from portal.csv import FORMULA_STARTS
from portal.money import ZERO, Currency
from portal.periods import MonthRange, month_after
from portal.tables import SqlPagedData, sql_order
from tools.models import ProgramSettings

from .accruals import RESOLD, ROW_REWARD, day_terms_sql, deals_sql
from .models import Consumption, Program
from .usage_rewards import REWARD as USAGE_REWARD
from .usage_rewards import REWARD_JOINS

# billing's detailed export, column for column: a provider's file and the portal's own read alike (credits
# negative, amounts in billing's precision, the reward unrounded so a month's rows sum to what was accrued)
HEADER = (
    "billing_account_id",
    "billing_account_name",
    "cloud_id",
    "cloud_name",
    "folder_id",
    "folder_name",
    "resource_id",
    "service_id",
    "service_name",
    "sku_id",
    "sku_name",
    "date",
    "currency",
    "pricing_quantity",
    "pricing_unit",
    "cost",
    "credit",
    "monetary_grant_credit",
    "volume_incentive_credit",
    "cud_credit",
    "misc_credit",
    "reward",
    "locale",
    "updated_at",
    "exported_at",
)


def _amount(column: str) -> str:
    """An amount as text with a dot: at least two decimals, and every decimal billing gave (no rounding)."""
    return (
        f"CASE WHEN scale(trim_scale({column})) <= 2 THEN to_char({column}, 'FM999999999999990.00') "
        f"ELSE trim_scale({column})::text END"
    )


def _safe(column: str) -> str:
    """A text cell a spreadsheet will not run: portal.csv's one rule, in SQL (the % is doubled because the
    query carries bound parameters)."""
    starts = ", ".join(
        {"\t": "chr(9)", "\r": "chr(13)", "%": "'%%'"}.get(c, f"'{c}'") for c in FORMULA_STARTS
    )
    return f"CASE WHEN left({column}, 1) IN ({starts}) THEN '''' || {column} ELSE {column} END"


TEXT = (
    "s.billing_account_id",
    "s.name",
    "c.cloud_id",
    "c.cloud_name",
    "c.folder_id",
    "c.folder_name",
    "c.service_id",
    "c.service_name",
    "c.sku_id",
    "c.sku_name",
)

AMOUNTS = (
    "c.cost",
    "c.credit",
    "c.monetary_grant_credit",
    "c.volume_incentive_credit",
    "c.cud_credit",
    "c.misc_credit",
)
# reward: what the row earns the partner on its invoice, unrounded — the partner bonus at the day's rate and,
# on a day of the subaccount's deal, the deal extra at the day's rate (none for own use, excluded services or
# a referred customer, which earns the referral commission instead); a subaccount's month of rows sums to
# what its partner bonus and deal extra accrued
REWARD = ROW_REWARD.format(bonus="COALESCE(b.rate, 0)", extra="COALESCE(r.rate, 0)")
SELECT = f"""
WITH bonus AS ({day_terms_sql(Program.PARTNER_BONUS, "''", "{start}", "{finish}")}),
extra AS ({day_terms_sql(Program.DEAL_EXTRA, "''", "{start}", "{finish}")}),
deals AS ({deals_sql("{start}", "{finish}")})
SELECT {", ".join(_safe(t) for t in TEXT[:6])}, {{resource}}{", ".join(_safe(t) for t in TEXT[6:])},
       to_char(c.date, 'YYYY-MM-DD'), c.currency, trim_scale(c.quantity)::text, {_safe("c.unit")},
       {", ".join(_amount(a) for a in (*AMOUNTS, "reward"))}{{labels}},
       'en', '', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
FROM finance_consumption c
JOIN subaccounts_subaccount s ON s.id = c.subaccount_id
LEFT JOIN deals d ON d.subaccount_id = c.subaccount_id AND d.month = date_trunc('month', c.date)::date
LEFT JOIN bonus b ON b.d = c.date AND b.currency = c.currency
LEFT JOIN extra r ON r.d = c.date AND r.currency = c.currency
CROSS JOIN LATERAL (
    SELECT CASE WHEN {RESOLD} THEN {REWARD} ELSE 0 END AS reward
) w
WHERE c.partner_id = {{partner}} AND c.date >= {{start}} AND c.date <= {{finish}} {{scope}}
ORDER BY c.date, s.billing_account_id, c.folder_id, c.sku_id, c.resource_id
"""


# the report's rows of a period, within the scope: counted for a prepared report's progress, estimated by
# the planner to decide whether a report can stream
ROWS_OF_PERIOD = """FROM finance_consumption c JOIN subaccounts_subaccount s ON s.id = c.subaccount_id
WHERE c.partner_id = {partner} AND c.date >= {start} AND c.date <= {finish} {scope}"""
COUNT = f"SELECT count(*) {ROWS_OF_PERIOD}"
# the keys of the labels the period's rows have, in order: the report's label.user_labels.<key> columns —
# read from the label cells the import keeps beside the rows (DailyLabelUsage: a cell per key and value of
# each subaccount's day), not from every row's labels
LABEL_KEYS = """SELECT array(
SELECT DISTINCT c.label FROM finance_dailylabelusage c JOIN subaccounts_subaccount s ON s.id = c.subaccount_id
WHERE c.partner_id = {partner} AND c.date >= {start} AND c.date <= {finish} {scope} ORDER BY 1)"""


# billing's Resource level has the resource_id column; its General level leaves it out
GENERAL_HEADER = tuple(name for name in HEADER if name != "resource_id")


def header(*, resource: bool, labels: list[str]) -> tuple[str, ...]:
    """The report's columns: billing's, with ``resource_id`` at the Resource level, and a column for each
    label key after ``reward``."""
    names = HEADER if resource else GENERAL_HEADER
    at = names.index("reward") + 1
    return (*names[:at], *(f"{Consumption.LABEL_PREFIX}{key}" for key in labels), *names[at:])


def report_query(
    template: str, *, partner_id, start, finish, account_ids, resource: bool = True, labels: list[str] = ()
) -> tuple[str, dict]:
    """``template`` for a period of a partner's report rows (``account_ids``: only those customers'); with
    the ``resource_id`` column (``resource``) or without it, billing's General level; a cell for each label
    key of ``labels`` (empty where a row has no such label)."""
    scope = "AND s.account_id = ANY(%(accounts)s)" if account_ids is not None else ""
    query = template.format(
        partner="%(partner)s",
        start="%(start)s",
        finish="%(finish)s",
        scope=scope,
        resource=f"{_safe('c.resource_id')}, " if resource else "",
        labels="".join(
            f", {_safe(f'COALESCE(c.labels ->> %(label_{n})s, {EMPTY})')}" for n in range(len(labels))
        ),
    )
    return query, {
        **{f"label_{n}": key for n, key in enumerate(labels)},
        "partner": partner_id,
        "start": start,
        "finish": finish,
        "accounts": account_ids or [],
        "zone": settings.TIME_ZONE,
        "deal_days": ProgramSettings.current().deal_subaccount_days,
    }


EMPTY = "''"


def _period_value(template: str, *, partner_id, start, finish, account_ids, using: str):
    """The one value ``template`` (a query over the period's report rows) answers."""
    query, params = report_query(
        template, partner_id=partner_id, start=start, finish=finish, account_ids=account_ids
    )
    with connections[using].cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchone()[0]


def commission_rows(
    *,
    partner_id: int,
    start: datetime.date,
    finish: datetime.date,
    account_ids: list[int] | None,
    using: str = DEFAULT_DB_ALIAS,
) -> int:
    """How many rows the report of that period has (for the progress of a report made in the background)."""
    return _period_value(
        COUNT, partner_id=partner_id, start=start, finish=finish, account_ids=account_ids, using=using
    )


ESTIMATE = f"EXPLAIN (FORMAT JSON) SELECT 1 {ROWS_OF_PERIOD}"


def estimated_rows(
    *,
    partner_id: int,
    start: datetime.date,
    finish: datetime.date,
    account_ids: list[int] | None,
    using: str = DEFAULT_DB_ALIAS,
) -> int:
    """How many rows the report of that period will have, as PostgreSQL's planner estimates it from the
    table's statistics: a millisecond, where counting them would read them all."""
    plan = _period_value(
        ESTIMATE, partner_id=partner_id, start=start, finish=finish, account_ids=account_ids, using=using
    )
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])


def commission_csv(
    *,
    partner_id: int,
    start: datetime.date,
    finish: datetime.date,
    account_ids: list[int] | None,
    using: str = DEFAULT_DB_ALIAS,
    resource: bool = True,
) -> Iterator[bytes]:
    """The report as CSV bytes, header first, read from the database ``using`` (the replica when there is
    one: portal/replica.py). ``account_ids`` limits a restricted membership's rows; without ``resource`` the
    ``resource_id`` column is left out (billing's General level); the labels of the period's rows are a
    column each, at both levels."""
    labels = _period_value(
        LABEL_KEYS, partner_id=partner_id, start=start, finish=finish, account_ids=account_ids, using=using
    )
    query, params = report_query(
        SELECT,
        partner_id=partner_id,
        start=start,
        finish=finish,
        account_ids=account_ids,
        resource=resource,
        labels=labels,
    )
    with connections[using].cursor() as cursor:
        pg = cursor.cursor  # psycopg 3: COPY with bound parameters
        yield (",".join(header(resource=resource, labels=labels)) + "\n").encode()
        with pg.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)", params) as copy:
            for block in copy:
                yield bytes(block)


# Commission statistics: the report's money columns summed by month and by customer, from the aggregates the
# import keeps, never from the daily rows. A row's reward is its paid part (cost + credit, not an excluded
# service) at its day's rates, summed unrounded: PostgreSQL's numeric multiplies and adds exactly, so any
# grouping of the rows sums to the last digit what the report's rows do. Each month of the period is its span
# of days (``spans``: from the period's or the month's first day to its or the month's last). A month whose
# reward rollup stands (its ``UsageRewardMonth`` row exists: the sources' triggers delete it in the
# transaction of any change its rewards depend on, finance/migrations/0032 and the customer usage days') reads
# the customers' running sums (``CustomerUsageDay``): per customer the row of the span's last day, less that
# of the day before its first when the span starts after the month does — at most two rows per customer and
# month, whatever the days and subaccounts — and the whole partner's months its running sums
# (``PartnerUsageDay``), the customers' summed. Any other month is worked out exactly, day by day, from
# Subaccount details' daily aggregate (``DailyUsage``: subaccount × day × folder) at the day's rates, deals,
# own use and referred customers as they are now. ``rows`` counts the daily aggregate rows: a customer or a
# month without any in the period is not shown.
# the day by day part, only in a query that may meet a stale month: the rates, the deals and the customers
# that earn nothing (the CTEs REWARD_JOINS reads), and the stale months' daily aggregate rows ({scope}: the
# member's customers)
STATISTICS_RATES = f"""
bonus AS ({day_terms_sql(Program.PARTNER_BONUS, "''", "%(start)s::date", "%(finish)s::date")}),
extra AS ({day_terms_sql(Program.DEAL_EXTRA, "''", "%(start)s::date", "%(finish)s::date")}),
deals AS ({deals_sql("%(start)s::date", "%(finish)s::date")}),
referred AS (SELECT DISTINCT account_id FROM finance_referredcustomer),"""  # noqa: S608 (constant fragments)
STATISTICS_DAYS = f"""
    UNION ALL
    SELECT s.account_id, sp.month, c.currency, c.cost, c.credit, {USAGE_REWARD.format(paid="c.paid")}, 1,
           false
    FROM spans sp
    CROSS JOIN LATERAL (  -- by the span's days, never a scan of the partner's other days
        SELECT u.subaccount_id, u.date, u.currency, u.cost, u.credit, u.paid FROM finance_dailyusage u
        WHERE u.partner_id = %(partner)s AND u.date >= sp.first AND u.date <= sp.last
        OFFSET 0
    ) c
    {REWARD_JOINS}
    WHERE NOT sp.kept {{scope}}"""  # noqa: S608 (constant fragments)
# the months of the whole partner (a member who sees every customer): a kept month from the partner's running
# sums (``PartnerUsageDay``, at most two rows), a stale one from its customers' rows worked out day by day
PARTNER_MONTHS = """
    SELECT e.month, p.currency, CASE WHEN e.minus THEN -p.cost ELSE p.cost END,
           CASE WHEN e.minus THEN -p.credit ELSE p.credit END,
           CASE WHEN e.minus THEN -p.reward ELSE p.reward END, CASE WHEN e.minus THEN -p.rows ELSE p.rows END
    FROM edges e JOIN finance_partnerusageday p ON p.partner_id = %(partner)s AND p.date = e.day
    UNION ALL
    SELECT c.month, c.currency, c.cost, c.credit, c.reward, c.rows FROM c WHERE NOT c.kept"""
# the months of a member's customers: their rows
CUSTOMER_MONTHS = """
    SELECT c.month, c.currency, c.cost, c.credit, c.reward, c.rows FROM c"""
STATISTICS_SOURCE = """
WITH {rates}
spans AS MATERIALIZED (
    SELECT sp.month, sp.first, sp.last,
           EXISTS (SELECT 1 FROM finance_usagerewardmonth r
                   WHERE r.partner_id = %(partner)s AND r.month = sp.month) AS kept
    FROM unnest(%(months)s::date[], %(firsts)s::date[], %(lasts)s::date[]) sp(month, first, last)
),
-- a kept month's sums: its last day's running sums, less (``minus``) those of the day before the period's
-- first when the period starts inside the month (negated, not multiplied by -1: numeric multiplication costs
-- a third of the grouping of 10,000 rows)
edges AS MATERIALIZED (
    SELECT month, last AS day, false AS minus FROM spans WHERE kept
    UNION ALL
    SELECT month, first - 1, true FROM spans WHERE kept AND first > month
),
c AS {materialized} (
    SELECT u.account_id, e.month, u.currency, CASE WHEN e.minus THEN -u.cost ELSE u.cost END AS cost,
           CASE WHEN e.minus THEN -u.credit ELSE u.credit END AS credit,
           CASE WHEN e.minus THEN -u.reward ELSE u.reward END AS reward,
           CASE WHEN e.minus THEN -u.rows ELSE u.rows END AS rows, true AS kept
    FROM edges e
    JOIN finance_customerusageday u ON u.partner_id = %(partner)s AND u.date = e.day
    WHERE true {scope_u}
    {days}
),
months AS (
    SELECT m.month, m.currency, sum(m.cost) AS cost, sum(m.credit) AS credit, sum(m.reward) AS reward
    FROM ({months}) m(month, currency, cost, credit, reward, rows)
    GROUP BY m.month, m.currency
    HAVING sum(m.rows) > 0
),
accounts AS (  -- the partner's accounts hashed once, not looked up one by one for each customer
    SELECT id, name FROM accounts_account WHERE partner_id = %(partner)s OFFSET 0
),
{customers}"""  # noqa: S608 (constant fragments; the partner, the period, the accounts and the search are bound)
# the customers of the period (whose rows there add up to any) with their sums, for an order by a sum and for
# every customer (the CSV)
CUSTOMER_SUMS = """
sums AS (
    SELECT c.account_id, c.currency, sum(c.cost) AS cost, sum(c.credit) AS credit, sum(c.reward) AS reward
    FROM c GROUP BY c.account_id, c.currency HAVING sum(c.rows) > 0
),
customers AS (
    SELECT s.account_id, a.name, s.currency, s.cost, s.credit, s.reward
    FROM sums s JOIN accounts a ON a.id = s.account_id
    WHERE true {search}
)"""
SUMS_PAGE = """,
page AS (SELECT * FROM customers ORDER BY {order} LIMIT {limit} OFFSET {offset})"""
# the page of customers in an order of their names: which customers first (their rows counted, not summed),
# then the sums of the page's alone — whatever the number of the partner's customers
CUSTOMER_NAMES = """
present AS (
    SELECT c.account_id, c.currency FROM c GROUP BY c.account_id, c.currency HAVING sum(c.rows) > 0
),
customers AS MATERIALIZED (
    SELECT p.account_id, a.name, p.currency FROM present p JOIN accounts a ON a.id = p.account_id
    WHERE true {search}
),
shown AS MATERIALIZED (SELECT * FROM customers ORDER BY {order} LIMIT {limit} OFFSET {offset}),
page AS (
    SELECT s.account_id, s.name, s.currency, sum(c.cost) AS cost, sum(c.credit) AS credit,
           sum(c.reward) AS reward
    FROM shown s JOIN c ON c.account_id = s.account_id AND c.currency = s.currency
    GROUP BY s.account_id, s.name, s.currency
)"""
# one query answers the page: the customers' page in the order asked for, how many customers, each month —
# and how many of the months it found stale (read without the day by day part, it is asked again with it)
STATISTICS = (
    STATISTICS_SOURCE
    + """
(SELECT 'customer', account_id, name, NULL::date, currency, cost, credit, reward FROM page ORDER BY {order})
UNION ALL
SELECT 'count', count(*), NULL, NULL, NULL, NULL, NULL, NULL FROM customers
UNION ALL
SELECT 'stale', count(*), NULL, NULL, NULL, NULL, NULL, NULL FROM spans WHERE NOT kept
UNION ALL
(SELECT 'month', NULL, NULL, month, currency, cost, credit, reward FROM months ORDER BY month, currency)
"""
)
# every customer (the table's CSV)
STATISTICS_CUSTOMERS = (
    STATISTICS_SOURCE
    + "\nSELECT account_id, name, currency, cost, credit, reward FROM customers ORDER BY {order}"
)
STATISTICS_MONEY = ("cost", "credit", "reward")
ORDER_OF_CURRENCY = {code: n for n, code in enumerate(Currency.values)}
# what a user may sort the customers by (django-tables2's ?customers-sort=)
CUSTOMER_ORDER = {"name": "name", "currency": "currency", **{m: m for m in STATISTICS_MONEY}}
CUSTOMER_DEFAULT_ORDER = "name, account_id, currency"


class CustomerFigures(SqlPagedData):
    """The period's figures per customer and currency — the by-customer table's data for django-tables2:
    its sort and page go into the SQL (one query with the months: ``CommissionStatistics``)."""

    def __init__(self, statistics: CommissionStatistics):
        super().__init__(statistics.page)
        self.statistics = statistics

    def order_by(self, aliases):
        ties = ("name", "account_id", "currency")
        self.statistics.order = sql_order(aliases, CUSTOMER_ORDER, ties, CUSTOMER_DEFAULT_ORDER)
        self.statistics.by_money = any(alias.lstrip("-") in STATISTICS_MONEY for alias in aliases)
        self.statistics._result = None

    def __len__(self):
        return self.statistics.result["count"]

    def page_rows(self) -> list[dict]:
        return self.statistics.result["customers"]

    def rows_at(self, limit: int, offset: int) -> list[dict]:
        return self.statistics.query(limit, offset)["customers"]

    def all_rows(self) -> list[dict]:
        """Every customer's row of the period (not one page), in the order asked for."""
        return list(self.statistics.customer_rows())


def _figures(names, values) -> dict:
    return dict(zip(names, values, strict=True))


class CommissionStatistics:
    """The commission report of a period summed on screen: per currency the totals, per month and per
    customer (account) — the report's money columns (cost, credit, reward), unrounded, so each figure rounds
    to what the report's rows of its month or customer sum to. Of the customers the member sees
    (``account_ids``; None: all); the customer table searched by name (``q``; the totals and months stay the
    period's)."""

    def __init__(
        self,
        *,
        partner_id,
        start,
        finish,
        account_ids,
        q="",
        page: slice,
        using=DEFAULT_DB_ALIAS,
    ):
        self.partner_id, self.start, self.finish = partner_id, start, finish
        self.account_ids, self.q, self.page, self.using = account_ids, q, page, using
        self.order = CUSTOMER_DEFAULT_ORDER
        self.by_money = False  # ordered by a sum: every customer's is needed, not the page's only
        self._result = None
        self.customers = CustomerFigures(self)

    def _sql(self, template: str, *, days: bool = True, page: bool = False, **parts) -> tuple[str, dict]:
        """``template`` for this page; with the day by day part of stale months (``days``) or without it (a
        query that then finds a stale month says so); with a ``page`` of customers (``limit``, ``offset``)
        or with every customer's sums."""
        limited = self.account_ids is not None
        scope = "AND s.account_id = ANY(%(accounts)s)" if limited else ""
        scope_u = "AND u.account_id = ANY(%(accounts)s)" if limited else ""
        search = "AND a.name ILIKE %(q)s" if self.q else ""
        if not page:
            customers = CUSTOMER_SUMS
        elif self.by_money:
            customers = CUSTOMER_SUMS + SUMS_PAGE
        else:
            customers = CUSTOMER_NAMES
        query = template.format(
            rates=STATISTICS_RATES if days else "",
            days=STATISTICS_DAYS.format(scope=scope) if days else "",
            # read once when it is worked out day by day; otherwise each part reads the rows it needs
            materialized="MATERIALIZED" if days else "NOT MATERIALIZED",
            months=CUSTOMER_MONTHS if limited else PARTNER_MONTHS,
            customers=customers.format(search=search, **parts),
            scope_u=scope_u,
            **parts,
        )
        escaped = self.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        months = MonthRange(self.start.replace(day=1), self.finish.replace(day=1)).months
        return query, {
            # each month's span of the period: from its first day in the period to its last
            "months": months,
            "firsts": [max(month, self.start) for month in months],
            "lasts": [min(month_after(month) - datetime.timedelta(days=1), self.finish) for month in months],
            "partner": self.partner_id,
            "start": self.start,
            "finish": self.finish,
            "accounts": self.account_ids or [],
            "q": f"%{escaped}%",
            **(
                {"zone": settings.TIME_ZONE, "deal_days": ProgramSettings.current().deal_subaccount_days}
                if days
                else {}
            ),
        }

    @property
    def result(self) -> dict:
        if self._result is None:
            self._result = self.query(self.page.stop - self.page.start, self.page.start)
        return self._result

    def query(self, limit: int, offset: int, *, days: bool = False) -> dict:
        """One page of customers, their count and the months: from the customers' running sums alone (one
        short query), or, when a month of the period is stale, again with that month worked out day by day."""
        query, params = self._sql(
            STATISTICS, days=days, page=True, order=self.order, limit=int(limit), offset=int(offset)
        )
        result = {"customers": [], "count": 0, "months": []}
        with connections[self.using].cursor() as cursor:
            cursor.execute(query, params)
            rows = cursor.fetchall()
        if not days and any(kind == "stale" and stale for kind, stale, *_rest in rows):
            return self.query(limit, offset, days=True)
        for kind, account_id, name, month, currency, *money in rows:
            if kind == "customer":
                result["customers"].append(
                    {
                        "id": account_id,
                        "name": name,
                        "currency": currency,
                        **_figures(STATISTICS_MONEY, money),
                    }
                )
            elif kind == "count":
                result["count"] = int(account_id)
            elif kind == "month":
                result["months"].append(
                    {"month": month, "currency": currency, **_figures(STATISTICS_MONEY, money)}
                )
        return result

    @property
    def months(self) -> list[dict]:
        """Per month and currency, the months in order."""
        return self.result["months"]

    @property
    def totals(self) -> list[dict]:
        """Per currency (RUB, USD, KZT as they occur), the sums of its months."""
        totals: dict[str, dict] = {}
        for row in self.months:
            total = totals.setdefault(
                row["currency"], {"currency": row["currency"], **dict.fromkeys(STATISTICS_MONEY, ZERO)}
            )
            for name in STATISTICS_MONEY:
                total[name] += row[name]
        return sorted(
            totals.values(), key=lambda t: ORDER_OF_CURRENCY.get(t["currency"], len(ORDER_OF_CURRENCY))
        )

    @property
    def chart(self) -> tuple[list, dict[str, list[Decimal]]]:
        """The months of the period and, per currency, the reward of each."""
        months = MonthRange(self.start.replace(day=1), self.finish.replace(day=1)).months
        index = {month: i for i, month in enumerate(months)}
        series: dict[str, list[Decimal]] = {}
        for row in self.months:
            series.setdefault(row["currency"], [ZERO] * len(months))[index[row["month"]]] = row["reward"]
        return months, series

    def customer_rows(self) -> Iterator[dict]:
        """Every customer's row, in the order asked for, through a server-side cursor."""
        query, params = self._sql(STATISTICS_CUSTOMERS, order=self.order)
        with connections[self.using].chunked_cursor() as cursor:
            cursor.execute(query, params)
            while chunk := cursor.fetchmany(2000):
                for account_id, name, currency, *money in chunk:
                    yield {
                        "id": account_id,
                        "name": name,
                        "currency": currency,
                        **_figures(STATISTICS_MONEY, money),
                    }
