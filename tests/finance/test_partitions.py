"""Daily consumption is partitioned by month (PostgreSQL declarative partitioning): a month's rows live in,
and a month's queries read, that month's partition; a month nobody prepared goes to the default partition and
moves out when its partition is made; the nightly beat makes the months ahead; old months are detached for
retention while their monthly aggregates stay."""

import datetime
import io
import json
from decimal import Decimal

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django_celery_beat.models import PeriodicTask

from finance import partitions
from finance.commission import COUNT, report_query
from finance.importer import load
from finance.models import Consumption, MonthlyConsumption
from finance.services import MONTHLY_UPSERT_SQL, monthly_consumption_rebuild
from finance.tasks import create_consumption_partitions
from tests.factories import ConsumptionFactory, SubaccountFactory
from tests.finance.test_import import line, write

OCT, NOV = datetime.date(2026, 10, 1), datetime.date(2026, 11, 1)
NOW = datetime.datetime(2026, 11, 25, 12, tzinfo=datetime.UTC)


def partition_of(row) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM finance_consumption WHERE id = %s", [row.pk])
        return cursor.fetchone()[0]


def scanned(query: str, params=None) -> set[str]:
    """The tables a query's plan scans."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {query}", params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan

    def walk(node):
        if "Relation Name" in node and "Scan" in node["Node Type"]:
            yield node["Relation Name"]
        for child in node.get("Plans", []):
            yield from walk(child)

    return set(walk(plan[0]["Plan"]))


def consumption_tables(tables: set[str]) -> set[str]:
    return {t for t in tables if t.startswith("finance_consumption")}


@pytest.mark.django_db
def test_consumption_is_partitioned_by_range_of_date_with_a_default_partition():
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT p.partstrat, a.attname FROM pg_partitioned_table p
               JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]
               WHERE p.partrelid = 'finance_consumption'::regclass"""
        )
        assert cursor.fetchone() == ("r", "date")
        cursor.execute(
            "SELECT count(*) FROM pg_inherits WHERE inhparent = 'finance_consumption'::regclass "
            "AND inhrelid = 'finance_consumption_default'::regclass"
        )
        assert cursor.fetchone() == (1,)


@pytest.mark.django_db
def test_a_row_lands_in_its_months_partition():
    partitions.ensure(OCT, NOV)
    october = ConsumptionFactory(date=datetime.date(2026, 10, 31))
    november = ConsumptionFactory(date=NOV)
    assert partition_of(october) == "finance_consumption_p2026_10"
    assert partition_of(november) == "finance_consumption_p2026_11"


@pytest.mark.django_db
def test_a_row_of_a_month_without_a_partition_is_kept_and_moves_into_the_partition_when_it_is_made():
    stray = ConsumptionFactory(date=datetime.date(2031, 5, 17), cost=Decimal("7.25"))
    assert partition_of(stray) == "finance_consumption_default"
    assert "finance_consumption_p2031_05" in create_consumption_partitions()
    assert partition_of(stray) == "finance_consumption_p2031_05"
    assert Consumption.objects.get(pk=stray.pk).cost == Decimal("7.25")  # the same row, same id
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM finance_consumption_default")
        assert cursor.fetchone() == (0,)


@pytest.mark.django_db
@time_machine.travel(datetime.datetime(2031, 1, 15, 12, tzinfo=datetime.UTC))
def test_the_nightly_task_makes_this_month_and_the_next_three_once():
    assert create_consumption_partitions() == [
        "finance_consumption_p2031_01",
        "finance_consumption_p2031_02",
        "finance_consumption_p2031_03",
        "finance_consumption_p2031_04",
    ]
    assert create_consumption_partitions() == []  # idempotent
    months = [p.month for p in partitions.partitions()]
    assert months[-5:] == ["2031-01", "2031-02", "2031-03", "2031-04", "default"]


@pytest.mark.django_db
def test_the_nightly_task_is_on_the_beat():
    task = PeriodicTask.objects.get(task="finance.tasks.create_consumption_partitions")
    assert task.enabled and task.crontab.hour == "3" and task.crontab.day_of_month == "*"


@pytest.mark.django_db
def test_an_import_spanning_two_months_replaces_exactly_its_period_in_those_months_partitions(tmp_path):
    sub = SubaccountFactory(billing_account_id="ba-1")
    kept = [
        ConsumptionFactory(subaccount=sub, date=datetime.date(2026, 10, 30), sku_id="sku1"),
        ConsumptionFactory(subaccount=sub, date=datetime.date(2026, 11, 2), sku_id="sku1"),
    ]
    replaced = ConsumptionFactory(subaccount=sub, date=datetime.date(2026, 10, 31), sku_id="old")
    load(write(tmp_path, line(day="2026-10-31", cost="1.00"), line(day="2026-11-01", cost="2.00")))
    rows = {(c.date, c.sku_id): c.cost for c in Consumption.objects.all()}
    assert rows == {
        (datetime.date(2026, 10, 30), "sku1"): Decimal("12.00"),
        (datetime.date(2026, 10, 31), "sku1"): Decimal("1.00"),
        (datetime.date(2026, 11, 1), "sku1"): Decimal("2.00"),
        (datetime.date(2026, 11, 2), "sku1"): Decimal("12.00"),
    }
    assert not Consumption.objects.filter(pk=replaced.pk).exists()
    assert [partition_of(row) for row in kept] == [
        "finance_consumption_p2026_10",
        "finance_consumption_p2026_11",
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM finance_consumption_default")
        assert cursor.fetchone() == (0,)


@pytest.mark.django_db
def test_an_import_makes_partitions_only_for_the_months_it_has_days_of(tmp_path):
    SubaccountFactory(billing_account_id="ba-1")
    before = {p.month for p in partitions.partitions()}
    load(write(tmp_path, line(day="2020-01-15"), line(day="2026-10-01")))
    assert {p.month for p in partitions.partitions()} - before == {"2020-01", "2026-10"}
    assert sorted(Consumption.objects.values_list("date", flat=True)) == [
        datetime.date(2020, 1, 15),
        datetime.date(2026, 10, 1),
    ]


@pytest.mark.django_db
def test_a_months_queries_read_only_that_months_partition():
    partitions.ensure(datetime.date(2026, 9, 1), datetime.date(2026, 12, 1))
    october, last = {"finance_consumption_p2026_10"}, datetime.date(2026, 10, 31)
    delete = "DELETE FROM finance_consumption WHERE date BETWEEN %s AND %s"  # the importer's
    assert consumption_tables(scanned(delete, [OCT, last])) == october
    upsert = MONTHLY_UPSERT_SQL.format(only_c="AND c.partner_id = %(partner)s")
    assert consumption_tables(scanned(upsert, {"start": OCT, "end": NOV, "partner": 1})) == october
    count, params = report_query(COUNT, partner_id=1, start=OCT, finish=last, account_ids=None)
    assert consumption_tables(scanned(count, params)) == october


@pytest.mark.django_db
@time_machine.travel(NOW)
def test_detaching_old_months_removes_them_from_queries_and_keeps_their_monthly_aggregates():
    sub = SubaccountFactory()
    months = [datetime.date(2025, 1, 1), datetime.date(2025, 2, 1), datetime.date(2025, 3, 1)]
    partitions.ensure(months[0], months[-1])
    for month in months:
        ConsumptionFactory(subaccount=sub, date=month.replace(day=10), cost=Decimal("5.00"))
    monthly_consumption_rebuild(start=months[0], end=months[-1])
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # as in production: the rows are committed
    out = io.StringIO()
    call_command("consumption_partitions", detach_before="2025-03", stdout=out)
    assert "Detached 2025-01" in out.getvalue() and "Detached 2025-02" in out.getvalue()
    assert list(Consumption.objects.values_list("date", flat=True)) == [datetime.date(2025, 3, 10)]
    assert sorted(MonthlyConsumption.objects.values_list("month", flat=True)) == months
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM finance_consumption_archive_2025_01")
        assert cursor.fetchone() == (1,)  # kept aside, not dropped
    listed = io.StringIO()
    call_command("consumption_partitions", list=True, stdout=listed)
    assert "2025-03  finance_consumption_p2025_03" in listed.getvalue()
    assert "detached finance_consumption_archive_2025_02" in listed.getvalue()
    assert "p2025_01" not in listed.getvalue()


@pytest.mark.django_db
@time_machine.travel(NOW)
def test_retention_never_detaches_this_months_consumption():
    with pytest.raises(CommandError, match="this month"):
        call_command("consumption_partitions", detach_before="2026-12")


@pytest.mark.django_db(transaction=True)
def test_the_migration_converts_a_populated_table_keeping_every_row_and_id():
    before = [("finance", "0022_fill_customer_month")]
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes("finance")
    sub = SubaccountFactory()
    try:
        executor.migrate(before)
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_partitioned_table")
            assert cursor.fetchone() == (0,)
            ids = {}
            for day in (datetime.date(2025, 12, 31), datetime.date(2026, 1, 1), datetime.date(2026, 1, 2)):
                cursor.execute(
                    """INSERT INTO finance_consumption (partner_id, subaccount_id, date, cloud_id, cloud_name,
                           folder_id, folder_name, service_id, service_name, sku_id, sku_name, quantity, unit,
                           cost, credit, currency, is_marketplace)
                       VALUES (%s, %s, %s, 'c', 'c', 'f', 'f', 's', 's', 'k', 'k', 1, 'h', 3, -1, 'RUB',
                               false)
                       RETURNING id""",
                    [sub.partner_id, sub.pk, day],
                )
                ids[cursor.fetchone()[0]] = day
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(latest)
    finally:
        MigrationExecutor(connection).migrate(latest)  # whatever happened, the schema the other tests want
    assert dict(Consumption.objects.values_list("id", "date")) == ids
    rows = Consumption.objects.order_by("date")
    assert [partition_of(row) for row in rows] == [
        "finance_consumption_p2025_12",
        "finance_consumption_p2026_01",
        "finance_consumption_p2026_01",
    ]
    assert ConsumptionFactory(subaccount=sub).pk > max(ids)  # the sequence goes on from where it was
