from django.db import migrations

# The audit trail is evidence: the database refuses to change or delete an entry.
FORWARD = """
CREATE FUNCTION access_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'access_auditevent is append-only: % refused', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$;
CREATE TRIGGER access_audit_append_only
    BEFORE UPDATE OR DELETE ON access_auditevent
    FOR EACH ROW EXECUTE FUNCTION access_audit_append_only();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS access_audit_append_only ON access_auditevent;
DROP FUNCTION IF EXISTS access_audit_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("access", "0002_invitations_removal_audit_address")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
