"""Subaccount details' daily aggregates for the daily rows there already are (the import keeps them from now
on) — with the statements as the import ran them then, frozen here (the import's own now build tables of
later migrations too)."""

from django.db import migrations

DAILY_USAGE_SQL = """
DELETE FROM finance_dailyusage u WHERE u.date >= %(start)s AND u.date < %(end)s;
INSERT INTO finance_dailyusage
    (partner_id, subaccount_id, date, currency, cloud_id, cloud_name, folder_id, folder_name,
     cost, credit, adjustment, paid)
SELECT c.partner_id, c.subaccount_id, c.date, c.currency, max(c.cloud_id), max(c.cloud_name), c.folder_id,
       max(c.folder_name), sum(c.cost), sum(c.credit), sum(c.adjustment),
       sum(CASE WHEN c.is_marketplace THEN 0 ELSE c.cost + c.credit END)
FROM finance_consumption c
WHERE c.date >= %(start)s AND c.date < %(end)s
GROUP BY c.partner_id, c.subaccount_id, c.date, c.currency, c.folder_id;
DELETE FROM finance_dailyskuusage u WHERE u.date >= %(start)s AND u.date < %(end)s;
INSERT INTO finance_dailyskuusage
    (partner_id, date, currency, service_id, service_name, sku_id, sku_name, cost, credit, adjustment, paid)
SELECT c.partner_id, c.date, c.currency, c.service_id, max(c.service_name), c.sku_id, max(c.sku_name),
       sum(c.cost), sum(c.credit), sum(c.adjustment),
       sum(CASE WHEN c.is_marketplace THEN 0 ELSE c.cost + c.credit END)
FROM finance_consumption c
WHERE c.date >= %(start)s AND c.date < %(end)s
GROUP BY c.partner_id, c.date, c.currency, c.service_id, c.sku_id
"""


def fill(apps, schema_editor):
    """Every day, every partner: the rebuild the import ran."""
    for statement in DAILY_USAGE_SQL.split(";"):
        schema_editor.execute(statement, {"start": "0001-01-01", "end": "9999-12-01"})


class Migration(migrations.Migration):
    dependencies = [("finance", "0026_daily_usage")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
