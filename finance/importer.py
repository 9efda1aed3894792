"""Billing consumption in: a CSV file is validated whole, then loaded with COPY into a staging table and
swapped in for its period in one transaction, with the monthly aggregates rebuilt for the months touched.

Nothing is written unless every line is valid; every bad line is reported with its number and reason.
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import connection, transaction
from django.utils.translation import gettext as _

from subaccounts.models import Subaccount

from .services import monthly_consumption_rebuild

COLUMNS = (
    "billing_account_id",
    "date",
    "cloud_id",
    "cloud_name",
    "folder_id",
    "folder_name",
    "service_id",
    "service_name",
    "sku_id",
    "sku_name",
    "quantity",
    "unit",
    "cost",
    "credit",
    "currency",
)
# columns a file may leave out, with the value a line without them has
OPTIONAL = {"adjustment": "0"}
CURRENCIES = {"RUB", "USD", "KZT"}
MAX_REPORTED = 200
PROGRESS_EVERY = 10_000


@dataclass
class LineError:
    line: int
    message: str

    def __str__(self):
        return _("line %(line)d: %(message)s") % {"line": self.line, "message": self.message}


@dataclass
class Checked:
    rows: int = 0
    first_day: datetime.date | None = None
    last_day: datetime.date | None = None
    errors: list[LineError] = field(default_factory=list)
    error_count: int = 0

    def refuse(self, line: int, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED:
            self.errors.append(LineError(line, message))


class ImportRejected(Exception):
    def __init__(self, checked: Checked):
        super().__init__(f"{checked.error_count} bad line(s)")
        self.checked = checked


def _index(header: list[str]) -> dict[str, int | None]:
    return {c: header.index(c) if c in header else None for c in (*COLUMNS, *OPTIONAL)}


def _values(row: list[str], index: dict[str, int | None]) -> dict[str, str]:
    return {c: row[i].strip() if i is not None else OPTIONAL[c] for c, i in index.items()}


def _lines(path: Path) -> Iterator[tuple[int, list[str]]]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        yield from enumerate(csv.reader(handle), start=1)


def _decimal(value: str) -> Decimal | None:
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def check(path: Path, *, progress: Callable[[int], None] | None = None) -> tuple[Checked, dict[str, tuple]]:
    """Read the whole file once and report every problem; nothing is written."""
    checked = Checked()
    lines = _lines(path)
    try:
        _first, header = next(lines)
    except StopIteration:
        checked.refuse(1, _("the file is empty"))
        return checked, {}
    header = [h.strip() for h in header]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        checked.refuse(1, _("missing column(s): %(columns)s") % {"columns": ", ".join(missing)})
        return checked, {}
    index = _index(header)
    subaccounts = {
        b: (s, p) for b, s, p in Subaccount.objects.values_list("billing_account_id", "pk", "partner_id")
    }
    seen: dict[tuple, int] = {}
    for number, row in lines:
        if len(row) != len(header):
            checked.refuse(
                number, _("expected %(n)d columns, found %(m)d") % {"n": len(header), "m": len(row)}
            )
            continue
        value = _values(row, index)
        if value["billing_account_id"] not in subaccounts:
            checked.refuse(
                number, _("unknown billing account “%(id)s”") % {"id": value["billing_account_id"]}
            )
        try:
            day = datetime.date.fromisoformat(value["date"])
        except ValueError:
            checked.refuse(number, _("bad date “%(value)s” (expected YYYY-MM-DD)") % {"value": value["date"]})
            day = None
        for name in ("quantity", "cost", "credit", "adjustment"):
            amount = _decimal(value[name])
            if amount is None:
                checked.refuse(
                    number,
                    _("bad decimal “%(value)s” in %(column)s") % {"value": value[name], "column": name},
                )
            elif name == "cost" and amount < 0:
                checked.refuse(number, _("negative cost %(value)s") % {"value": value[name]})
        if value["currency"] not in CURRENCIES:
            checked.refuse(number, _("unknown currency “%(value)s”") % {"value": value["currency"]})
        key = (value["billing_account_id"], value["date"], value["folder_id"], value["sku_id"])
        if key in seen:
            checked.refuse(number, _("duplicate of line %(line)d") % {"line": seen[key]})
        else:
            seen[key] = number
        if day:
            checked.first_day = min(checked.first_day or day, day)
            checked.last_day = max(checked.last_day or day, day)
        checked.rows += 1
        if progress and checked.rows % PROGRESS_EVERY == 0:
            progress(checked.rows)
    return checked, subaccounts


STAGING = """
CREATE TEMPORARY TABLE consumption_staging (
    subaccount_id bigint, partner_id bigint, date date, cloud_id text, cloud_name text, folder_id text,
    folder_name text, service_id text, service_name text, sku_id text, sku_name text, quantity numeric,
    unit text, cost numeric, credit numeric, currency text, adjustment numeric
) ON COMMIT DROP
"""
TARGET = ("subaccount_id", "partner_id", *COLUMNS[1:], *OPTIONAL)  # the file's billing account id resolved


def load(path: Path, *, progress: Callable[[int], None] | None = None) -> Checked:
    """Validate the whole file, then replace its period with its rows (atomic); ImportRejected if any line
    is bad, in which case nothing at all is written."""
    path = Path(path)
    checked, subaccounts = check(path, progress=progress)
    if checked.error_count:
        raise ImportRejected(checked)
    if not checked.rows:
        return checked
    columns = ", ".join(TARGET)
    with transaction.atomic(), connection.cursor() as cursor:
        # ON COMMIT DROP ends it with the transaction; when nested in an outer one, drop last load's first
        cursor.execute("DROP TABLE IF EXISTS pg_temp.consumption_staging")
        cursor.execute(STAGING)
        with cursor.cursor.copy(f"COPY consumption_staging ({columns}) FROM STDIN") as copy:
            lines = _lines(path)
            header = [h.strip() for h in next(lines)[1]]
            index = _index(header)
            for _number, row in lines:
                value = _values(row, index)
                subaccount_id, partner_id = subaccounts[value["billing_account_id"]]
                copy.write_row((subaccount_id, partner_id, *(value[c] for c in TARGET[2:])))
        # the file's period is replaced as a whole: rows of that period not in the file go
        cursor.execute(
            "DELETE FROM finance_consumption WHERE date BETWEEN %s AND %s",
            [checked.first_day, checked.last_day],
        )
        cursor.execute(
            f"INSERT INTO finance_consumption ({columns}, is_marketplace) "  # noqa: S608 - fixed column names
            f"SELECT {columns}, false FROM consumption_staging"
        )
        monthly_consumption_rebuild(start=checked.first_day.replace(day=1), end=checked.last_day)
    return checked
