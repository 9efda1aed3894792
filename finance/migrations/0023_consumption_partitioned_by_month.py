"""Daily consumption becomes a table partitioned by month: ``finance_consumption`` PARTITION BY RANGE (date),
one partition per month (``finance_consumption_pYYYY_MM``) and a DEFAULT partition that takes a row of a
month nobody prepared, so no write ever fails for want of a partition.

The populated table is converted in this migration's one transaction, under an ACCESS EXCLUSIVE lock (reads
and writes wait for it): the old table is renamed aside, the partitioned table created with the same columns,
defaults, checks and identity, the months the rows span and the next three created, every row moved with its
id by INSERT … SELECT, the identity sequence set past the highest id it had given, the old table dropped, then
the indexes and constraints built on the parent (so every partition, present and future, gets them).

PostgreSQL wants every unique key of a partitioned table to hold the partition key: the primary key becomes
(id, date); ``uniq_consumption_day`` (subaccount, date, folder, SKU) already holds it. Django keeps ``id`` as
the model's primary key (its state is unchanged): ids come from the one identity sequence, so they stay
unique, and nothing refers to a consumption row by id (no foreign key, the admin's read-only page only).

Reversible: the rows of the attached partitions and the default go back into one plain table with the same
ids. Partitions detached for retention (``manage.py consumption_partitions``) stay the tables they are.

Frozen here on purpose (not imported from finance.partitions): a migration does what it did when written.
"""

import datetime

from django.db import migrations

TABLE = "finance_consumption"
MONTHS_AHEAD = 3
# the names Django gave the table's keys, kept so later schema changes find them
FOREIGN_KEYS = {
    "finance_consumption_partner_id_00c8f0f7_fk_profiles_partner_id": ("partner_id", "profiles_partner"),
    "finance_consumption_subaccount_id_b769508a_fk_subaccoun": ("subaccount_id", "subaccounts_subaccount"),
}


def _month_after(month: datetime.date) -> datetime.date:
    return (month.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


def _keys(cursor, table: str, primary_key: str) -> None:
    """The primary key, the day key, the (partner, date) index and the foreign keys, as Django names them."""
    cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY ({primary_key})")
    cursor.execute(
        f"ALTER TABLE {table} ADD CONSTRAINT uniq_consumption_day UNIQUE (subaccount_id, date, folder_id, sku_id)"
    )
    cursor.execute(f"CREATE INDEX finance_con_partner_e9ae2b_idx ON {table} (partner_id, date)")
    for name, (column, target) in FOREIGN_KEYS.items():
        cursor.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY ({column}) REFERENCES {target} (id) "
            "DEFERRABLE INITIALLY DEFERRED"
        )


def _set_aside(cursor, aside: str) -> None:
    """Rename the table, its keys' indexes and its identity sequence out of the way of the new table's."""
    cursor.execute(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")
    cursor.execute(f"SELECT pg_get_serial_sequence('{TABLE}', 'id')")
    (sequence,) = cursor.fetchone()
    cursor.execute(f"ALTER TABLE {TABLE} RENAME TO {aside}")
    cursor.execute(f"ALTER INDEX {TABLE}_pkey RENAME TO {aside}_pkey")
    cursor.execute(f"ALTER INDEX uniq_consumption_day RENAME TO {aside}_day")
    cursor.execute(f"ALTER INDEX finance_con_partner_e9ae2b_idx RENAME TO {aside}_partner_date")
    cursor.execute(f"ALTER SEQUENCE {sequence} RENAME TO {aside}_id_seq")


def _move_rows(cursor, aside: str) -> None:
    """Every row into the new table with its id; the new identity continues where the old one stood."""
    cursor.execute(f"INSERT INTO {TABLE} SELECT * FROM {aside}")  # noqa: S608 (constant names)
    cursor.execute(
        f"SELECT setval(pg_get_serial_sequence('{TABLE}', 'id'), greatest("
        f"pg_sequence_last_value('{aside}_id_seq'), (SELECT max(id) FROM {aside}), 1))"  # noqa: S608
    )
    cursor.execute(f"DROP TABLE {aside}")


def partition(apps, schema_editor):
    aside = "finance_consumption_unpartitioned"
    with schema_editor.connection.cursor() as cursor:
        _set_aside(cursor, aside)
        cursor.execute(
            f"CREATE TABLE {TABLE} (LIKE {aside} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY) "
            "PARTITION BY RANGE (date)"
        )
        cursor.execute(f"CREATE TABLE {TABLE}_default PARTITION OF {TABLE} DEFAULT")
        cursor.execute(f"SELECT DISTINCT date_trunc('month', date)::date FROM {aside}")  # noqa: S608
        months = {month for (month,) in cursor.fetchall()}
        month = datetime.date.today().replace(day=1)
        for _ahead in range(MONTHS_AHEAD + 1):
            months.add(month)
            month = _month_after(month)
        for month in sorted(months):
            cursor.execute(
                f"CREATE TABLE {TABLE}_p{month:%Y_%m} PARTITION OF {TABLE} FOR VALUES FROM (%s) TO (%s)",
                [month, _month_after(month)],
            )
        _move_rows(cursor, aside)
        _keys(cursor, TABLE, "id, date")
        cursor.execute(f"ANALYZE {TABLE}")


def unpartition(apps, schema_editor):
    aside = "finance_consumption_partitioned"
    with schema_editor.connection.cursor() as cursor:
        _set_aside(cursor, aside)
        cursor.execute(
            f"CREATE TABLE {TABLE} (LIKE {aside} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY)"
        )
        _move_rows(cursor, aside)  # dropping the partitioned table drops its attached partitions
        _keys(cursor, TABLE, "id")
        cursor.execute(f"ANALYZE {TABLE}")


class Migration(migrations.Migration):
    dependencies = [("finance", "0022_fill_customer_month")]
    operations = [migrations.RunPython(partition, unpartition, elidable=False)]
