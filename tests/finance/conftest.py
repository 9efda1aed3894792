import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from finance.models import Program
from tests.factories import RebateTermFactory


@pytest.fixture
def terms(db):
    """The programs' general terms as DESIGN.md gives them: a 10% partner bonus, a 15% deal extra, a 15%
    project rebate from 30,000 RUB, a 10% specialization rebate and a 10% referral commission capped at
    100,000 RUB."""
    RebateTermFactory(program=Program.PARTNER_BONUS, rate=Decimal("0.1000"))
    RebateTermFactory(program=Program.DEAL_EXTRA, rate=Decimal("0.1500"))
    RebateTermFactory(program=Program.PROJECT_REBATE, rate=Decimal("0.1500"), threshold=Decimal("30000.00"))
    RebateTermFactory(program=Program.SPECIALIZATION_REBATE, rate=Decimal("0.1000"))
    RebateTermFactory(program=Program.REFERRAL, rate=Decimal("0.1000"), cap=Decimal("100000.00"))


@pytest.fixture
def commission_report():
    """``commission_report(client, start, finish)`` -> the detailed commission report's rows as dicts."""

    def download(client, start: str, finish: str) -> list[dict]:
        response = client.get(
            reverse("finance:commission"), {"start": start, "finish": finish, "export": "csv"}
        )
        return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))

    return download
