"""The detailed commission report: one row per product per day per folder, streamed by PostgreSQL's COPY.

The database formats every cell (amounts with a dot and two decimals, formula-leading text prefixed with a
quote), so rows go from the server to the browser without Python touching each value: memory stays flat
and the speed is COPY's own.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

from portal.csv import FORMULA_STARTS
from tools.models import ProgramSettings

from .accruals import RESOLD, ROW_REWARD, day_terms_sql, deals_sql
from .models import Program

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
