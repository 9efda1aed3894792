"""Subaccount details' rewards rolled up per partner, day and currency (``UsageRewardDay``,
``UsageRewardMonth``), kept beside the daily aggregates by the import. The page's totals round each
subaccount's month (or its part of the month in the period), so the whole partner's totals would otherwise
read a row per subaccount and month. Per day with consumption the rollup keeps the sum of each subaccount's
reward of its month up to that day and from that day on, each rounded once: a month the period covers whole,
from its start or to its end is one row per currency. The reward depends on what changes after the import —
the day rates, the deals, the partner's own use, referred customers — so each month records a digest of those
(``MONTH_DIGEST``, shown in admin). A change of those takes the months it may touch off the rollup in its own
transaction (triggers on the sources: finance/migrations/0032_usage_stale_by_trigger.py), so the page reads a
month's rollup while its row exists, without working anything out again; the import rebuilds the months it
loads.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import connection, transaction

from portal.periods import month_after
from tools.models import ProgramSettings

from .accruals import DEAL_DAY, day_terms_sql, deals_sql
from .aggregates import CUSTOMER_SKUS_SQL, REBUILD_LOCK_SQL
from .deal_usage import DIGEST, EARNING_DEALS
from .models import Program

# what the rows ``c`` of a source earn, unrounded: the part that is not an excluded service ({paid}) at the
# day's bonus rate and, on a day of the subaccount's deal, the deal extra's — none for the partner's own use
# or a customer who came through the partner's referral link (it earns the referral commission); the CTEs
# ``referred``, ``bonus``, ``extra`` and ``deals`` are the query's
REWARD_JOINS = """
    JOIN subaccounts_subaccount s ON s.id = c.subaccount_id
    LEFT JOIN referred rc ON rc.account_id = s.account_id
    LEFT JOIN bonus b ON b.d = c.date AND b.currency = c.currency
    LEFT JOIN extra x ON x.d = c.date AND x.currency = c.currency
    LEFT JOIN deals d ON d.subaccount_id = c.subaccount_id AND d.month = date_trunc('month', c.date)::date"""
REWARD = f"""CASE WHEN NOT s.is_partner_own AND rc.account_id IS NULL
         THEN {{paid}} * (COALESCE(b.rate, 0) + COALESCE(x.rate, 0) * {DEAL_DAY}::int) ELSE 0.00 END"""

# per month of the CTEs ``bonus`` and ``extra`` (each day's base and extra rate per currency, covering whole
# months): the digest of what its rewards depend on besides the consumption — those rates, the month's
# deal subaccounts that earn the extra (CTE ``dealt``: DEALT, as finance/deal_usage.py digests them) and the
# partner's subaccounts that earn nothing (its own, referred customers') — set-based, each part once
# per month of the CTE ``deals``: the digest of its deal subaccounts that earn the extra
DEALT = f"""
    SELECT e.month, {DIGEST} AS deals FROM ({EARNING_DEALS.format(deals="SELECT * FROM deals")}) e
    GROUP BY e.month"""  # noqa: S608 (constant fragments)
MONTH_DIGEST = """
    SELECT r.month, md5(concat_ws('|', r.rates, COALESCE(dl.deals, md5('')), i.idle)) AS digest
    FROM (
        SELECT date_trunc('month', b.d)::date AS month,
               string_agg(concat_ws(':', b.d, b.currency, COALESCE(b.rate, 0), COALESCE(x.rate, 0)), ','
                          ORDER BY b.d, b.currency) AS rates
        FROM bonus b JOIN extra x ON x.d = b.d AND x.currency = b.currency
        GROUP BY 1
    ) r
    LEFT JOIN dealt dl ON dl.month = r.month
    CROSS JOIN (
        SELECT string_agg(s.id::text, ',' ORDER BY s.id) AS idle FROM subaccounts_subaccount s
        WHERE s.partner_id = {partner}
          AND (s.is_partner_own OR EXISTS (SELECT 1 FROM finance_referredcustomer f
                                           WHERE f.account_id = s.account_id))
    ) i"""  # noqa: S608 (constant fragments; the partner an id)

CTES = f"""
    bonus AS ({day_terms_sql(Program.PARTNER_BONUS, "''", "%(month)s::date", "%(last)s::date")}),
    extra AS ({day_terms_sql(Program.DEAL_EXTRA, "''", "%(month)s::date", "%(last)s::date")}),
    deals AS ({deals_sql("%(month)s::date", "%(month)s::date")}),
    referred AS (SELECT DISTINCT account_id FROM finance_referredcustomer),
    dealt AS ({DEALT})"""  # noqa: S608 (constant fragments)
# one partner's month: each subaccount's reward per day, the rounded running sums' steps (a subaccount's
# rounded reward up to a day less that up to its day before; the same from the end), summed per day and
# currency and accumulated, so a day's ``upto`` is the sum of every subaccount's rounded reward up to it (run
# alone only by a migration from before the customers' table: REBUILD_CUSTOMER_DAYS_SQL makes the same rows
# from the same steps in its own pass)
REBUILD_DAYS_SQL = f"""
WITH {CTES},
earned AS (
    SELECT c.subaccount_id, c.date, c.currency, sum({REWARD.format(paid="c.paid")}) AS reward
    FROM finance_dailyusage c {REWARD_JOINS}
    WHERE c.partner_id = %(partner)s AND c.date >= %(month)s AND c.date < %(end)s
    GROUP BY c.subaccount_id, c.date, c.currency
),
steps AS (
    SELECT date, currency,
           round(sum(reward) OVER up, 2) - round(sum(reward) OVER up - reward, 2) AS up,
           round(sum(reward) OVER down, 2) - round(sum(reward) OVER down - reward, 2) AS down
    FROM earned
    WINDOW up AS (PARTITION BY subaccount_id, currency ORDER BY date),
           down AS (PARTITION BY subaccount_id, currency ORDER BY date DESC)
)
INSERT INTO finance_usagerewardday (partner_id, date, currency, upto, onward)
SELECT %(partner)s, date, currency, sum(sum(up)) OVER (PARTITION BY currency ORDER BY date),
       sum(sum(down)) OVER (PARTITION BY currency ORDER BY date DESC)
FROM steps
GROUP BY date, currency
"""  # noqa: S608 (constant fragments; the partner and the month are bound)
# one partner's month per customer for Commission statistics and a restricted member's Subaccount details
# (``CustomerUsageDay``): each customer's cost, credit, adjustment and reward (each daily aggregate row at its
# day's rates: what the detailed report's rows of the day earn, unrounded) and its count of rows, summed from
# the month's start up to each day — every day from the customer's first with data in the month to the
# month's end, so a day's row is there to be read by its date — and, as REBUILD_DAYS_SQL for the partner, the
# sum of its subaccounts' rounded rewards up to the day (``reward_upto``) and from the day on
# (``reward_onward``): each subaccount's rounded running sums' steps summed per customer and day, then
# accumulated
REBUILD_CUSTOMER_DAYS_SQL = f"""
WITH {CTES},
earned AS (
    SELECT c.subaccount_id, s.account_id, c.date, c.currency, sum(c.cost) AS cost, sum(c.credit) AS credit,
           sum(c.adjustment) AS adjustment, sum({REWARD.format(paid="c.paid")}) AS reward, count(*) AS rows
    FROM finance_dailyusage c {REWARD_JOINS}
    WHERE c.partner_id = %(partner)s AND c.date >= %(month)s AND c.date < %(end)s
    GROUP BY c.subaccount_id, s.account_id, c.date, c.currency
),
daily AS (
    SELECT account_id, date, currency, sum(cost) AS cost, sum(credit) AS credit,
           sum(adjustment) AS adjustment, sum(reward) AS reward, sum(rows) AS rows, sum(up) AS up,
           sum(down) AS down
    FROM (
        SELECT e.account_id, e.date, e.currency, e.cost, e.credit, e.adjustment, e.reward, e.rows,
               round(sum(e.reward) OVER up, 2) - round(sum(e.reward) OVER up - e.reward, 2) AS up,
               round(sum(e.reward) OVER down, 2) - round(sum(e.reward) OVER down - e.reward, 2) AS down
        FROM earned e
        WINDOW up AS (PARTITION BY e.subaccount_id, e.currency ORDER BY e.date),
               down AS (PARTITION BY e.subaccount_id, e.currency ORDER BY e.date DESC)
    ) e
    GROUP BY account_id, date, currency
),
spans AS (SELECT account_id, currency, min(date) AS first FROM daily GROUP BY account_id, currency),
partner_days AS (  -- the partner's rollup (REBUILD_DAYS_SQL's rows) from the same steps, in the same pass
    INSERT INTO finance_usagerewardday (partner_id, date, currency, upto, onward)
    SELECT %(partner)s, date, currency, sum(sum(up)) OVER (PARTITION BY currency ORDER BY date),
           sum(sum(down)) OVER (PARTITION BY currency ORDER BY date DESC)
    FROM daily
    GROUP BY date, currency
)
INSERT INTO finance_customerusageday (partner_id, account_id, date, currency, cost, credit, adjustment,
                                      reward, rows, reward_upto, reward_onward)
SELECT %(partner)s, sp.account_id, g.day, sp.currency,
       sum(COALESCE(x.cost, 0)) OVER w, sum(COALESCE(x.credit, 0)) OVER w,
       sum(COALESCE(x.adjustment, 0)) OVER w, sum(COALESCE(x.reward, 0)) OVER w,
       sum(COALESCE(x.rows, 0)) OVER w, sum(COALESCE(x.up, 0)) OVER w,
       sum(COALESCE(x.down, 0)) OVER (PARTITION BY sp.account_id, sp.currency ORDER BY g.day DESC)
FROM spans sp
CROSS JOIN LATERAL (SELECT sp.first + n AS day FROM generate_series(0, %(last)s::date - sp.first) n) g
LEFT JOIN daily x ON x.account_id = sp.account_id AND x.currency = sp.currency AND x.date = g.day
WINDOW w AS (PARTITION BY sp.account_id, sp.currency ORDER BY g.day)
"""  # noqa: S608 (constant fragments; the partner and the month are bound)
# ... and its customers' SKUs per day (``CustomerSkuDay``) from the daily rows (as finance.aggregates builds
# them with the daily aggregates: for a rebuild of the rollup alone); then the part of ``paid`` that earns a
# deal's extra (``deal_paid``: REWARD's deal term, the month's deals as the rollup's digest records them) from
# the rows of the deals' subaccounts only, each read through its (subaccount, date, …) key
REBUILD_CUSTOMER_SKUS_SQL = CUSTOMER_SKUS_SQL.format(only_c="AND c.partner_id = %(partner)s")
CUSTOMER_SKUS_DEALS_SQL = f"""
WITH {CTES}
UPDATE finance_customerskuday u SET deal_paid = f.deal_paid
FROM (
    SELECT s.account_id, c.date, c.currency, c.service_id, c.sku_id, sum(c.cost + c.credit) AS deal_paid
    FROM ({EARNING_DEALS.format(deals="SELECT * FROM deals")}) d
    JOIN subaccounts_subaccount s ON s.id = d.subaccount_id
    CROSS JOIN LATERAL (
        SELECT * FROM finance_consumption c
        WHERE c.subaccount_id = d.subaccount_id AND c.partner_id = %(partner)s AND c.date >= %(month)s
          AND c.date < %(end)s AND NOT c.is_marketplace
        OFFSET 0  -- kept a subquery, so it is looked up per subaccount
    ) c
    WHERE {DEAL_DAY}
    GROUP BY s.account_id, c.date, c.currency, c.service_id, c.sku_id
) f
WHERE u.account_id = f.account_id AND u.date = f.date AND u.currency = f.currency
  AND u.service_id = f.service_id AND u.sku_id = f.sku_id
"""  # noqa: S608 (constant fragments; the partner and the month are bound)
# the same month of the whole partner (``PartnerUsageDay``): its customers' rows of each day summed
REBUILD_PARTNER_DAYS_SQL = """
INSERT INTO finance_partnerusageday (partner_id, date, currency, cost, credit, reward, rows)
SELECT partner_id, date, currency, sum(cost), sum(credit), sum(reward), sum(rows)
FROM finance_customerusageday
WHERE partner_id = %(partner)s AND date >= %(month)s AND date < %(end)s
GROUP BY partner_id, date, currency
"""
REBUILD_MONTH_SQL = f"""
WITH {CTES}
INSERT INTO finance_usagerewardmonth (partner_id, month, digest)
SELECT %(partner)s, month, digest FROM ({MONTH_DIGEST.format(partner="%(partner)s")}) d
ON CONFLICT (partner_id, month) DO UPDATE SET digest = EXCLUDED.digest
WHERE finance_usagerewardmonth.digest IS DISTINCT FROM EXCLUDED.digest
"""  # noqa: S608 (constant fragments; the partner and the month are bound)


def usage_rewards_rebuild(
    *,
    start: datetime.date,
    end: datetime.date,
    partner_id: int | None = None,
    customers: bool = True,
    whole_partner: bool = True,
    skus: bool = True,
    skus_built: bool = False,
) -> None:
    """Rebuild the reward rollup of every month from ``start`` to ``end`` (whole months, both included) — of
    one partner, or of every partner with daily aggregates then — from the daily aggregates and the rates,
    deals, own use and referred customers as they are now, with the digest of those, and Commission
    statistics' customer and partner sums (``CustomerUsageDay``, ``PartnerUsageDay``) beside it, valid
    while the same month row stands, and the customers' SKUs per day (``CustomerSkuDay``) (``customers``,
    ``whole_partner``, ``skus``: False only for a migration from before their tables; ``skus_built``: the
    customers' SKUs were rebuilt from the daily rows in this transaction, by the daily aggregates' rebuild —
    only their deals' part is left to work out). Set-based per partner and month; a rerun gives the same
    rows."""
    first, after = start.replace(day=1), month_after(end)
    with connection.cursor() as cursor:
        if partner_id is None:
            cursor.execute(
                "SELECT DISTINCT partner_id FROM finance_dailyusage WHERE date >= %s AND date < %s "
                "UNION SELECT DISTINCT partner_id FROM finance_usagerewardday WHERE date >= %s AND date < %s",
                [first, after, first, after],  # the customer sums' partners are the reward rollup's
            )
            partners = sorted(row[0] for row in cursor.fetchall())
        else:
            partners = [partner_id]
        common = {"zone": settings.TIME_ZONE, "deal_days": ProgramSettings.current().deal_subaccount_days}
        for partner in partners:
            month = first
            while month < after:
                end_ = month_after(month)
                params = {
                    **common,
                    "partner": partner,
                    "month": month,
                    "start": month,  # (the customers' SKUs' statement, finance.aggregates', names it so)
                    "end": end_,
                    "last": end_ - datetime.timedelta(days=1),
                }
                with transaction.atomic():
                    cursor.execute(REBUILD_LOCK_SQL, [partner])
                    cursor.execute(
                        "DELETE FROM finance_usagerewardday WHERE partner_id = %(partner)s"
                        " AND date >= %(month)s AND date < %(end)s",
                        params,
                    )
                    if not customers:
                        cursor.execute(REBUILD_DAYS_SQL, params)
                    else:
                        # a rebuild's plan is costly only on paper (a series of days per customer): no JIT,
                        # whose compiling would take seconds for a statement of a fraction of one
                        cursor.execute("SET LOCAL jit = off")
                        kept = [
                            "finance_customerusageday",
                            *(["finance_customerskuday"] if skus and not skus_built else []),
                            *(["finance_partnerusageday"] if whole_partner else []),
                        ]
                        for table in kept:
                            cursor.execute(
                                f"DELETE FROM {table} WHERE partner_id = %(partner)s"  # noqa: S608 (names)
                                " AND date >= %(month)s AND date < %(end)s",
                                params,
                            )
                        cursor.execute(REBUILD_CUSTOMER_DAYS_SQL, params)
                        if skus and not skus_built:
                            cursor.execute(REBUILD_CUSTOMER_SKUS_SQL, params)
                        if skus:
                            cursor.execute(CUSTOMER_SKUS_DEALS_SQL, params)
                        if whole_partner:
                            cursor.execute(REBUILD_PARTNER_DAYS_SQL, params)
                    cursor.execute(REBUILD_MONTH_SQL, params)
                month = end_


# the digest of one partner's month as it is now (REBUILD_MONTH_SQL's)
DIGEST_NOW_SQL = f"""
WITH {CTES}
SELECT digest FROM ({MONTH_DIGEST.format(partner="%(partner)s")}) d
"""  # noqa: S608 (constant fragments; the partner and the month are bound)


def stale_rows_purge() -> None:
    """Delete the rollup's and the deal part's months whose digest is no longer the month's (what the page
    checked before the triggers kept them): from then on a row stands for its month while it exists."""
    from .deal_usage import DEALS_NOW_SQL

    common = {"zone": settings.TIME_ZONE, "deal_days": ProgramSettings.current().deal_subaccount_days}
    with connection.cursor() as cursor:
        for table, query in (
            ("finance_usagerewardmonth", DIGEST_NOW_SQL),
            ("finance_dealusage", DEALS_NOW_SQL),
        ):
            column = "digest" if table == "finance_usagerewardmonth" else "deals"
            cursor.execute(
                f"SELECT id, partner_id, month, {column} FROM {table} ORDER BY partner_id, month"  # noqa: S608
            )
            for pk, partner, month, digest in cursor.fetchall():
                end = month_after(month)
                params = {
                    **common,
                    "partner": partner,
                    "month": month,
                    "end": end,
                    "last": end - datetime.timedelta(days=1),
                }
                cursor.execute(query, params)
                now = cursor.fetchone()
                if now is None or now[0] != digest:
                    cursor.execute(f"DELETE FROM {table} WHERE id = %s", [pk])  # noqa: S608
