from django.db import migrations

from portal.migration_sql import append_only

# The audit trail is evidence: the database refuses to change or delete an entry.


class Migration(migrations.Migration):
    dependencies = [("access", "0002_invitations_removal_audit_address")]
    operations = [migrations.RunSQL(*append_only("access_auditevent"))]
