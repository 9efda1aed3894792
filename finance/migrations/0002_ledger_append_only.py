from django.db import migrations

from portal.migration_sql import append_only

# Rules of money 2: ledger rows are never updated or deleted; the database itself refuses it.


class Migration(migrations.Migration):
    dependencies = [("finance", "0001_initial")]
    operations = [migrations.RunSQL(*append_only("finance_ledgerentry"))]
