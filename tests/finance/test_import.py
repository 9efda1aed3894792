"""Consumption import: validated whole (every bad line named, nothing written), COPY-loaded, the period
replaced atomically, monthly aggregates rebuilt."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from finance.importer import COLUMNS, ImportRejected, load
from finance.models import Consumption, ConsumptionImport, MonthlyConsumption
from tests.factories import ConsumptionFactory, SubaccountFactory

pytestmark = pytest.mark.django_db
HEADER = ",".join(COLUMNS)


def line(
    ba="ba-1",
    day="2026-10-01",
    folder="f1",
    sku="sku1",
    cost="10.50",
    credit="-0.50",
    currency="RUB",
    quantity="3",
    service="compute",
):
    cells = [
        ba,
        day,
        "c1",
        "prod",
        folder,
        "default",
        service,
        "Compute",
        sku,
        "vCPU",
        quantity,
        "hour",
        cost,
        credit,
        currency,
    ]
    return ",".join(cells)


def write(tmp_path, *lines, header=HEADER):
    path = tmp_path / "billing.csv"
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def sub():
    return SubaccountFactory(billing_account_id="ba-1")


def test_a_valid_file_is_loaded_and_the_months_aggregated(tmp_path, sub):
    path = write(tmp_path, line(), line(day="2026-10-02", cost="4.50"), line(day="2026-11-01", sku="sku2"))
    checked = load(path)
    assert checked.rows == 3 and (checked.first_day, checked.last_day) == (
        datetime.date(2026, 10, 1),
        datetime.date(2026, 11, 1),
    )
    assert Consumption.objects.filter(subaccount=sub, partner=sub.partner).count() == 3
    months = dict(MonthlyConsumption.objects.filter(subaccount=sub).values_list("month", "cost"))
    assert months == {
        datetime.date(2026, 10, 1): Decimal("15.00"),
        datetime.date(2026, 11, 1): Decimal("10.50"),
    }


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (line(ba="ba-404"), "line 3: unknown billing account “ba-404”"),
        (line(day="2026-13-01"), "line 3: bad date “2026-13-01” (expected YYYY-MM-DD)"),
        (line(cost="12,50"), "line 3: expected 15 columns, found 16"),
        (line(cost="abc"), "line 3: bad decimal “abc” in cost"),
        (line(quantity="NaN"), "line 3: bad decimal “NaN” in pricing_quantity"),
        (line(credit="0.50"), "line 3: credit 0.50 is positive: billing gives credits as negative amounts"),
        (line(cost="1.00", credit="-1.01"), "line 3: credit -1.01 is more than the cost 1.00"),
        (line(cost="1.12345678901"), "line 3: bad decimal “1.12345678901” in cost"),
        (line(cost="-1.00"), "line 3: negative cost -1.00"),
        (line(currency="EUR"), "line 3: unknown currency “EUR”"),
        (line(sku="first"), "line 3: duplicate of line 2"),
        (line(day="2026-02-30"), "line 3: bad date “2026-02-30” (expected YYYY-MM-DD)"),
        (line(cost="1e99"), "line 3: bad decimal “1e99” in cost"),
        (line(cost="12345678901234567.00"), "line 3: bad decimal “12345678901234567.00” in cost"),
        (line(day="2026-04-31"), "line 3: bad date “2026-04-31” (expected YYYY-MM-DD)"),
        (line(day="0000-01-01"), "line 3: bad date “0000-01-01” (expected YYYY-MM-DD)"),
        (line(credit="1,5"), "line 3: expected 15 columns, found 16"),
        (line(sku='"broken'), "line 3: expected 15 columns, found 9"),
    ],
)
def test_every_bad_line_is_reported_and_nothing_is_written(tmp_path, sub, bad, message):
    ConsumptionFactory(subaccount=sub, date=datetime.date(2026, 10, 1), sku_id="old", cost=Decimal("99.00"))
    path = write(tmp_path, line(sku="first"), bad)
    with pytest.raises(ImportRejected) as rejected:
        load(path)
    assert [str(e) for e in rejected.value.checked.errors] == [message]
    assert list(Consumption.objects.values_list("sku_id", flat=True)) == ["old"]  # untouched


def test_a_missing_column_is_reported(tmp_path, sub):
    path = write(tmp_path, line(), header=HEADER.replace(",credit", ""))
    with pytest.raises(ImportRejected) as rejected:
        load(path)
    assert [str(e) for e in rejected.value.checked.errors] == ["line 1: missing column(s): credit"]


def test_all_bad_lines_are_reported_not_just_the_first(tmp_path, sub):
    path = write(tmp_path, line(ba="x"), line(), line(currency="EUR", sku="s2"), line(cost="-2", sku="s3"))
    with pytest.raises(ImportRejected) as rejected:
        load(path)
    assert [e.line for e in rejected.value.checked.errors] == [2, 4, 5]


def test_reimporting_a_period_replaces_it(tmp_path, sub):
    load(write(tmp_path, line(cost="10.00"), line(day="2026-10-02", cost="20.00")))
    load(write(tmp_path, line(cost="11.00")))  # the corrected file covers 1 October only
    assert dict(Consumption.objects.values_list("date", "cost")) == {
        datetime.date(2026, 10, 1): Decimal("11.00"),
        datetime.date(2026, 10, 2): Decimal("20.00"),
    }
    assert MonthlyConsumption.objects.get().cost == Decimal("31.00")


def test_the_command_reports_lines_and_fails(tmp_path, sub, capsys):
    with pytest.raises(CommandError, match="1 bad line"):
        call_command("import_consumption", str(write(tmp_path, line(currency="EUR"))))
    assert "line 2: unknown currency “EUR”" in capsys.readouterr().err
    call_command("import_consumption", str(write(tmp_path, line())))
    assert "Imported 1 rows (2026-10-01 to 2026-10-01)." in capsys.readouterr().out


def test_the_admin_upload_runs_as_a_task_with_progress(
    tmp_path, sub, admin_client, django_capture_on_commit_callbacks, celery_eager
):

    with (
        open(write(tmp_path, line(), line(day="2026-10-02")), "rb") as handle,
        django_capture_on_commit_callbacks(execute=True),
    ):
        admin_client.post("/admin/finance/consumptionimport/add/", {"kind": "consumption", "file": handle})
    job = ConsumptionImport.objects.get()
    assert (job.status, job.rows, job.lines_checked) == (ConsumptionImport.Status.DONE, 2, 2)
    assert Consumption.objects.count() == 2


def test_an_optional_adjustment_column_is_loaded_signed_and_checked(tmp_path, sub):
    header = HEADER + ",adjustment"
    load(write(tmp_path, line(sku="a") + ",-12.30", line(sku="b") + ",0", header=header))
    assert sorted(Consumption.objects.values_list("adjustment", flat=True)) == [
        Decimal("-12.30"),
        Decimal("0"),
    ]
    with pytest.raises(ImportRejected) as rejected:
        load(write(tmp_path, line(sku="c") + ",lots", header=header))
    assert [str(e) for e in rejected.value.checked.errors] == ["line 2: bad decimal “lots” in adjustment"]


def test_without_the_adjustment_column_lines_have_none(tmp_path, sub):
    load(write(tmp_path, line()))
    assert Consumption.objects.get().adjustment == Decimal("0")


def test_a_file_that_is_not_utf8_is_refused_and_nothing_written(tmp_path, sub):
    path = write(tmp_path, line(sku="a"))
    path.write_bytes(path.read_bytes() + line(sku="caf\xe9").encode("latin-1") + b"\n")
    with pytest.raises(ImportRejected) as rejected:
        load(path)
    assert [str(e) for e in rejected.value.checked.errors] == [
        "line 3: the file is not UTF-8 text from here on"
    ]
    assert not Consumption.objects.exists()


def test_many_problems_on_many_lines_are_all_counted(tmp_path, sub):
    bad = [line(ba="nobody", currency="EUR", sku=f"s{n}") for n in range(300)]
    with pytest.raises(ImportRejected) as rejected:
        load(write(tmp_path, *bad))
    assert rejected.value.checked.error_count == 600  # two problems on each of 300 lines
    assert len(rejected.value.checked.errors) == 200  # the first 200 named
    assert str(rejected.value.checked.errors[1]) == "line 2: unknown currency “EUR”"
