"""Customer months for the data there already is (the import and the accrual keep them from now on)."""

from django.db import migrations

from finance.aggregates import CUSTOMER_MONTHS_SQL


def fill(apps, schema_editor):
    """Every month, every partner: the rebuild the import and the accrual run."""
    only = {f"only_{alias}": "" for alias in ("m", "a", "c")}
    schema_editor.execute(
        CUSTOMER_MONTHS_SQL.format(**only), {"start": "0001-01-01", "end": "9999-12-01", "partner": None}
    )


class Migration(migrations.Migration):
    dependencies = [("finance", "0021_customer_month")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
