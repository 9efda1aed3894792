"""Aggregates the import and the accrual keep in step with their sources, so pages never group the sources
themselves: ``CustomerMonth`` (Bonuses by month). Each rebuild is set-based and idempotent (a rerun changes
nothing) and runs in the transaction that changed its source."""

from __future__ import annotations

import datetime

from django.db import connection

from portal.periods import month_after

from .models import Program

# a customer's month: paid consumption of its resold subaccounts (the partner's own never counts) and the
# bonus programs' accruals with their corrections, per currency
CUSTOMER_MONTHS_SQL = f"""
WITH fresh AS (
    SELECT partner_id, account_id, month, currency,
           sum(paid) AS paid, sum(partner_bonus) AS partner_bonus, sum(deal_extra) AS deal_extra
    FROM (
        SELECT m.partner_id, s.account_id, m.month, m.currency, m.paid, 0 AS partner_bonus, 0 AS deal_extra
        FROM finance_monthlyconsumption m JOIN subaccounts_subaccount s ON s.id = m.subaccount_id
        WHERE m.month >= %(start)s AND m.month <= %(end)s AND NOT s.is_partner_own {{only_m}}
        UNION ALL
        SELECT a.partner_id, s.account_id, a.period, a.currency, 0,
               CASE WHEN a.program = '{Program.PARTNER_BONUS.value}' THEN a.amount ELSE 0 END,
               CASE WHEN a.program = '{Program.DEAL_EXTRA.value}' THEN a.amount ELSE 0 END
        FROM finance_accrual a JOIN subaccounts_subaccount s ON s.id = a.subaccount_id
        WHERE a.period >= %(start)s AND a.period <= %(end)s
          AND a.program IN ('{Program.PARTNER_BONUS.value}', '{Program.DEAL_EXTRA.value}') {{only_a}}
    ) parts
    GROUP BY partner_id, account_id, month, currency
),
gone AS (
    DELETE FROM finance_customermonth c
    WHERE c.month >= %(start)s AND c.month <= %(end)s {{only_c}}
      AND NOT EXISTS (SELECT 1 FROM fresh f
                      WHERE f.account_id = c.account_id AND f.month = c.month AND f.currency = c.currency)
)
INSERT INTO finance_customermonth (partner_id, account_id, month, currency, paid, partner_bonus, deal_extra)
SELECT partner_id, account_id, month, currency, paid, partner_bonus, deal_extra FROM fresh
ON CONFLICT (account_id, month, currency) DO UPDATE
SET paid = EXCLUDED.paid, partner_bonus = EXCLUDED.partner_bonus, deal_extra = EXCLUDED.deal_extra
WHERE (finance_customermonth.paid, finance_customermonth.partner_bonus, finance_customermonth.deal_extra)
      IS DISTINCT FROM (EXCLUDED.paid, EXCLUDED.partner_bonus, EXCLUDED.deal_extra)
"""  # noqa: S608 (constant fragments; the months and the partner are bound)


def only_partner(partner_id: int | None, *aliases: str) -> dict[str, str]:
    """``{only_<alias>: SQL}`` for a rebuild's template: each alias's rows limited to the bound
    ``%(partner)s``, or nothing when every partner is rebuilt."""
    condition = "AND {}.partner_id = %(partner)s" if partner_id is not None else ""
    return {f"only_{alias}": condition.format(alias) for alias in aliases}


def customer_months_rebuild(
    *, start: datetime.date, end: datetime.date, partner_id: int | None = None
) -> None:
    """Bring the customer months from ``start`` to ``end`` (months, both included) — of one partner, or of
    all — in line with the monthly consumption aggregates and the accruals."""
    params = {"start": start.replace(day=1), "end": end.replace(day=1), "partner": partner_id}
    with connection.cursor() as cursor:
        cursor.execute(CUSTOMER_MONTHS_SQL.format(**only_partner(partner_id, "m", "a", "c")), params)


# The customer months after new accruals, incrementally: an accrual is never changed, a correction is a new
# row with the difference, so each written accrual of a bonus program adds its amount to its customer's
# month (made when it has none: the rebuild would make it from that accrual). The same cells as
# CUSTOMER_MONTHS_SQL gives from scratch, for the cost of the rows just written. The ids are joined to the
# accruals (``unnest``, each id once), never tested against the array row by row: with ``id = ANY(array)`` the
# planner, its statistics taken before the accrual wrote those rows, scanned every bonus accrual of the table
# and compared each with every id (89 of 215 ms in one EXPLAIN ANALYZE of the accrual benchmark's correction
# pass, 2,760 ids).
CUSTOMER_MONTHS_ADD_SQL = f"""
INSERT INTO finance_customermonth (partner_id, account_id, month, currency, paid, partner_bonus, deal_extra)
SELECT a.partner_id, s.account_id, a.period, a.currency, 0,
       coalesce(sum(a.amount) FILTER (WHERE a.program = '{Program.PARTNER_BONUS.value}'), 0),
       coalesce(sum(a.amount) FILTER (WHERE a.program = '{Program.DEAL_EXTRA.value}'), 0)
FROM (SELECT DISTINCT id FROM unnest(%(accruals)s::bigint[]) id) w
JOIN finance_accrual a ON a.id = w.id
JOIN subaccounts_subaccount s ON s.id = a.subaccount_id
WHERE a.program IN ('{Program.PARTNER_BONUS.value}', '{Program.DEAL_EXTRA.value}')
GROUP BY a.partner_id, s.account_id, a.period, a.currency
ON CONFLICT (account_id, month, currency) DO UPDATE
SET partner_bonus = finance_customermonth.partner_bonus + EXCLUDED.partner_bonus,
    deal_extra = finance_customermonth.deal_extra + EXCLUDED.deal_extra
WHERE EXCLUDED.partner_bonus <> 0 OR EXCLUDED.deal_extra <> 0
"""  # noqa: S608 (constant fragments; the accruals are bound)


def customer_months_add(accrual_ids: list[int]) -> None:
    """Bring the customer months in line after the accruals ``accrual_ids`` were written (the others of
    bonus programs among them count; they were in line before)."""
    if accrual_ids:
        with connection.cursor() as cursor:
            cursor.execute(CUSTOMER_MONTHS_ADD_SQL, {"accruals": list(accrual_ids)})


# transaction-level advisory locks (the triggers' finance_usage_stale): a rebuild takes the global key shared
# and its partner's exclusive before it reads the sources, a change of one partner's sources that partner's
# shared, a change of every partner's (a rate, a program setting) the global exclusive — a rebuild and a
# change of what it reads never overlap, so the rebuild sees the change or the change takes its months off
LOCK_PARTNER, LOCK_ALL = 1302, 1303
REBUILD_LOCK_SQL = (
    f"SELECT pg_advisory_xact_lock_shared({LOCK_ALL}, 0), pg_advisory_xact_lock({LOCK_PARTNER}, %s)"
)
# the customers' SKUs per day (CustomerSkuDay) from the daily rows, each subaccount's under its customer as it
# is now — their ``deal_paid`` 0 until finance.usage_rewards works it out with the month's rollup, whose row
# says they stand (usage_rewards.REBUILD_CUSTOMER_SKUS_SQL: one partner's month)
CUSTOMER_SKUS_SQL = """
INSERT INTO finance_customerskuday (partner_id, account_id, date, currency, service_id, service_name, sku_id,
                                    sku_name, cost, credit, adjustment, paid)
SELECT c.partner_id, s.account_id, c.date, c.currency, c.service_id, max(c.service_name), c.sku_id,
       max(c.sku_name), sum(c.cost), sum(c.credit), sum(c.adjustment),
       sum(CASE WHEN c.is_marketplace THEN 0 ELSE c.cost + c.credit END)
FROM finance_consumption c
JOIN subaccounts_subaccount s ON s.id = c.subaccount_id
WHERE c.date >= %(start)s AND c.date < %(end)s {only_c}
GROUP BY c.partner_id, s.account_id, c.date, c.currency, c.service_id, c.sku_id
"""
# ... read under the rebuild locks of the partners of the months (finance.deal_usage's protocol, as the
# rollup's rebuild that says they stand takes them later in the same transaction): a subaccount moved to
# another customer while the import runs shows in them, or its change waits and then takes their months off
LOCK_PARTNERS_SQL = f"""
SELECT pg_advisory_xact_lock_shared({LOCK_ALL}, 0), pg_advisory_xact_lock({LOCK_PARTNER}, p.partner_id::int)
FROM (SELECT DISTINCT c.partner_id FROM finance_consumption c
      WHERE c.date >= %(start)s AND c.date < %(end)s {{only_c}} ORDER BY 1) p
"""  # noqa: S608 (constant fragments)
# Subaccount details' aggregates of the daily rows (DailyUsage, CustomerSkuDay and DailySkuUsage,
# DailyLabelUsage): each month's cells replaced wholesale from that month's rows — the partner's SKUs per day
# from its customers' (a row per customer, day and SKU: the million daily rows of a month grouped once for
# both). ``paid`` is cost + credit of the services that are not excluded, the one definition every program
# and page reads.
DAILY_USAGE_SQL = (
    """
DELETE FROM finance_dailyusage u WHERE u.date >= %(start)s AND u.date < %(end)s {only_u};
INSERT INTO finance_dailyusage
    (partner_id, subaccount_id, date, currency, cloud_id, cloud_name, folder_id, folder_name,
     cost, credit, adjustment, paid)
SELECT c.partner_id, c.subaccount_id, c.date, c.currency, max(c.cloud_id), max(c.cloud_name), c.folder_id,
       max(c.folder_name), sum(c.cost), sum(c.credit), sum(c.adjustment),
       sum(CASE WHEN c.is_marketplace THEN 0 ELSE c.cost + c.credit END)
FROM finance_consumption c
WHERE c.date >= %(start)s AND c.date < %(end)s {only_c}
GROUP BY c.partner_id, c.subaccount_id, c.date, c.currency, c.folder_id;
DELETE FROM finance_customerskuday u
WHERE u.partner_id = ANY({partners}) AND u.date >= %(start)s AND u.date < %(end)s;
"""
    + LOCK_PARTNERS_SQL
    + """;
"""
    + CUSTOMER_SKUS_SQL
    + """;
DELETE FROM finance_dailyskuusage u WHERE u.date >= %(start)s AND u.date < %(end)s {only_u};
INSERT INTO finance_dailyskuusage
    (partner_id, date, currency, service_id, service_name, sku_id, sku_name, cost, credit, adjustment, paid)
SELECT u.partner_id, u.date, u.currency, u.service_id, max(u.service_name), u.sku_id, max(u.sku_name),
       sum(u.cost), sum(u.credit), sum(u.adjustment), sum(u.paid)
FROM finance_customerskuday u
WHERE u.partner_id = ANY({partners}) AND u.date >= %(start)s AND u.date < %(end)s
GROUP BY u.partner_id, u.date, u.currency, u.service_id, u.sku_id
"""
).replace(
    # the customers' SKUs of the months through their (partner, date) index, a partner after another — by
    # the dates alone, a scan of every month's (0.7 s of 2.6 M rows at full scale, against 0.12 s)
    "{partners}",
    "ARRAY(SELECT id FROM profiles_partner WHERE %(partner)s::bigint IS NULL OR id = %(partner)s)",
)
# ... then the months' MonthlyUsage from their DailyUsage (migration 0027 fills DailyUsage with the
# statement above, before MonthlyUsage exists)
MONTHLY_USAGE_SQL = """
DELETE FROM finance_monthlyusage m WHERE m.month >= %(start)s AND m.month < %(end)s {only_m};
INSERT INTO finance_monthlyusage
    (partner_id, subaccount_id, month, currency, cloud_id, cloud_name, folder_id, folder_name,
     cost, credit, adjustment, paid)
SELECT u.partner_id, u.subaccount_id, date_trunc('month', u.date)::date, u.currency, u.cloud_id,
       max(u.cloud_name), u.folder_id, max(u.folder_name), sum(u.cost), sum(u.credit), sum(u.adjustment),
       sum(u.paid)
FROM finance_dailyusage u
WHERE u.date >= %(start)s AND u.date < %(end)s {only_u}
GROUP BY u.partner_id, u.subaccount_id, date_trunc('month', u.date), u.currency, u.cloud_id, u.folder_id
"""
# the pickers' clouds and folders (UsageFolder) after the months' DailyUsage: each folder of the months with
# the names of its last day, unless a later month has it; then a folder whose last day was in the months but
# is in them no more takes its last earlier day, or, with none, goes; last, the folders of a subaccount's
# cloud take the cloud's latest name (the Cloud picker lists a cloud once)
USAGE_FOLDERS_SQL = """
INSERT INTO finance_usagefolder
    (partner_id, subaccount_id, cloud_id, cloud_name, folder_id, folder_name, last_date)
SELECT DISTINCT ON (u.subaccount_id, u.folder_id) u.partner_id, u.subaccount_id, u.cloud_id, u.cloud_name,
       u.folder_id, u.folder_name, u.date
FROM finance_dailyusage u
WHERE u.date >= %(start)s AND u.date < %(end)s {only_u}
ORDER BY u.subaccount_id, u.folder_id, u.date DESC
ON CONFLICT (subaccount_id, folder_id) DO UPDATE
SET cloud_id = EXCLUDED.cloud_id, cloud_name = EXCLUDED.cloud_name, folder_name = EXCLUDED.folder_name,
    last_date = EXCLUDED.last_date
WHERE finance_usagefolder.last_date < %(end)s
  AND (finance_usagefolder.cloud_id, finance_usagefolder.cloud_name, finance_usagefolder.folder_name,
       finance_usagefolder.last_date)
      IS DISTINCT FROM (EXCLUDED.cloud_id, EXCLUDED.cloud_name, EXCLUDED.folder_name, EXCLUDED.last_date);
UPDATE finance_usagefolder f
SET cloud_id = e.cloud_id, cloud_name = e.cloud_name, folder_name = e.folder_name, last_date = e.date
FROM finance_usagefolder g
CROSS JOIN LATERAL (
    SELECT u.cloud_id, u.cloud_name, u.folder_name, u.date FROM finance_dailyusage u
    WHERE u.subaccount_id = g.subaccount_id AND u.date < %(start)s AND u.folder_id = g.folder_id
    ORDER BY u.date DESC LIMIT 1
) e
WHERE f.id = g.id AND g.last_date >= %(start)s AND g.last_date < %(end)s {only_g}
  AND NOT EXISTS (SELECT 1 FROM finance_dailyusage u
                  WHERE u.subaccount_id = g.subaccount_id AND u.date >= %(start)s AND u.date < %(end)s
                    AND u.folder_id = g.folder_id);
DELETE FROM finance_usagefolder f
WHERE f.last_date >= %(start)s AND f.last_date < %(end)s {only_f}
  AND NOT EXISTS (SELECT 1 FROM finance_dailyusage u
                  WHERE u.subaccount_id = f.subaccount_id AND u.date >= %(start)s AND u.date < %(end)s
                    AND u.folder_id = f.folder_id);
UPDATE finance_usagefolder f SET cloud_name = n.cloud_name
FROM (SELECT DISTINCT ON (g.subaccount_id, g.cloud_id) g.subaccount_id, g.cloud_id, g.cloud_name
      FROM finance_usagefolder g WHERE true {only_g}
      ORDER BY g.subaccount_id, g.cloud_id, g.last_date DESC) n
WHERE f.subaccount_id = n.subaccount_id AND f.cloud_id = n.cloud_id AND f.cloud_name <> n.cloud_name
"""
# ... and the label cells (DailyLabelUsage): a row's amounts in the cell of each label it has
DAILY_LABEL_USAGE_SQL = """
DELETE FROM finance_dailylabelusage u WHERE u.date >= %(start)s AND u.date < %(end)s {only_u};
INSERT INTO finance_dailylabelusage
    (partner_id, subaccount_id, date, currency, label, value, cost, credit, adjustment, paid)
SELECT c.partner_id, c.subaccount_id, c.date, c.currency, l.key, l.value, sum(c.cost), sum(c.credit),
       sum(c.adjustment), sum(CASE WHEN c.is_marketplace THEN 0 ELSE c.cost + c.credit END)
FROM finance_consumption c CROSS JOIN LATERAL jsonb_each_text(c.labels) l
WHERE c.date >= %(start)s AND c.date < %(end)s AND c.labels <> '{{}}'::jsonb {only_c}
GROUP BY c.partner_id, c.subaccount_id, c.date, c.currency, l.key, l.value
"""


# each partner's (or one's: %(partner)s) token of its consumption aggregates made new (UsageVersion), in
# the order of the partners, so two changes never wait on each other's rows crosswise
USAGE_VERSION_SQL = """
INSERT INTO finance_usageversion (partner_id, version)
SELECT p.id, gen_random_uuid() FROM profiles_partner p
WHERE %(partner)s::bigint IS NULL OR p.id = %(partner)s
ORDER BY p.id
ON CONFLICT (partner_id) DO UPDATE SET version = EXCLUDED.version
"""


def usage_version_renew(cursor, partner_id: int | None = None) -> None:
    """A new ``UsageVersion`` for the partner ``partner_id`` (for every partner when None): its consumption
    aggregates changed in this transaction."""
    cursor.execute(USAGE_VERSION_SQL, {"partner": partner_id})


def daily_usage_rebuild(*, start: datetime.date, end: datetime.date, partner_id: int | None = None) -> None:
    """Rebuild Subaccount details' daily aggregates of every month from ``start`` to ``end`` (whole months,
    both included) — of one partner, or of all — from the daily rows, and the clouds and folders of its
    pickers (UsageFolder) from them: what the rows say now, a rerun changes nothing. A month whose partition
    was detached has no daily rows and so no aggregates (partitions.py removes them with the detach):
    Subaccount details shows nothing for it, whichever way it is read."""
    params = {"start": start.replace(day=1), "end": month_after(end), "partner": partner_id}
    with connection.cursor() as cursor:
        only = only_partner(partner_id, "u", "c", "g", "f", "m")
        statements = ";".join((DAILY_USAGE_SQL, MONTHLY_USAGE_SQL, USAGE_FOLDERS_SQL, DAILY_LABEL_USAGE_SQL))
        for statement in statements.format(**only).split(";"):
            cursor.execute(statement, params)
        usage_version_renew(cursor, partner_id)
