import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from portal.csv import csv_lines
from tests.factories import AccountFactory


def test_cells_that_start_a_formula_are_neutralised():
    text = "".join(
        csv_lines(
            ["name", "amount"],
            [
                ['=HYPERLINK("http://evil")', Decimal("-12.50")],
                ["@SUM(A1)", Decimal("1.00")],
                ["+1-555", Decimal("0")],
                ["\t=1+1", Decimal("0")],
                ["\r=1+1", Decimal("0")],
            ],
        )
    )
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["name", "amount"]
    assert rows[1] == ['\'=HYPERLINK("http://evil")', "-12.50"]  # a negative amount stays a number
    assert rows[2] == ["'@SUM(A1)", "1.00"]
    assert rows[3] == ["'+1-555", "0"]
    assert rows[4] == ["'\t=1+1", "0"]  # a leading tab or carriage return too, as the commission report
    assert rows[5] == ["'\r=1+1", "0"]


@pytest.mark.django_db
def test_list_export_is_what_the_filtered_page_shows(partner, member, client_for):
    AccountFactory(partner=partner, name="=cmd|' /C calc'!A0", stage="customer")
    AccountFactory(partner=partner, name="Plain prospect", stage="prospect")
    client = client_for(member())
    page = client.get(reverse("accounts:list"), {"stage": "customer"})
    shown = [row.record.name for row in page.context["table"].rows]
    export = b"".join(
        client.get(reverse("accounts:list"), {"stage": "customer", "export": "csv"}).streaming_content
    ).decode()
    lines = export.strip().splitlines()
    assert lines[0].startswith("Company name,")
    assert len(lines) == 1 + len(shown) == 2
    assert lines[1].startswith("'=cmd")


@pytest.mark.django_db
def test_archived_accounts_stay_out_of_page_and_export_unless_asked(partner, member, client_for):
    from django.utils import timezone

    AccountFactory(partner=partner, name="Current one")
    AccountFactory(partner=partner, name="Archived one", archived_at=timezone.now())
    client = client_for(member())

    def names(params):
        page = client.get(reverse("accounts:list"), params)
        export = client.get(reverse("accounts:list"), {**params, "export": "csv"})
        rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))[1:]
        assert [r[0] for r in rows] == [row.record.name for row in page.context["table"].rows]
        return {r[0] for r in rows}

    assert names({}) == {"Current one"}
    assert names({"show": "archived"}) == {"Archived one"}
    assert names({"show": "all"}) == {"Current one", "Archived one"}


@pytest.mark.django_db
def test_export_streams_every_row_once_across_cursor_chunks(partner, member, client_for, monkeypatch):
    monkeypatch.setattr("portal.views.EXPORT_CHUNK", 3)
    for i in range(10):
        AccountFactory(partner=partner, name="Same name", tax_id=f"77000000{i:02d}")
    export = client_for(member()).get(reverse("accounts:list"), {"export": "csv", "sort": "name"})
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))[1:]
    assert sorted(r[2] for r in rows) == [f"77000000{i:02d}" for i in range(10)]
