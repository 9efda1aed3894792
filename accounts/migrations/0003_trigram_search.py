"""Trigram indexes for the accounts search (name, legal name, tax id, and a contact's name or email for the
roles that see them, case aside): with subaccounts migration 0005's index of the name, every part of the
search's ``UPPER(column) LIKE UPPER('%…%')`` reads an index instead of every account of the partner (2,000
for the largest) and every contact. Only where the server has pg_trgm, as 0005.
"""

from django.db import migrations

from portal.migration_sql import trigram_indexes

INDEXES = {
    "account_legal_name_trgm": "accounts_account USING gin (UPPER(legal_name::text) gin_trgm_ops)",
    "account_tax_id_trgm": "accounts_account USING gin (UPPER(tax_id::text) gin_trgm_ops)",
    "account_contact_name_trgm": "accounts_accountcontact USING gin (UPPER(name::text) gin_trgm_ops)",
    "account_contact_email_trgm": "accounts_accountcontact USING gin (UPPER(email::text) gin_trgm_ops)",
}


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_alter_account_country_alter_account_tax_id_and_more"),
        ("subaccounts", "0005_trigram_search"),
    ]

    operations = [trigram_indexes(INDEXES)]
