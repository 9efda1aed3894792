"""Rates read as percentages wherever a person reads them (issue 15): 15.00% in tables and pages as in the
terms, in the user's language; the CSV keeps the rate as the machine reads it."""

import pytest
from django.urls import reverse

from finance.models import Program
from tests.factories import AccountFactory, AccrualFactory, SubaccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def accrual(partner):
    sub = SubaccountFactory(account=AccountFactory(partner=partner))
    return AccrualFactory(subaccount=sub, program=Program.PARTNER_BONUS)  # rate 0.1500


def test_the_accruals_table_the_accrual_and_the_subaccounts_bonus_show_percentages(
    accrual, member, client_for
):
    client = client_for(member())
    pages = [
        client.get(reverse("finance:index") + "?switch=reseller"),
        client.get(accrual.get_absolute_url()),
        client.get(reverse("finance:subaccount_bonus", args=[accrual.subaccount_id])),
    ]
    for page in pages:
        html = page.content.decode()
        assert "15.00%" in html and "0.1500" not in html, page.request["PATH_INFO"]
    csv = b"".join(client.get(reverse("finance:index"), {"export": "csv"}).streaming_content).decode()
    assert ",0.15," in csv and "%" not in csv  # the rate as a number, as the provider's CSV has it


def test_in_russian_the_percentage_has_a_decimal_comma(accrual, member, client_for):
    client = client_for(member())
    client.post(reverse("language"), {"language": "ru", "next": "/"})
    assert "15,00%" in client.get(accrual.get_absolute_url()).content.decode()


def test_an_amount_in_a_sentence_is_grouped_in_the_users_language():
    from decimal import Decimal

    from django.utils import translation

    from portal.money import amount_text

    assert amount_text(Decimal("15000"), "RUB") == "15,000.00 RUB"
    assert amount_text(Decimal("30000"), "KZT", places=0) == "30,000 KZT"
    with translation.override("ru"):
        assert amount_text(Decimal("15000"), "RUB") == "15\xa0000,00 RUB"
