"""The one CSV writer: streamed row by row, every cell escaped against formula injection (defusedcsv)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from decimal import Decimal

from defusedcsv import csv
from django.http import StreamingHttpResponse
from django.utils import timezone
from django_scopes import get_scope, scope

from portal.money import plain


class _Echo:
    def write(self, value: str) -> str:
        return value


# a cell starting with one of these would be run by a spreadsheet (OWASP, CSV injection): it gets a leading
# quote — in every CSV the portal writes, this writer's and the commission report's (finance/commission.py)
FORMULA_STARTS = ("=", "+", "-", "@", "|", "%", "\t", "\r")


def formula_safe(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _cell(value):
    if isinstance(value, Decimal):
        # billing's precision (more than two decimals) without trailing zeros; else the stored scale
        return plain(value) if value.as_tuple().exponent < -2 else format(value, "f")
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, str):
        return formula_safe(value)
    return "" if value is None else value


def csv_lines(header: Iterable[str], rows: Iterable[Iterable]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(list(header))
    for row in rows:
        yield writer.writerow([_cell(v) for v in row])


def csv_response(filename: str, header: Iterable[str], rows: Iterable[Iterable]) -> StreamingHttpResponse:
    return csv_download(filename, csv_lines(header, rows))


def csv_download(filename: str, chunks: Iterable[str | bytes]) -> StreamingHttpResponse:
    """A CSV file streamed to the browser as it is written: this writer's lines, or the commission report's
    COPY output (already CSV)."""
    response = StreamingHttpResponse(_in_this_scope(chunks), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _in_this_scope(chunks: Iterable[str | bytes]) -> Iterator[str | bytes]:
    """The file is written while the server sends it, after the view (and the request's partner scope,
    portal/models.py) has returned: its queries run in the scope the response was made in."""
    made_in = get_scope()

    def sent():
        with scope(**made_in):
            yield from chunks

    return sent()
