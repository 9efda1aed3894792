"""Billing consumption in: a CSV file is checked whole, loaded with COPY into a staging table and swapped in
for its period in one transaction, with the monthly aggregates rebuilt for the months touched.

Nothing is written unless every line is valid; every bad line is reported with its number and reason. The
file's bytes go to PostgreSQL untouched and a clean file is checked by the load itself (see ``load``); the
line-by-line Python ``check`` names the problems of files COPY cannot even read.
"""

from __future__ import annotations

import csv
import datetime
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import psycopg
from django.db import DataError, IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from portal.money import CURRENCY_SQL, Currency
from subaccounts.models import Subaccount

from . import bucket_export, partitions
from .models import Consumption, CorrectionReason
from .services import EXCLUDED_SQL, monthly_consumption_rebuild
from .tasks import reaccrue, warm_rankings_after_import

# billing's detailed export as the provider writes it: these columns are required; the credit breakdown, a
# correction, the resource (the Resource level's resource_id) and the user labels (label.user_labels.<key>)
# optional; any other column (billing_account_name, reward, locale, updated_at, exported_at, …) is accepted
# and not read
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
    "pricing_quantity",
    "pricing_unit",
    "cost",
    "credit",
    "currency",
)
# columns a file may leave out, with the value a line without them has
OPTIONAL = {
    "monetary_grant_credit": "0",
    "volume_incentive_credit": "0",
    "cud_credit": "0",
    "misc_credit": "0",
    "adjustment": "0",
    "resource_id": "",
}
# a user label's column is Consumption.LABEL_PREFIX and the label's key; a line without the label leaves it
# empty
LABEL_PREFIX = Consumption.LABEL_PREFIX
# the provider's rules for labels: a key starts with a letter, a value may be empty (then the line's resource
# has no such label); both at most 63 characters of these
LABEL_KEY_RE = r"^[a-z][-_./\\@0-9a-z]{0,62}$"
LABEL_VALUE_RE = r"^[-_./\\@0-9a-z]{0,63}$"
# the text columns and the longest value each takes (the table's own limits)
TEXT_LIMITS = {
    column: Consumption._meta.get_field(field).max_length
    for column, field in (
        ("cloud_id", "cloud_id"),
        ("cloud_name", "cloud_name"),
        ("folder_id", "folder_id"),
        ("folder_name", "folder_name"),
        ("service_id", "service_id"),
        ("service_name", "service_name"),
        ("sku_id", "sku_id"),
        ("sku_name", "sku_name"),
        ("pricing_unit", "unit"),
        ("resource_id", "resource_id"),
    )
}
# billing gives credits as negative amounts
CREDITS = ("credit", "monetary_grant_credit", "volume_incentive_credit", "cud_credit", "misc_credit")
CURRENCIES = frozenset(Currency.values)
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
    # valid lines a load did not apply, with the reason (billing's sign-ups that cannot be attributed)
    skipped: list[LineError] = field(default_factory=list)
    # partners whose consumption of the period was replaced (before or after): their accruals are re-run
    partners: list[int] = field(default_factory=list)

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


def _labels(header: list[str]) -> dict[str, int]:
    """The user labels' columns of a header: the label's key → its column."""
    return {
        name.removeprefix(LABEL_PREFIX): i for i, name in enumerate(header) if name.startswith(LABEL_PREFIX)
    }


def _header_problems(header: list[str]) -> list[str]:
    """What is wrong with a header's columns: required ones missing, a label column twice or a label key the
    provider does not allow."""
    problems = []
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        problems.append(_("missing column(s): %(columns)s") % {"columns": ", ".join(missing)})
    columns = [name for name in header if name.startswith(LABEL_PREFIX)]
    for name in sorted({name for name in columns if columns.count(name) > 1}):
        problems.append(_("column %(column)s appears more than once") % {"column": name})
    for key in _labels(header):
        if not re.match(LABEL_KEY_RE, key):
            problems.append(
                _("“%(key)s” is not a label key: a letter a-z, then at most 62 of a-z, 0-9 and - _ . / \\ @")
                % {"key": key}
            )
    return problems


def _bad_label(key: str, value: str) -> str:
    return _("label %(key)s: “%(value)s” is not a label value: at most 63 of a-z, 0-9 and - _ . / \\ @") % {
        "key": key,
        "value": value,
    }


def _lines(path: Path) -> Iterator[tuple[int, list[str]]]:
    """Numbered CSV records; each physical line is decoded on its own, so bad UTF-8 fails at its line."""
    with open(path, "rb") as handle:
        text = (raw.decode("utf-8-sig" if n == 0 else "utf-8") for n, raw in enumerate(handle))
        yield from enumerate(csv.reader(text), start=1)


def _decimal(value: str, column: str) -> Decimal | None:
    """The value as the column takes it, by the same pattern as the database check; None if it is not."""
    if not re.match(DECIMAL_RE.format(digits=DIGITS[column]), value):
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        return None


def _date(value: str) -> datetime.date | None:
    if not re.match(DATE_RE, value):
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


def check(path: Path, *, progress: Callable[[int], None] | None = None) -> tuple[Checked, dict[str, tuple]]:
    """Read the whole file once and report every problem; nothing is written."""
    checked = Checked()
    lines = _lines(path)
    try:
        _first, header = next(lines)
    except StopIteration:
        checked.refuse(1, _("the file is empty"))
        return checked, {}
    except (UnicodeDecodeError, csv.Error) as error:
        checked.refuse(1, _unreadable(error))
        return checked, {}
    header = [h.strip() for h in header]
    if problems := _header_problems(header):
        for problem in problems:
            checked.refuse(1, problem)
        return checked, {}
    index = _index(header)
    labels = _labels(header)
    subaccounts = {
        b: (s, p) for b, s, p in Subaccount.objects.values_list("billing_account_id", "pk", "partner_id")
    }
    seen: dict[tuple, int] = {}
    number = 1
    try:
        for number, row in lines:
            if len(row) != len(header):
                checked.refuse(
                    number, _("expected %(n)d columns, found %(m)d") % {"n": len(header), "m": len(row)}
                )
                continue
            if any("\x00" in cell for cell in row):  # PostgreSQL's text refuses it
                checked.refuse(number, _("the line holds a NUL character"))
                continue
            value = _values(row, index)
            if value["billing_account_id"] not in subaccounts:
                checked.refuse(
                    number, _("unknown billing account “%(id)s”") % {"id": value["billing_account_id"]}
                )
            day = _date(value["date"])
            if day is None:
                checked.refuse(
                    number, _("bad date “%(value)s” (expected YYYY-MM-DD)") % {"value": value["date"]}
                )
            for name in DIGITS:
                amount = _decimal(value[name], name)
                if amount is None:
                    checked.refuse(
                        number,
                        _("bad decimal “%(value)s” in %(column)s") % {"value": value[name], "column": name},
                    )
                elif name == "cost" and amount < 0:
                    checked.refuse(number, _("negative cost %(value)s") % {"value": value[name]})
                elif name in CREDITS and amount > 0:
                    checked.refuse(number, _positive_credit(name, value[name]))
            cost, credit = _decimal(value["cost"], "cost"), _decimal(value["credit"], "credit")
            if cost is not None and credit is not None and cost >= 0 >= credit and cost + credit < 0:
                checked.refuse(number, _credit_over_cost(value["credit"], value["cost"]))
            if value["currency"] not in CURRENCIES:
                checked.refuse(number, _("unknown currency “%(value)s”") % {"value": value["currency"]})
            for name, limit in TEXT_LIMITS.items():
                if len(value[name]) > limit:
                    checked.refuse(number, _too_long(name))
            for label, i in labels.items():
                if not re.match(LABEL_VALUE_RE, row[i].strip()):
                    checked.refuse(number, _bad_label(label, row[i].strip()))
            key = tuple(value[c] for c in ROW_KEY)
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
    except (UnicodeDecodeError, csv.Error) as error:
        checked.refuse(number + 1, _unreadable(error))
    return checked, subaccounts


def _unreadable(error: Exception) -> str:
    """Why a line cannot be read at all (nothing after it is checked)."""
    if isinstance(error, UnicodeDecodeError):
        return _("the file is not UTF-8 text from here on")
    return _("the line cannot be read as CSV: %(error)s") % {"error": error}


def _too_long(column: str) -> str:
    return _("%(column)s is longer than %(max)d characters") % {"column": column, "max": TEXT_LIMITS[column]}


# Loading: the file's bytes go to PostgreSQL as they are (COPY into a text staging table, one column per
# header column), the whole file is checked there in one pass, and only then is anything written. Python
# never touches a row on this path; a file COPY itself cannot read (a line with the wrong number of
# columns, a broken quote, bad UTF-8) is checked line by line by ``check`` above, which names every bad line.

# The checks are plain anchored patterns, cheap per line; a value that passes them always casts. Amounts have
# at most 16 digits before the point and 10 after (billing's precision, kept), quantities 18; no exponents.
DECIMAL_RE = "^[+-]?([0-9]{{1,{digits}}}([.][0-9]{{0,10}})?|[.][0-9]{{1,10}})$"
DIGITS = {"pricing_quantity": 18, "cost": 16, **dict.fromkeys(CREDITS, 16), "adjustment": 16}


def _credit_over_cost(credit: str, cost: str) -> str:
    return _("credit %(credit)s is more than the cost %(cost)s") % {"credit": credit, "cost": cost}


def _positive_credit(column: str, value: str) -> str:
    return _("%(column)s %(value)s is positive: billing gives credits as negative amounts") % {
        "column": column,
        "value": value,
    }


DATE_RE = "^[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
BLOCK = 1 << 20


def _valid_decimal(name: str) -> str:
    return f"v_{name} ~ '{DECIMAL_RE.format(digits=DIGITS[name])}'"


# past the pattern, only a 29th, 30th or 31st needs its month's length checked
VALID_DATE = f"""CASE WHEN v_date ~ '{DATE_RE}'
  THEN substr(v_date, 9, 2) <= '28' OR substr(v_date, 9, 2)::int <= extract(day from
       make_date(substr(v_date, 1, 4)::int, substr(v_date, 6, 2)::int, 1) + interval '1 month - 1 day')
  ELSE false END"""

# one row per bad line (the first MAX_REPORTED by line), with what is wrong with it and the total error count:
# per amount column its value and whether it is malformed (bad_x) or has the wrong sign (sign_x)
PROBLEMS = """
WITH staged AS (
    SELECT line + 1 AS line, {values} FROM pg_temp.consumption_staging
), v AS (
    SELECT *, {first_line} AS first_line FROM staged
), flagged AS (
    SELECT v.*, sub.id IS NULL AS bad_account, NOT ({valid_date}) AS bad_date,
           v_currency NOT IN ({currencies}) AS bad_currency, {bad}, {long}{label_flags}
    FROM v LEFT JOIN subaccounts_subaccount sub ON sub.billing_account_id = v.v_billing_account_id
), signed AS (
    SELECT *, {sign} FROM flagged
), counted AS (
    SELECT *,
           CASE WHEN bad_cost OR bad_credit OR sign_cost OR sign_credit THEN false
                ELSE v_cost::numeric + v_credit::numeric < 0 END
           AS over_cost
    FROM signed
), bad AS (
    SELECT *, bad_account::int + bad_date::int + bad_currency::int + over_cost::int + {count} + {long_count}
              {label_count} + (line > first_line)::int AS errors
    FROM counted
)
SELECT line, v_billing_account_id, v_date, v_currency, bad_account, bad_date, bad_currency, over_cost,
       CASE WHEN line > first_line THEN first_line END, sum(errors) OVER (), {too_long}, {amounts}
       {label_cells}
FROM bad WHERE errors > 0 ORDER BY line LIMIT %(limit)s
"""


def _sign_sql(name: str) -> str:
    """SQL: the amount has the wrong sign for its column (a negative cost, a positive credit)."""
    if name == "cost":
        return f"CASE WHEN bad_{name} THEN false ELSE v_{name}::numeric < 0 END"
    if name in CREDITS:
        return f"CASE WHEN bad_{name} THEN false ELSE v_{name}::numeric > 0 END"
    return "false"


def _cast_sql(name: str) -> str:
    """SQL: the staged value as a number when its characters are right, else NULL (the column refuses it); a
    number with more decimals than billing's precision is refused too, never rounded."""
    shaped = f"v_{name} ~ '^[+-]?[0-9.]+$' AND scale(v_{name}::numeric) <= 10"
    return f"CASE WHEN {shaped} THEN v_{name}::numeric END"


# A value that is not what the column wants becomes NULL, which the NOT NULL column refuses (IntegrityError);
# PostgreSQL's casts refuse malformed dates and numbers (DataError). Either way the load is rolled back and
# PROBLEMS names every bad line. (No WHERE: a filter would hide lines, and skew the planner's estimates.)
INSERT = """
INSERT INTO finance_consumption (subaccount_id, partner_id, date, cloud_id, cloud_name, folder_id,
    folder_name, service_id, service_name, sku_id, sku_name, quantity, unit, cost, credit,
    monetary_grant_credit, volume_incentive_credit, cud_credit, misc_credit, adjustment, currency,
    is_marketplace, resource_id, labels)
SELECT sub.id, sub.partner_id, v_date::date, v_cloud_id, v_cloud_name, v_folder_id, v_folder_name,
       v_service_id, v_service_name, v_sku_id, v_sku_name, {pricing_quantity}, v_pricing_unit, {cost},
       {credit}, {monetary_grant_credit}, {volume_incentive_credit}, {cud_credit}, {misc_credit},
       {adjustment},
       CASE WHEN v_currency IN ({currencies}) THEN v_currency END, {excluded}, v_resource_id, {labels}
FROM (SELECT {values} FROM pg_temp.consumption_staging) v
LEFT JOIN subaccounts_subaccount sub ON sub.billing_account_id = v.v_billing_account_id
-- the unique index's order: its pages fill in turn
ORDER BY sub.id, v_date, v_folder_id, v_sku_id, v_resource_id
"""


# the load transaction's work_mem (SET LOCAL): its sorts and hashes in memory, not spilled to disk
WORK_MEM = "256MB"


def _header(path: Path) -> list[str]:
    try:
        return [h.strip() for h in next(_lines(path))[1]]
    except (StopIteration, UnicodeDecodeError, csv.Error):
        return []  # check() names why


# a line's key: one row per SKU per day per folder, per resource at the Resource level (the unique key)
ROW_KEY = ("billing_account_id", "date", "folder_id", "sku_id", "resource_id")
CHECKED = (*ROW_KEY, *DIGITS, "currency", *TEXT_LIMITS)


def _staged_values(header: list[str], names=None) -> str:
    """``btrim(cN) AS v_name`` for the columns ``names`` (all the importer reads by default), constants for
    absent optional ones; an empty resource (COPY reads an empty cell as NULL) is the General level's ''."""
    index = _index(header)
    return ", ".join(
        (f"coalesce(btrim(c{i}), '')" if name == "resource_id" else f"btrim(c{i})") + f" AS v_{name}"
        if i is not None
        else f"'{OPTIONAL[name]}'::text AS v_{name}"
        for name, i in index.items()
        if names is None or name in names
    )


def _staged_labels(labels: dict[str, int]) -> str:
    """``, btrim(cN) AS lM`` for the M-th label column of the header ('' for an empty cell: no such label)."""
    return "".join(f", coalesce(btrim(c{i}), '') AS l{n}" for n, i in enumerate(labels.values()))


def _valid_label(n: int) -> str:
    return f"l{n} ~ '{LABEL_VALUE_RE}'"


def _labels_sql(labels: dict[str, int]) -> str:
    """SQL: a line's labels as jsonb, key → value, the empty ones left out; NULL (which the column refuses)
    when a value is not one the provider allows. The keys were checked with the header (no quote in them)."""
    if not labels:
        return "'{}'::jsonb"
    keys = ", ".join(f"'{key}'" for key in labels)
    values = ", ".join(f"NULLIF(l{n}, '')" for n in range(len(labels)))
    valid = " AND ".join(_valid_label(n) for n in range(len(labels)))
    return f"CASE WHEN {valid} THEN jsonb_strip_nulls(jsonb_object(ARRAY[{keys}], ARRAY[{values}])) END"


def _problems(cursor, header: list[str]) -> Checked:
    """What is wrong with the staged lines, each named with its line (the first MAX_REPORTED)."""
    checked = Checked()
    key = ", ".join(f"v_{c}" for c in ROW_KEY)
    labels = _labels(header)
    query = PROBLEMS.format(
        currencies=CURRENCY_SQL,
        values=_staged_values(header, CHECKED) + _staged_labels(labels),
        first_line=f"min(line) OVER (PARTITION BY {key})",
        valid_date=VALID_DATE,
        bad=", ".join(f"NOT ({_valid_decimal(c)}) AS bad_{c}" for c in DIGITS),
        sign=", ".join(f"{_sign_sql(c)} AS sign_{c}" for c in DIGITS),
        count=" + ".join(f"bad_{c}::int + sign_{c}::int" for c in DIGITS),
        amounts=", ".join(f"v_{c}, bad_{c}, sign_{c}" for c in DIGITS),
        long=", ".join(f"length(v_{c}) > {limit} AS long_{c}" for c, limit in TEXT_LIMITS.items()),
        long_count=" + ".join(f"long_{c}::int" for c in TEXT_LIMITS),
        too_long=", ".join(f"long_{c}" for c in TEXT_LIMITS),
        label_flags="".join(f", NOT ({_valid_label(n)}) AS bad_l{n}" for n in range(len(labels))),
        label_count="".join(f" + bad_l{n}::int" for n in range(len(labels))),
        label_cells="".join(f", l{n}, bad_l{n}" for n in range(len(labels))),
    )
    cursor.execute(query, {"limit": MAX_REPORTED})
    for row in cursor.fetchall():
        (
            line,
            account,
            day,
            currency,
            bad_account,
            bad_date,
            bad_currency,
            over_cost,
            duplicate_of,
            total,
        ) = row[:10]
        too_long = dict(zip(TEXT_LIMITS, row[10 : 10 + len(TEXT_LIMITS)], strict=True))
        amounts = row[10 + len(TEXT_LIMITS) : 10 + len(TEXT_LIMITS) + 3 * len(DIGITS)]
        label_cells = row[10 + len(TEXT_LIMITS) + 3 * len(DIGITS) :]
        messages = [_too_long(name) for name, long in too_long.items() if long]
        if bad_account:
            messages.append(_("unknown billing account “%(id)s”") % {"id": account})
        if bad_date:
            messages.append(_("bad date “%(value)s” (expected YYYY-MM-DD)") % {"value": day})
        for n, name in enumerate(DIGITS):
            value, bad, wrong_sign = amounts[3 * n : 3 * n + 3]
            if bad:
                messages.append(_("bad decimal “%(value)s” in %(column)s") % {"value": value, "column": name})
            elif wrong_sign and name == "cost":
                messages.append(_("negative cost %(value)s") % {"value": value})
            elif wrong_sign:
                messages.append(_positive_credit(name, value))
        if over_cost:
            value = dict(zip(DIGITS, amounts[::3], strict=True))
            messages.append(_credit_over_cost(value["credit"], value["cost"]))
        if bad_currency:
            messages.append(_("unknown currency “%(value)s”") % {"value": currency})
        for n, label in enumerate(labels):
            if label_cells[2 * n + 1]:
                messages.append(_bad_label(label, label_cells[2 * n]))
        if duplicate_of:
            messages.append(_("duplicate of line %(line)d") % {"line": duplicate_of})
        for message in messages:
            if len(checked.errors) < MAX_REPORTED:
                checked.errors.append(LineError(line, message))
        checked.error_count = int(total)
    return checked


def _copy_file(cursor, path: Path, columns: int, progress: Callable[[int], None] | None) -> None:
    names = ", ".join(f"c{i}" for i in range(columns))
    cursor.execute("DROP TABLE IF EXISTS pg_temp.consumption_staging")
    cursor.execute(
        f"CREATE TEMPORARY TABLE consumption_staging (line bigint GENERATED ALWAYS AS IDENTITY, "
        f"{', '.join(f'c{i} text' for i in range(columns))})"
    )
    lines, reported = 0, 0
    with (
        open(path, "rb") as handle,
        cursor.cursor.copy(
            f"COPY consumption_staging ({names}) FROM STDIN WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')"
        ) as copy,
    ):
        while block := handle.read(BLOCK):
            copy.write(block)
            lines += block.count(b"\n")
            if progress and lines - reported >= PROGRESS_EVERY:
                progress(lines - 1)
                reported = lines
    cursor.execute("ANALYZE pg_temp.consumption_staging")  # true row counts: the joins below hash


# the period, its months and the line count, with a cheap look at the dates' shape (the cast checks the rest);
# the dates are grouped first (a hash of a few hundred values at most), then looked at once each
PERIOD = """
SELECT sum(lines), min(v_date), max(v_date),
       bool_and(length(v_date) = 10 AND substr(v_date, 5, 1) = '-' AND substr(v_date, 8, 1) = '-'
                AND v_date ~ '^[0-9-]+$'),
       array_agg(DISTINCT substr(v_date, 1, 7))
FROM (SELECT v_date, count(*) AS lines FROM (SELECT {values} FROM pg_temp.consumption_staging) v
      GROUP BY v_date) days
"""


class _Unclean(Exception):
    """The fast path met a line it will not load: PROBLEMS names what is wrong."""


def load(path: Path, *, progress: Callable[[int], None] | None = None) -> Checked:
    """Check the whole file, then replace its period with its rows (atomic); ImportRejected if any line is
    bad, in which case nothing at all is written.

    A clean file costs one pass after COPY: the INSERT loads only lines whose billing account, currency and
    amounts' characters are right, its casts refuse malformed dates and numbers, and the table's
    constraints refuse negative costs and repeated lines; if it loads fewer lines than the file has, or
    anything refuses, everything is rolled back and PROBLEMS names every bad line.
    """
    path = Path(path)
    header = _header(path)
    if not header or _header_problems(header):
        checked, _subaccounts = check(path)  # names the empty file or what is wrong with its columns
        raise ImportRejected(checked)
    checked = _load_once(path, header, progress)
    if progress:
        progress(checked.rows)
    # the closed months the period feeds are brought up to date once the load is committed
    reaccrue({p: (checked.first_day, checked.last_day) for p in checked.partners}, CorrectionReason.DATA)
    # and the rankings the large partners' members open first in Subaccount details are worked out anew
    warm_rankings_after_import(checked.partners)
    return checked


def _load_once(path: Path, header: list[str], progress: Callable[[int], None] | None) -> Checked:
    """COPY the file into the session's staging table (its own transaction), make the partitions of months
    never loaded before, then replace the period from the staging table (one transaction): the file is
    copied once whatever partitions it needs."""
    try:
        with connection.cursor() as cursor:
            try:
                with transaction.atomic():
                    _copy_file(cursor, path, len(header), progress)
                    cursor.execute(PERIOD.format(values=_staged_values(header, ["date"])))
                    rows, first, last, dates_shaped, months = cursor.fetchone()
                if rows and dates_shaped:
                    # months never loaded before: their partitions are made in a short transaction of their
                    # own (making one locks the default partition and, for its foreign keys, writes to
                    # subaccounts and partners; inside the load that would last as long as the load)
                    partitions.ensure_months([month for m in months if (month := _month(m))])
                with transaction.atomic():
                    return _replace_period(cursor, header, rows or 0, first, last, dates_shaped)
            finally:
                if not connection.needs_rollback:
                    cursor.execute("DROP TABLE IF EXISTS pg_temp.consumption_staging")
    except (DataError, psycopg.DataError):
        # COPY could not read the file (column count, quoting, encoding): name every bad line
        checked, _subaccounts = check(path)
        if not checked.error_count:
            raise
        raise ImportRejected(checked) from None


def _month(text: str) -> datetime.date | None:
    """The first day of a staged ``YYYY-MM``; None if it is no month (the load refuses its lines)."""
    try:
        return datetime.date.fromisoformat(f"{text}-01")
    except ValueError:
        return None


def _replace_period(cursor, header: list[str], rows: int, first, last, dates_shaped) -> Checked:
    checked = Checked(rows=rows)
    if not checked.rows:
        return checked
    # the load's sorts and hashes stay in memory for this transaction: the million lines ordered for the
    # unique index, and the aggregates' groups (1,000,000 lines: the INSERT 24 s → 16 s in one EXPLAIN)
    cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
    try:
        with transaction.atomic():
            if not dates_shaped:
                raise _Unclean
            checked.first_day, checked.last_day = map(datetime.date.fromisoformat, (first, last))
            partners = _partners_of(cursor, checked)
            # the file's period is replaced as a whole: rows of that period not in the file go
            cursor.execute(
                "DELETE FROM finance_consumption WHERE date BETWEEN %s AND %s",
                [checked.first_day, checked.last_day],
            )
            cursor.execute(
                INSERT.format(
                    currencies=CURRENCY_SQL,
                    values=_staged_values(header) + _staged_labels(_labels(header)),
                    labels=_labels_sql(_labels(header)),
                    excluded=EXCLUDED_SQL.format(service="v_service_id", sku="v_sku_id"),
                    **{name: _cast_sql(name) for name in DIGITS},
                )
            )
            if cursor.rowcount != checked.rows:
                raise _Unclean
    except (_Unclean, ValueError, DataError, IntegrityError):
        problems = _problems(cursor, header)
        if not problems.error_count:
            raise
        raise ImportRejected(problems) from None
    # the months' partitions as they now are (ANALYZE samples this transaction's rows): the aggregates below
    # group them by hashing the few groups there are, not by sorting every row on a guess of millions
    attached = {p.first for p in partitions.partitions()}
    for month in partitions.months(checked.first_day, checked.last_day):
        if month in attached:
            cursor.execute(f"ANALYZE {partitions.partition_name(month)}")
    # ... and the subaccounts, whose customers the customers' aggregates group by (a new partner's thousands
    # of subaccounts, never analysed, made that a sort of the million rows: 8 s of 1,000,000 rows, 4 s hashed)
    cursor.execute("ANALYZE subaccounts_subaccount")
    monthly_consumption_rebuild(start=checked.first_day.replace(day=1), end=checked.last_day)
    checked.partners = sorted(partners | _partners_of(cursor, checked))
    # the days their bucket exports wrote from the rows replaced are owed again
    bucket_export.days_changed(partner_ids=checked.partners, first=checked.first_day, last=checked.last_day)
    return checked


def _partners_of(cursor, checked: Checked) -> set[int]:
    """The partners with consumption in the months of the file's period (from the monthly aggregates)."""
    cursor.execute(
        "SELECT DISTINCT partner_id FROM finance_monthlyconsumption WHERE month >= %s AND month <= %s",
        [checked.first_day.replace(day=1), checked.last_day],
    )
    return {partner_id for (partner_id,) in cursor.fetchall()}
