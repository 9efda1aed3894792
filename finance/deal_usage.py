"""The deals' part of Subaccount details' partner aggregate (``DailySkuUsage.deal_paid``, ``DealUsage``), kept
beside the daily aggregates: what the subaccounts that earn a deal's extra paid on its days, per partner,
day and SKU, so the whole partner's service and SKU views need not read those subaccounts' daily rows.
Deals, the partner's own use and referred customers change after the import: each month records which
deals its figures stand for (a digest); a change of those takes the months it may touch off (the
``DealUsage`` rows, deleted by triggers on the sources: finance/migrations/0032_usage_stale_by_trigger.py),
and a page uses a month's figures while its row exists.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import connection, transaction

from portal.periods import month_after
from tools.models import ProgramSettings

from .accruals import deal_day_sql, deals_sql
from .aggregates import REBUILD_LOCK_SQL

# the deal subaccounts of one partner's month that earn the extra (not the partner's own, not a referred
# customer's), as deals_sql decides them; ``digest``: what the month's ``deal_paid`` stands for
EARNING_DEALS = """
SELECT d.* FROM ({deals}) d
JOIN subaccounts_subaccount s ON s.id = d.subaccount_id
WHERE NOT s.is_partner_own
  AND NOT EXISTS (SELECT 1 FROM finance_referredcustomer rc WHERE rc.account_id = s.account_id)
"""
DIGEST = """md5(COALESCE(string_agg(
    concat_ws(':', e.subaccount_id, e.registration_id, e.procurement, e.contract_start, e.contract_end),
    ',' ORDER BY e.subaccount_id), ''))"""
REBUILD_SQL = f"""
WITH earning AS ({EARNING_DEALS}),
fresh AS (
    SELECT c.date, c.currency, c.service_id, c.sku_id, sum(c.cost + c.credit) AS deal_paid
    FROM earning d
    JOIN finance_consumption c ON c.subaccount_id = d.subaccount_id
    WHERE c.partner_id = %(partner)s AND c.date >= %(month)s AND c.date < %(end)s AND NOT c.is_marketplace
      AND {deal_day_sql()}
    GROUP BY c.date, c.currency, c.service_id, c.sku_id
),
written AS (
    UPDATE finance_dailyskuusage u SET deal_paid = COALESCE(f.deal_paid, 0)
    FROM finance_dailyskuusage o
    LEFT JOIN fresh f ON f.date = o.date AND f.currency = o.currency AND f.service_id = o.service_id
                     AND f.sku_id = o.sku_id
    WHERE o.id = u.id AND u.partner_id = %(partner)s AND u.date >= %(month)s AND u.date < %(end)s
      AND u.deal_paid IS DISTINCT FROM COALESCE(f.deal_paid, 0)
)
INSERT INTO finance_dealusage (partner_id, month, deals)
SELECT %(partner)s, %(month)s, {DIGEST} FROM earning e
ON CONFLICT (partner_id, month) DO UPDATE SET deals = EXCLUDED.deals
"""  # noqa: S608 (constant fragments; the partner and the month are bound)


# the digest of one partner's month's deals as they are now (REBUILD_SQL's)
DEALS_NOW_SQL = f"""
SELECT {DIGEST} FROM ({
    EARNING_DEALS.format(
        deals=deals_sql(
            "%(month)s", "%(month)s", partner="%(partner)s", zone="%(zone)s", deal_days="%(deal_days)s"
        )
    )
}) e
"""  # noqa: S608 (constant fragments; the partner and the month are bound)


def deal_usage_rebuild(*, start: datetime.date, end: datetime.date, partner_id: int | None = None) -> None:
    """Fill ``deal_paid`` of the partner aggregate's every month from ``start`` to ``end`` (whole months,
    both included) — of one partner, or of every partner with daily aggregates then — and record the deals
    it stands for. Set-based per partner and month; a rerun changes nothing."""
    deals = deals_sql(
        "%(month)s",
        "%(month)s",
        partner="%(partner)s",
        zone="%(zone)s",
        deal_days="%(deal_days)s",
    )
    query = REBUILD_SQL.format(deals=deals)
    first, after = start.replace(day=1), month_after(end)
    with connection.cursor() as cursor:
        if partner_id is None:
            cursor.execute(
                "SELECT DISTINCT partner_id FROM finance_dailyskuusage WHERE date >= %s AND date < %s",
                [first, after],
            )
            partners = [row[0] for row in cursor.fetchall()]
        else:
            partners = [partner_id]
        common = {"zone": settings.TIME_ZONE, "deal_days": ProgramSettings.current().deal_subaccount_days}
        for partner in partners:
            month = first
            while month < after:
                params = {**common, "partner": partner, "month": month, "end": month_after(month)}
                with transaction.atomic():  # (LOCK_PARTNER)
                    cursor.execute(REBUILD_LOCK_SQL, [partner])
                    cursor.execute(query, params)
                month = month_after(month)
