"""The monthly PDF statement, rendered by Celery with WeasyPrint, carries the page's figures."""

import datetime
import io
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from pypdf import PdfReader

from finance.models import Program, Report
from portal.permissions import Role
from tests.factories import AccountFactory, AccrualFactory, MonthlyConsumptionFactory, SubaccountFactory

pytestmark = pytest.mark.django_db
OCT = datetime.date(2026, 10, 1)


def test_the_statement_has_the_same_figures_as_the_bonuses_page(
    partner, member, client_for, django_capture_on_commit_callbacks, celery_eager
):

    sub = SubaccountFactory(account=AccountFactory(partner=partner, name="Gamma Retail"))
    MonthlyConsumptionFactory(subaccount=sub, month=OCT, cost=Decimal("12345.67"), credit=Decimal("-45.67"))
    AccrualFactory(subaccount=sub, period=OCT, program=Program.PARTNER_BONUS, amount=Decimal("1230.00"))
    client = client_for(member())
    page = client.get(
        reverse("finance:bonuses"), {"period": "custom", "start": "2026-10", "finish": "2026-10"}
    )
    [(name, currency, [(paid, bonus)])] = page.context["grid"].rows

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("finance:statement_request") + "?month=2026-10")
    report = Report.objects.get()
    assert report.status == Report.Status.DONE and report.params == {"month": "2026-10-01", "language": "en"}
    pdf = b"".join(client.get(reverse("finance:report", args=[report.pk])).streaming_content)
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert (name, paid, bonus) == ("Gamma Retail", Decimal("12300.00"), Decimal("1230.00"))
    for figure in (name, "12,300.00", "1,230.00", "October 2026"):
        assert figure in text


@time_machine.travel(datetime.datetime(2026, 11, 5, 18, 10, tzinfo=datetime.UTC), tick=False)
def test_the_statements_generated_line_reads_as_a_sentence_in_the_afternoon_too(partner):
    """The time is the provider's (Moscow), on the 24-hour clock: never "p.m.", nor a full stop after it."""
    from finance.statements import statement_pdf

    text = " ".join(
        p.extract_text() for p in PdfReader(io.BytesIO(statement_pdf(partner=partner, month=OCT))).pages
    )
    assert "Generated: 5 Nov 2026, 21:10" in text and "p.m." not in text


def test_members_restricted_to_some_accounts_get_no_partner_wide_statement(member, client_for):
    restricted = member(Role.ADMINISTRATOR, restricted=True)
    assert client_for(restricted).get(reverse("finance:statements")).status_code == 403
