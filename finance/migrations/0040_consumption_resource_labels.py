"""Billing's Resource level and user labels on daily consumption: ``resource_id`` ('' at the General level)
and ``labels`` (key → value), and the day key gains the resource so a SKU's day may hold several resources.

On the partitioned table (migration 0023) each step is done once on the parent and PostgreSQL applies it to
every attached partition and the default: the columns' constant defaults are catalog changes (no rewrite),
the new unique key holds the partition key (date) as it must; the key keeps its name.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('finance', '0039_bucket_export_stale'),
        ('profiles', '0002_security_and_counted_services'),
        ('subaccounts', '0005_trigram_search'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='consumption',
            name='uniq_consumption_day',
        ),
        migrations.AddField(
            model_name='consumption',
            name='labels',
            field=models.JSONField(db_default=models.Value({}, output_field=models.JSONField())),
        ),
        migrations.AddField(
            model_name='consumption',
            name='resource_id',
            field=models.CharField(db_default='', max_length=128),
        ),
        migrations.AddConstraint(
            model_name='consumption',
            constraint=models.UniqueConstraint(fields=('subaccount', 'date', 'folder_id', 'sku_id', 'resource_id'), name='uniq_consumption_day'),
        ),
    ]
