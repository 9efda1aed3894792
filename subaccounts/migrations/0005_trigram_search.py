"""Trigram indexes for the subaccounts search (``name``, ``billing_account_id`` and the customer's name
contain the words typed, case aside): the search's ``UPPER(column) LIKE UPPER('%…%')`` reads the index
instead of every subaccount of the partner (10,000 for the largest).

Only where the server has pg_trgm (PostgreSQL's contrib, in the postgres image docker-compose runs): the
embedded server (pgserver) ships without it, and there the migration creates nothing and the search scans as
before — the same rows found either way, only slower.
"""

from django.db import migrations

from portal.migration_sql import trigram_indexes

INDEXES = {
    "subaccount_name_trgm": "subaccounts_subaccount USING gin (UPPER(name::text) gin_trgm_ops)",
    "subaccount_billing_id_trgm": "subaccounts_subaccount USING gin (UPPER(billing_account_id::text) gin_trgm_ops)",
    "account_name_trgm": "accounts_account USING gin (UPPER(name::text) gin_trgm_ops)",
}


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_alter_account_country_alter_account_tax_id_and_more"),
        ("subaccounts", "0004_subaccount_partner_own"),
    ]

    operations = [trigram_indexes(INDEXES)]
