"""Figures read the same on every page, in the reader's language (issue 15): an amount grouped with two
decimals in cards, tables, sentences and the PDF statement alike — 1,234,567.89 in English, 1 234 567,89 in
Russian (Django's Russian groups with no-break spaces); counts grouped too; dates as "25 Nov 2026, 23:19"
(25 ноября 2026 г., 23:19) in the provider's time zone; countries by name. What a machine reads — an input's
value, an attribute, a CSV cell — stays plain."""

import csv
import datetime
import io
import re
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from finance.models import Program, Report
from portal.permissions import Role
from tests.factories import (
    AccountFactory,
    AccrualFactory,
    LedgerBalanceFactory,
    MembershipFactory,
    MonthlyConsumptionFactory,
    PayoutDetailsFactory,
    SubaccountFactory,
    UserPreferencesFactory,
)

pytestmark = pytest.mark.django_db
OCT = datetime.date(2026, 10, 1)
BIG = Decimal("1234567.89")
GROUPED = {"en": "1,234,567.89", "ru": "1\xa0234\xa0567,89"}
UNGROUPED = {"en": "1234567.89", "ru": "1234567,89"}
OCTOBER = {"start": "2026-10", "finish": "2026-10"}
NOW = datetime.datetime(2026, 11, 25, 20, 19, tzinfo=datetime.UTC)  # 23:19 in Moscow


@pytest.fixture
def figures(partner):
    """One amount everywhere: a customer's paid consumption of October, the basis of its partner bonus, and
    the rebates balance."""
    sub = SubaccountFactory(account=AccountFactory(partner=partner, name="Gamma Retail", country="KZ"))
    MonthlyConsumptionFactory(subaccount=sub, month=OCT, cost=BIG)
    AccrualFactory(
        subaccount=sub,
        period=OCT,
        program=Program.PARTNER_BONUS,
        basis=BIG,
        rate=Decimal("0.1000"),
        amount=Decimal("123456.79"),
    )
    LedgerBalanceFactory(partner=partner, amount=BIG)
    return sub


def reader(partner, language):
    membership = MembershipFactory(partner=partner, role=Role.ADMINISTRATOR)
    UserPreferencesFactory(user=membership.user, language=language)
    return membership


def text_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def cell(html: str, pattern: str) -> str:
    return re.search(pattern, html, re.S).group(1)


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("language", ["en", "ru"])
def test_an_amount_reads_the_same_in_cards_tables_and_sentences(
    figures, partner, client_for, language, django_capture_on_commit_callbacks, celery_eager
):
    sub = figures
    client = client_for(reader(partner, language))
    grouped, ungrouped = GROUPED[language], UNGROUPED[language]
    pages = {
        "dashboard card": text_of(client.get(reverse("dashboard"))),
        "accruals": text_of(client.get(reverse("finance:index"))),
        "balance": text_of(client.get(reverse("finance:balance"))),
        "bonuses": text_of(client.get(reverse("finance:bonuses"), {"period": "custom", **OCTOBER})),
        "partner bonus": text_of(client.get(reverse("finance:partner_bonus"), {"month": "2026-10"})),
        "subaccount bonus": text_of(client.get(reverse("finance:subaccount_bonus", args=[sub.pk]))),
        "subaccount details": text_of(client.get(sub.get_absolute_url(), {"period": "last_3_months"})),
    }
    for name, html in pages.items():
        assert grouped in html, name
        assert ungrouped not in html, name
    # a card and the table below it: the same text
    balance = pages["balance"]
    assert cell(balance, r'<p class="figure">(.*?)</p>') == grouped
    assert re.search(rf'<td class="numeric">{grouped}</td>', balance)
    assert re.search(rf'<td class="numeric">{grouped}</td>', pages["accruals"])  # the accrual's basis

    # the withdrawal's message: the same figure in a sentence
    PayoutDetailsFactory(partner=partner)
    data = {"pool": "rebates", "currency": "RUB", "destination": "bank", "amount": "1234567.89"}
    first = client.post(reverse("finance:withdraw"), data)
    assert grouped in text_of(first)
    assert 'name="amount" value="1234567.89"' in first.content.decode()  # the confirmation keeps it plain
    done = client.post(
        reverse("finance:withdraw"), {**data, "confirmed": "on", "request_key": first.context["request_key"]}
    )
    assert done.status_code == 302
    assert f"{grouped} RUB" in text_of(client.get(done.url))

    # the statement of October, in the language it was asked in
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("finance:statement_request") + "?month=2026-10")
    report = Report.objects.get(kind=Report.Kind.STATEMENT)
    assert report.params == {"month": "2026-10-01", "language": language}
    pdf = b"".join(client.get(reverse("finance:report", args=[report.pk])).streaming_content)
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert grouped.replace("\xa0", " ") in text.replace("\xa0", " ")
    generated = {"en": "Generated: 25 Nov 2026, 23:19", "ru": "25 ноября 2026 г., 23:19"}[language]
    assert generated in text


@pytest.mark.parametrize(("language", "count"), [("en", "12,345"), ("ru", "12\xa0345")])
def test_counts_are_grouped(language, count):
    from django.template import Context, Template

    with translation.override(language):
        assert Template("{{ n }}").render(Context({"n": 12345})) == count


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("language", "shown"),
    [("en", "25 Nov 2026, 23:19"), ("ru", "25.11.2026 23:19")],
)
def test_a_time_in_a_table_is_the_providers_and_unambiguous(partner, client_for, language, shown):
    """The team's last logins: never "11/25/2026 11:19 p.m."."""
    membership = reader(partner, language)
    membership.user.last_login = NOW
    membership.user.save(update_fields=["last_login"])
    page = text_of(client_for(membership).get(reverse("access:members")))
    assert shown in page
    assert "p.m." not in page and "11/25/2026" not in page


@pytest.mark.parametrize(("language", "name"), [("en", "Kazakhstan"), ("ru", "Казахстан")])
def test_countries_are_named_in_the_readers_language(partner, client_for, language, name):
    partner.country = "KZ"
    partner.save(update_fields=["country"])
    account = AccountFactory(partner=partner, country="KZ")
    client = client_for(reader(partner, language))
    profile = text_of(client.get(reverse("profiles:profile")))
    assert re.search(rf"<dd>{name}</dd>", profile) and "<dd>KZ</dd>" not in profile
    assert f"<dd>{name}</dd>" in text_of(client.get(account.get_absolute_url()))
    assert re.search(rf"<td[^>]*>{name}</td>", text_of(client.get(reverse("accounts:list"))))


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_csv_keeps_dates_and_figures_plain_in_any_language(partner, client_for, language):
    """The page says 25 Nov 2026, 23:19 and 1,234 (25.11.2026 23:19, 1 234); its CSV, for a machine, says
    2026-11-25 23:19 and 1234 whoever downloads it."""
    account = AccountFactory(partner=partner, name="Gamma Retail")
    SubaccountFactory.create_batch(2, account=account)
    client = client_for(reader(partner, language))
    response = client.get(reverse("accounts:list"), {"export": "csv"})
    text = b"".join(response.streaming_content).decode()
    [header, row] = list(csv.reader(io.StringIO(text)))
    cells = dict(zip(header, row, strict=True))
    assert "2026-11-25 23:19" in cells.values()
    assert "2" in cells.values()
