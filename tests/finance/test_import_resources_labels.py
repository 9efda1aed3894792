"""Billing's Resource level and user labels in the consumption import: a line per resource of a SKU's day,
each with its labels (label.user_labels.<key> columns) stored key → value; bad label data refused whole."""

import datetime
from decimal import Decimal

import pytest

from finance.importer import COLUMNS, ImportRejected, load
from finance.models import Consumption, MonthlyConsumption
from tests.factories import SubaccountFactory

pytestmark = pytest.mark.django_db
RESOURCE_HEADER = ",".join((*COLUMNS, "resource_id", "label.user_labels.env", "label.user_labels.team"))


def line(resource="", env="", team="", sku="sku1", cost="10.00", day="2026-10-01"):
    cells = [
        "ba-1",
        day,
        "c1",
        "prod",
        "f1",
        "default",
        "compute",
        "Compute",
        sku,
        "vCPU",
        "3",
        "hour",
        cost,
        "0",
        "RUB",
        resource,
        env,
        team,
    ]
    return ",".join(cells)


def write(tmp_path, *lines, header=RESOURCE_HEADER):
    path = tmp_path / "billing.csv"
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def sub():
    return SubaccountFactory(billing_account_id="ba-1")


def stored():
    return {
        (c.resource_id, c.sku_id): (c.cost, c.labels)
        for c in Consumption.objects.order_by("resource_id", "sku_id")
    }


def test_two_resources_of_one_sku_day_are_both_imported_with_their_labels(tmp_path, sub):
    load(write(tmp_path, line("vm-a", "prod", "web", cost="10.00"), line("vm-b", "dev", "", cost="2.50")))
    assert stored() == {
        ("vm-a", "sku1"): (Decimal("10.00"), {"env": "prod", "team": "web"}),
        ("vm-b", "sku1"): (Decimal("2.50"), {"env": "dev"}),  # an empty cell: the resource has no such label
    }
    assert MonthlyConsumption.objects.get().cost == Decimal("12.50")  # the aggregates sum the resources


def test_a_general_level_file_still_imports_without_resources_or_labels(tmp_path, sub):
    general = ",".join(COLUMNS)
    load(write(tmp_path, ",".join(line(sku="a").split(",")[:15]), header=general))
    row = Consumption.objects.get()
    assert (row.resource_id, row.labels, row.cost) == ("", {}, Decimal("10.00"))


def test_a_general_level_file_with_labels_stores_them(tmp_path, sub):
    header = ",".join((*COLUMNS, "label.user_labels.env"))
    load(write(tmp_path, ",".join(line(sku="a").split(",")[:15]) + ",prod", header=header))
    assert stored() == {("", "a"): (Decimal("10.00"), {"env": "prod"})}


def test_the_same_resource_twice_on_a_sku_day_is_a_duplicate(tmp_path, sub):
    with pytest.raises(ImportRejected) as rejected:
        load(write(tmp_path, line("vm-a"), line("vm-a", cost="1.00")))
    assert [str(e) for e in rejected.value.checked.errors] == ["line 3: duplicate of line 2"]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (
            line("vm-b", env="Prod"),
            "line 3: label env: “Prod” is not a label value: at most 63 of a-z, 0-9 and - _ . / \\ @",
        ),
        (
            line("vm-b", team="x" * 64),
            f"line 3: label team: “{'x' * 64}” is not a label value: at most 63 of a-z, 0-9 and - _ . / \\ @",
        ),
        (line("r" * 129), "line 3: resource_id is longer than 128 characters"),
    ],
)
def test_bad_label_data_is_refused_with_its_line_and_nothing_is_written(tmp_path, sub, bad, message):
    load(write(tmp_path, line("vm-old", "old")))
    with pytest.raises(ImportRejected) as rejected:
        load(write(tmp_path, line("vm-a", "prod"), bad))
    assert [str(e) for e in rejected.value.checked.errors] == [message]
    assert stored() == {("vm-old", "sku1"): (Decimal("10.00"), {"env": "old"})}  # untouched


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (
            RESOURCE_HEADER.replace("user_labels.team", "user_labels.Team"),
            "line 1: “Team” is not a label key: a letter a-z, then at most 62 of a-z, 0-9 and - _ . / \\ @",
        ),
        (
            RESOURCE_HEADER.replace("user_labels.team", "user_labels.env"),
            "line 1: column label.user_labels.env appears more than once",
        ),
    ],
)
def test_a_bad_label_column_is_refused_and_nothing_is_written(tmp_path, sub, header, message):
    load(write(tmp_path, line("vm-old", "old")))
    with pytest.raises(ImportRejected) as rejected:
        load(write(tmp_path, line("vm-a", "prod"), header=header))
    assert [str(e) for e in rejected.value.checked.errors] == [message]
    assert stored() == {("vm-old", "sku1"): (Decimal("10.00"), {"env": "old"})}


def test_a_file_copy_cannot_read_names_bad_labels_too(tmp_path, sub):
    with pytest.raises(ImportRejected) as rejected:
        load(write(tmp_path, line("vm-a", "Prod"), line("vm-b") + ",extra"))
    assert [str(e) for e in rejected.value.checked.errors] == [
        "line 2: label env: “Prod” is not a label value: at most 63 of a-z, 0-9 and - _ . / \\ @",
        "line 3: expected 18 columns, found 19",
    ]
    assert not Consumption.objects.exists()


def test_a_reimport_replaces_the_periods_resources_and_labels(tmp_path, sub):
    load(write(tmp_path, line("vm-a", "prod", "web"), line("vm-b", "dev"), line("vm-c", day="2026-10-02")))
    load(write(tmp_path, line("vm-a", "stage"), line("vm-d", "dev", "db")))  # 1 October again
    assert {(c.date.day, c.resource_id): c.labels for c in Consumption.objects.all()} == {
        (1, "vm-a"): {"env": "stage"},
        (1, "vm-d"): {"env": "dev", "team": "db"},
        (2, "vm-c"): {},
    }
    assert Consumption.objects.filter(date=datetime.date(2026, 10, 1)).count() == 2
