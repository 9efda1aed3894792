from django.db import migrations

# Rules of money 2: ledger rows are never updated or deleted; the database itself refuses it.
FORWARD = """
CREATE FUNCTION finance_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'finance_ledgerentry is append-only: % refused', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$;
CREATE TRIGGER finance_ledger_append_only
    BEFORE UPDATE OR DELETE ON finance_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION finance_ledger_append_only();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS finance_ledger_append_only ON finance_ledgerentry;
DROP FUNCTION IF EXISTS finance_ledger_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("finance", "0001_initial")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
