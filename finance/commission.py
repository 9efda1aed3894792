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
from django_tables2.data import TableData

from portal.csv import FORMULA_STARTS
from portal.money import ZERO, Currency
from portal.periods import MonthRange
from tools.models import ProgramSettings

from .accruals import RESOLD, ROW_REWARD, day_terms_sql, deals_sql
from .models import Program
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
SELECT {", ".join(_safe(t) for t in TEXT[:6])}, '', {", ".join(_safe(t) for t in TEXT[6:])},
       to_char(c.date, 'YYYY-MM-DD'), c.currency, trim_scale(c.quantity)::text, {_safe("c.unit")},
       {", ".join(_amount(a) for a in (*AMOUNTS, "reward"))},
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
ORDER BY c.date, s.billing_account_id, c.folder_id, c.sku_id
"""


# the report's rows of a period, within the scope: counted for a prepared report's progress, estimated by
# the planner to decide whether a report can stream
ROWS_OF_PERIOD = """FROM finance_consumption c JOIN subaccounts_subaccount s ON s.id = c.subaccount_id
WHERE c.partner_id = {partner} AND c.date >= {start} AND c.date <= {finish} {scope}"""
COUNT = f"SELECT count(*) {ROWS_OF_PERIOD}"


def report_query(template: str, *, partner_id, start, finish, account_ids) -> tuple[str, dict]:
    scope = "AND s.account_id = ANY(%(accounts)s)" if account_ids is not None else ""
    query = template.format(partner="%(partner)s", start="%(start)s", finish="%(finish)s", scope=scope)
    return query, {
        "partner": partner_id,
        "start": start,
        "finish": finish,
        "accounts": account_ids or [],
        "zone": settings.TIME_ZONE,
        "deal_days": ProgramSettings.current().deal_subaccount_days,
    }


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
) -> Iterator[bytes]:
    """The report as CSV bytes, header first, read from the database ``using`` (the replica when there is
    one: portal/replica.py). ``account_ids`` limits a restricted membership's rows."""
    query, params = report_query(
        SELECT, partner_id=partner_id, start=start, finish=finish, account_ids=account_ids
    )
    with connections[using].cursor() as cursor:
        pg = cursor.cursor  # psycopg 3: COPY with bound parameters
        yield (",".join(HEADER) + "\n").encode()
        with pg.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)", params) as copy:
            for block in copy:
                yield bytes(block)


# Commission statistics: the report's money columns summed by month and by customer, from the aggregates the
# import keeps, never from the daily rows. A row's reward is its paid part (cost + credit, not an excluded
# service) at its day's rates, so an aggregate's ``paid`` earns exactly what its rows earn in the report — the
# same sums to the last digit (PostgreSQL's numeric multiplies and adds exactly). Three parts, by the month:
# a month whose days with data are all in the period and whose base and extra rates are each one rate on
# them (``whole``, finance.selectors._whole_months) reads the monthly aggregate (subaccount × month ×
# service), every day of an ordinary deal's month earning the extra; a procurement deal's subaccount in such
# a month earns the extra on its contract's days only, so its reward comes from its daily aggregate rows (by
# its key, a few subaccounts); the other months' days of the period read Subaccount details' daily aggregate
# (``DailyUsage``: subaccount × day × folder) — at most two months, the period's edges.
STATISTICS_SOURCE = f"""
WITH bonus AS ({day_terms_sql(Program.PARTNER_BONUS, "''", "%(start)s::date", "%(finish)s::date")}),
extra AS ({day_terms_sql(Program.DEAL_EXTRA, "''", "%(start)s::date", "%(finish)s::date")}),
deals AS ({deals_sql("%(start)s::date", "%(finish)s::date")}),
referred AS (SELECT DISTINCT account_id FROM finance_referredcustomer),
rates AS (
    SELECT date_trunc('month', b.d)::date AS month, b.currency, min(COALESCE(b.rate, 0)) AS rate,
           min(COALESCE(x.rate, 0)) AS extra
    FROM bonus b JOIN extra x ON x.d = b.d AND x.currency = b.currency
    GROUP BY 1, 2
),
c AS (
    SELECT t.account_id, t.month, t.currency, t.cost, t.credit,
           t.earning * w.rate + t.dealt * w.extra AS reward
    FROM (  -- per customer first (a month's rates are one rate: the sum of paid x rate is the sum x rate)
        SELECT s.account_id, m.month, m.currency, sum(m.cost) AS cost, sum(m.credit) AS credit,
               COALESCE(sum(m.paid) FILTER (WHERE e.earns), 0) AS earning,
               COALESCE(sum(m.paid) FILTER (WHERE e.earns AND d.registration_id IS NOT NULL), 0) AS dealt
        FROM finance_monthlyconsumption m
        JOIN subaccounts_subaccount s ON s.id = m.subaccount_id
        LEFT JOIN referred rc ON rc.account_id = s.account_id
        LEFT JOIN deals d ON d.subaccount_id = m.subaccount_id AND d.month = m.month
        CROSS JOIN LATERAL (  -- a procurement deal's month: its reward from the daily rows (below)
            SELECT NOT s.is_partner_own AND rc.account_id IS NULL AND NOT COALESCE(d.procurement, false)
                   AS earns
        ) e
        WHERE m.partner_id = %(partner)s AND m.month = ANY(%(whole)s) {{scope}}
        GROUP BY s.account_id, m.month, m.currency
    ) t
    JOIN rates w ON w.month = t.month AND w.currency = t.currency
    UNION ALL
    SELECT s.account_id, dd.month, c.currency, 0, 0, {USAGE_REWARD.format(paid="c.paid")}
    FROM deals dd
    CROSS JOIN LATERAL (
        SELECT u.subaccount_id, u.date, u.currency, u.paid FROM finance_dailyusage u
        WHERE u.subaccount_id = dd.subaccount_id AND u.partner_id = %(partner)s
          AND u.date >= dd.month AND u.date < dd.month + interval '1 month'
        OFFSET 0  -- by the subaccount's key, never a scan of the partner's days
    ) c
    {REWARD_JOINS}
    WHERE dd.procurement AND dd.month = ANY(%(whole)s) {{scope}}
    UNION ALL
    SELECT s.account_id, date_trunc('month', c.date)::date, c.currency, c.cost, c.credit,
           {USAGE_REWARD.format(paid="c.paid")}
    FROM finance_dailyusage c {REWARD_JOINS}
    WHERE c.partner_id = %(partner)s AND ({{days}}) {{scope}}
),
g AS MATERIALIZED (
    SELECT GROUPING(c.account_id, c.month) AS level, c.account_id, c.month, c.currency,
           sum(c.cost) AS cost, sum(c.credit) AS credit, sum(c.reward) AS reward
    FROM c
    GROUP BY GROUPING SETS ((c.month, c.currency), (c.account_id, c.currency))
),
customers AS (
    SELECT g.account_id, a.name, g.currency, g.cost, g.credit, g.reward
    FROM g JOIN accounts_account a ON a.id = g.account_id
    WHERE g.level = 1 {{search}}
)"""  # noqa: S608 (constant fragments; the partner, the period, the accounts and the search are bound)
# one query answers the page: the customers' page in the order asked for, how many customers, each month
STATISTICS = (
    STATISTICS_SOURCE
    + """
(SELECT 'customer', account_id, name, NULL::date, currency, cost, credit, reward
 FROM customers ORDER BY {order} LIMIT {limit} OFFSET {offset})
UNION ALL
SELECT 'count', count(*), NULL, NULL, NULL, NULL, NULL, NULL FROM customers
UNION ALL
(SELECT 'month', NULL, NULL, month, currency, cost, credit, reward FROM g WHERE level = 2
 ORDER BY month, currency)
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


class CustomerFigures(TableData):
    """The period's figures per customer and currency — the by-customer table's data for django-tables2:
    its sort and page go into the SQL (one query with the months: ``CommissionStatistics``)."""

    def __init__(self, statistics: CommissionStatistics):
        super().__init__(data=None)
        self.statistics = statistics

    def order_by(self, aliases):
        columns = [
            f"{CUSTOMER_ORDER[alias.lstrip('-')]}{' DESC' if alias.startswith('-') else ''}"
            for alias in aliases
            if alias.lstrip("-") in CUSTOMER_ORDER
        ]
        self.statistics.order = (
            ", ".join([*columns, "name", "account_id", "currency"]) if columns else CUSTOMER_DEFAULT_ORDER
        )
        self.statistics._result = None

    def __len__(self):
        return self.statistics.result["count"]

    def __iter__(self):
        return iter(self.statistics.result["customers"])

    def __getitem__(self, key):
        if not isinstance(key, slice):
            return self[key : key + 1][0]
        page = self.statistics.page
        start = key.start or 0
        if page.start <= start and key.stop <= page.stop:  # within the page asked for: no second query
            return self.statistics.result["customers"][start - page.start : key.stop - page.start]
        return self.statistics.query(key.stop - start, start)["customers"]

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
        whole: list[datetime.date],
        days: list[tuple[datetime.date, datetime.date]],
        q="",
        page: slice,
        using=DEFAULT_DB_ALIAS,
    ):
        self.partner_id, self.start, self.finish = partner_id, start, finish
        self.whole, self.days = whole, days
        self.account_ids, self.q, self.page, self.using = account_ids, q, page, using
        self.order = CUSTOMER_DEFAULT_ORDER
        self._result = None
        self.customers = CustomerFigures(self)

    def _sql(self, template: str, **parts) -> tuple[str, dict]:
        scope = "AND s.account_id = ANY(%(accounts)s)" if self.account_ids is not None else ""
        search = "AND a.name ILIKE %(q)s" if self.q else ""
        days = " OR ".join(
            f"c.date >= %(first_{n})s AND c.date <= %(last_{n})s" for n in range(len(self.days))
        )
        query = template.format(scope=scope, search=search, days=days or "false", **parts)
        escaped = self.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return query, {
            "whole": self.whole,
            **{f"first_{n}": first for n, (first, _last) in enumerate(self.days)},
            **{f"last_{n}": last for n, (_first, last) in enumerate(self.days)},
            "partner": self.partner_id,
            "start": self.start,
            "finish": self.finish,
            "accounts": self.account_ids or [],
            "q": f"%{escaped}%",
            "zone": settings.TIME_ZONE,
            "deal_days": ProgramSettings.current().deal_subaccount_days,
        }

    @property
    def result(self) -> dict:
        if self._result is None:
            self._result = self.query(self.page.stop - self.page.start, self.page.start)
        return self._result

    def query(self, limit: int, offset: int) -> dict:
        query, params = self._sql(STATISTICS, order=self.order, limit=int(limit), offset=int(offset))
        result = {"customers": [], "count": 0, "months": []}
        with connections[self.using].cursor() as cursor:
            cursor.execute(query, params)
            for kind, account_id, name, month, currency, *money in cursor.fetchall():
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
                else:
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
