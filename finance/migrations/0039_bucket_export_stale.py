from django.db import migrations, models

# A day a bucket export wrote holds the report's rows as they were: its reward column reads the day rates,
# the deals, the partner's own use and referred customers — the sources whose triggers (0032, 0033) call
# finance_usage_stale in the transaction of any change. That function now also marks the written days of
# the months it takes off as changed (owed again: finance/bucket_export.py), for one partner or, a rate's or
# the settings' change, every partner; the import marks its period's days itself (bucket_export.days_changed).
BODY = """
CREATE OR REPLACE FUNCTION finance_usage_stale(p_partner bigint, p_since date, p_deals boolean) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF p_since IS NULL THEN
        RETURN;
    END IF;
    IF p_partner IS NULL THEN
        PERFORM pg_advisory_xact_lock(1303, 0);
    ELSE
        PERFORM pg_advisory_xact_lock_shared(1302, p_partner::int);
    END IF;
    DELETE FROM finance_usagerewardmonth
    WHERE (p_partner IS NULL OR partner_id = p_partner) AND month >= date_trunc('month', p_since);
    IF p_deals THEN
        DELETE FROM finance_dealusage
        WHERE (p_partner IS NULL OR partner_id = p_partner) AND month >= date_trunc('month', p_since);
    END IF;{exports}
END;
$$;
"""
# a day owed already is touched too, so one being written meanwhile is not recorded as written (write_day)
EXPORTS = """
    UPDATE finance_bucketexportday d
    SET status = CASE WHEN d.status = 'written' THEN 'changed' ELSE d.status END, updated_at = now()
    FROM finance_bucketexport e
    WHERE e.id = d.export_id AND (p_partner IS NULL OR e.partner_id = p_partner)
      AND d.day >= date_trunc('month', p_since) AND d.status <> 'changed';"""


class Migration(migrations.Migration):
    dependencies = [("finance", "0038_usage_cloud_folder_index")]

    operations = [
        migrations.AlterField(
            model_name="bucketexportday",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Pending"),
                    ("written", "Written"),
                    ("failed", "Failed"),
                    ("changed", "Changed since written — will be written again"),
                ],
                default="pending",
                max_length=16,
                verbose_name="status",
            ),
        ),
        migrations.RunSQL(BODY.format(exports=EXPORTS), BODY.format(exports="")),
    ]
