from django.db import migrations

# the subaccounts' token (0044) made new too when a subaccount moves to another customer (account): a ranking
# of a member restricted to some customers reads which subaccounts are theirs
SUBACCOUNTS = """
CREATE OR REPLACE FUNCTION finance_subaccounts_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO finance_subaccountsversion (partner_id, version)
        SELECT c.partner_id, gen_random_uuid() FROM (SELECT DISTINCT partner_id FROM old_rows) c
        ORDER BY c.partner_id
        ON CONFLICT (partner_id) DO UPDATE SET version = EXCLUDED.version;
    ELSE
        INSERT INTO finance_subaccountsversion (partner_id, version)
        SELECT c.partner_id, gen_random_uuid()
        FROM (
            SELECT DISTINCT x.partner_id FROM old_rows o JOIN new_rows n ON n.id = o.id
            CROSS JOIN LATERAL (VALUES (o.partner_id), (n.partner_id)) x(partner_id)
            WHERE (o.name, o.billing_account_id, o.partner_id, o.account_id)
                  IS DISTINCT FROM (n.name, n.billing_account_id, n.partner_id, n.account_id)
        ) c
        ORDER BY c.partner_id
        ON CONFLICT (partner_id) DO UPDATE SET version = EXCLUDED.version;
    END IF;
    RETURN NULL;
END;
$$;
"""
# 0044's function, as it was: the same but the customer
SUBACCOUNTS_REVERSE = SUBACCOUNTS.replace(", o.account_id)", ")").replace(", n.account_id)", ")")


class Migration(migrations.Migration):
    dependencies = [("finance", "0047_customer_sku_day")]

    operations = [migrations.RunSQL(SUBACCOUNTS, SUBACCOUNTS_REVERSE)]
