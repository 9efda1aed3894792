"""Subaccount details' daily aggregates for the daily rows there already are (the import keeps them from now
on)."""

from django.db import migrations

from finance.aggregates import DAILY_USAGE_SQL


def fill(apps, schema_editor):
    """Every day, every partner: the rebuild the import runs."""
    only = {f"only_{alias}": "" for alias in ("u", "c")}
    for statement in DAILY_USAGE_SQL.format(**only).split(";"):
        schema_editor.execute(statement, {"start": "0001-01-01", "end": "9999-12-01", "partner": None})


class Migration(migrations.Migration):
    dependencies = [("finance", "0026_daily_usage")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
