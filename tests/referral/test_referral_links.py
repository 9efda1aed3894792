"""Referral links: created only by partners in the program (or while it is open), the public redirect's
click counting (once per visitor and window, no bots, nothing personal stored), the attribution cookie,
deactivation, and each link's figures."""

import datetime
import re
from decimal import Decimal

import pytest
import time_machine
from django.http import HttpRequest
from django.urls import reverse

from access.models import AuditEvent
from finance.models import Program
from portal.permissions import Role
from profiles.models import Partner
from referral import selectors
from referral.models import ReferralClick, ReferralLink
from tests.charts import with_charts
from tests.factories import (
    AccountFactory,
    AccrualFactory,
    CustomerInvoiceFactory,
    RebateTermFactory,
    ReferralLinkFactory,
    ReferredCustomerFactory,
    SubaccountFactory,
)
from tools.models import ProgramSettings

pytestmark = pytest.mark.django_db
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/130.0 Safari/537.36"
LANDING = "https://cloud.example.com/prices"


@pytest.fixture
def referral_partner(partner):
    partner.partner_type = Partner.Type.REFERRAL
    partner.save()
    return partner


def visit(client, link, ua=BROWSER, ip="203.0.113.7", **headers):
    return client.get(f"/r/{link.code}", HTTP_USER_AGENT=ua, REMOTE_ADDR=ip, **headers)


def test_a_referral_partner_creates_a_link_and_sees_it_to_copy(referral_partner, member, client_for):
    client = client_for(member())
    response = client.post(
        reverse("referral:link_create"), {"name": "Spring webinar", "landing_url": LANDING}, follow=True
    )
    link = ReferralLink.objects.get()
    assert (link.partner, link.name, link.landing_url) == (referral_partner, "Spring webinar", LANDING)
    assert re.fullmatch(r"[a-z0-9]{8}", link.code)
    page = response.content.decode()
    assert f"http://127.0.0.1:8000/r/{link.code}" in page and 'data-copy="ref-' in page
    assert AuditEvent.objects.filter(action="referral.link_created").exists()


def test_a_landing_page_off_the_providers_sites_is_refused(referral_partner, member, client_for):
    response = client_for(member()).post(
        reverse("referral:link_create"), {"name": "x", "landing_url": "https://evil.example.net/"}
    )
    assert "Use a page of cloud.example.com." in response.content.decode()
    assert not ReferralLink.objects.exists()


def test_closed_enrollment_keeps_new_partners_out_and_says_so(partner, member, client_for):
    client = client_for(member())
    assert "closed to new partners" in client.get(reverse("referral:links")).content.decode()
    assert "closed to new partners" in client.get(reverse("referral:link_create")).content.decode()
    refused = client.post(reverse("referral:link_create"), {"name": "x", "landing_url": ""})
    assert "closed to new partners" in refused.content.decode() and not ReferralLink.objects.exists()

    ProgramSettings.objects.update_or_create(pk=1, defaults={"referral_enrollment_open": True})
    client.post(reverse("referral:link_create"), {"name": "x", "landing_url": ""})
    assert ReferralLink.objects.count() == 1

    ProgramSettings.objects.filter(pk=1).update(referral_enrollment_open=False)  # closed again:
    assert selectors.in_program(partner)  # a partner already in keeps going
    client.post(reverse("referral:link_create"), {"name": "y", "landing_url": ""})
    assert ReferralLink.objects.count() == 2


def test_while_enrollment_is_closed_every_referral_page_says_so_at_the_top_for_everyone(
    referral_partner, member, client_for
):
    """The provider's banner: on every tab of the referral program, for partners already in it too."""
    ReferralLinkFactory(partner=referral_partner)
    client = client_for(member())
    tabs = [
        reverse("referral:links"),
        reverse("referral:customers"),
        reverse("referral:statistics"),
        reverse("finance:index") + "?switch=referral",
        reverse("finance:balance") + "?switch=referral",
    ]
    for url in tabs:
        page = client.get(url).content.decode()
        assert page.count("closed to new partners") == 1, url
        assert page.index("closed to new partners") < page.index('aria-label="Referral program"'), url
    ProgramSettings.objects.update_or_create(pk=1, defaults={"referral_enrollment_open": True})
    for url in tabs:
        assert "closed to new partners" not in client.get(url).content.decode(), url


def test_a_click_is_counted_once_per_visitor_within_the_window(client, referral_partner):
    link = ReferralLinkFactory(partner=referral_partner, landing_url=LANDING)
    start = datetime.datetime(2026, 11, 2, 10, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        response = visit(client, link)
        assert response.status_code == 302 and response["Location"] == LANDING
        visit(client, link)  # the same visitor again
        visit(client, link, ip="198.51.100.4")  # somebody else
    assert ReferralClick.objects.count() == 2
    with time_machine.travel(start + datetime.timedelta(minutes=31), tick=False):
        visit(client, link)  # the window has passed
    assert ReferralClick.objects.count() == 3


@pytest.mark.parametrize(
    ("ua", "headers"),
    [
        ("Googlebot/2.1 (+http://www.google.com/bot.html)", {}),
        ("facebookexternalhit/1.1", {}),
        ("", {}),
        ("curl/8.5.0", {}),
        (BROWSER, {"HTTP_SEC_PURPOSE": "prefetch"}),
    ],
)
def test_bots_and_prefetches_are_not_counted_but_still_land(client, referral_partner, ua, headers):
    link = ReferralLinkFactory(partner=referral_partner, landing_url=LANDING)
    response = visit(client, link, ua=ua, **headers)
    assert response.status_code == 302 and response["Location"] == LANDING
    assert not ReferralClick.objects.exists()


def test_nothing_personal_is_stored_and_the_cookie_is_signed(client, referral_partner):
    link = ReferralLinkFactory(partner=referral_partner)
    response = visit(client, link, ip="203.0.113.7")
    click = ReferralClick.objects.get()
    assert re.fullmatch(r"[0-9a-f]{32}", click.visitor) and "203.0.113.7" not in click.visitor
    cookie = response.cookies[selectors.COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie.value != link.code
    signed = HttpRequest()
    signed.COOKIES = {selectors.COOKIE: cookie.value}
    assert signed.get_signed_cookie(selectors.COOKIE, salt=selectors.COOKIE) == link.code
    assert response["Location"] == "https://cloud.example.com/"  # no landing page: the home page


def test_a_deactivated_or_unknown_link_lands_home_and_counts_nothing(
    client, referral_partner, member, client_for
):
    link = ReferralLinkFactory(partner=referral_partner, landing_url=LANDING)
    admin = client_for(member())
    admin.post(reverse("referral:link_deactivate", args=[link.pk]))
    link.refresh_from_db()
    assert not link.is_active
    assert AuditEvent.objects.filter(action="referral.link_deactivated").exists()
    for code in (link.code, "nosuchcode"):
        response = client.get(f"/r/{code}", HTTP_USER_AGENT=BROWSER)
        assert (
            response["Location"] == "https://cloud.example.com/" and selectors.COOKIE not in response.cookies
        )
    assert not ReferralClick.objects.exists()


def test_each_link_shows_what_it_brought_and_money_only_to_roles_that_see_it(
    client, referral_partner, member, client_for
):
    link = ReferralLinkFactory(partner=referral_partner, name="Webinar")
    ReferralLinkFactory(partner=referral_partner, name="Unused")
    visit(client, link)
    visit(client, link, ip="198.51.100.4")
    active = ReferredCustomerFactory(link=link, account=AccountFactory(partner=referral_partner))
    sub = SubaccountFactory(account=active.account, status="active")
    ReferredCustomerFactory(link=link, account=AccountFactory(partner=referral_partner))  # no subaccount yet
    AccrualFactory(subaccount=sub, program=Program.REFERRAL, amount=Decimal("1234.50"), source="referral:1")

    rows = {
        r.record.name: r.record
        for r in client_for(member()).get(reverse("referral:links")).context["table"].rows
    }
    webinar = rows["Webinar"]
    assert (webinar.click_count, webinar.signups, webinar.active_customers) == (2, 2, 1)
    assert webinar.commission == Decimal("1234.50") and rows["Unused"].commission == Decimal("0")

    editor_page = client_for(member(Role.EDITOR)).get(reverse("referral:links"))
    assert "Commission so far" not in editor_page.content.decode()
    assert "1234.50" not in editor_page.content.decode()


def test_the_program_settings_are_one_row_and_reading_them_writes_nothing():
    assert ProgramSettings.current().referral_enrollment_open is False
    assert not ProgramSettings.objects.exists()
    ProgramSettings(referral_enrollment_open=True).save()
    ProgramSettings(referral_enrollment_open=True, referral_click_window_minutes=10).save()
    assert ProgramSettings.objects.count() == 1
    assert ProgramSettings.current().referral_click_window_minutes == 10


def test_statistics_by_month_with_conversion_and_money_only_for_roles_that_see_it(
    client, referral_partner, member, client_for
):
    import csv
    import io

    link = ReferralLinkFactory(partner=referral_partner)
    with time_machine.travel(datetime.datetime(2026, 10, 5, 9, 0, tzinfo=datetime.UTC), tick=False):
        for n in range(4):
            visit(client, link, ip=f"203.0.113.{n}")
    with time_machine.travel(datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC), tick=False):
        visit(client, link)
        customer = ReferredCustomerFactory(
            link=link,
            account=AccountFactory(partner=referral_partner),
            signed_up_at=datetime.date(2026, 10, 20),
        )
        sub = SubaccountFactory(account=customer.account)
        AccrualFactory(
            subaccount=sub,
            program=Program.REFERRAL,
            period=datetime.date(2026, 10, 1),
            amount=Decimal("99.90"),
        )
        period = {"period": "custom", "start": "2026-10", "finish": "2026-11"}
        admin = client_for(member())
        rows = {
            f"{r.month:%Y-%m}": r for r in admin.get(reverse("referral:statistics"), period).context["rows"]
        }
        october = rows["2026-10"]
        assert (october.clicks, october.signups, october.conversion, october.commission) == (
            4,
            1,
            Decimal("25.0"),
            Decimal("99.90"),
        )
        assert (rows["2026-11"].clicks, rows["2026-11"].signups, rows["2026-11"].conversion) == (
            1,
            0,
            Decimal("0.0"),
        )
        exported = admin.get(reverse("referral:statistics"), {**period, "export": "csv"})
        lines = list(csv.reader(io.StringIO(b"".join(exported.streaming_content).decode())))
        assert lines == [
            ["Month", "Clicks", "Sign-ups", "Conversion, %", "Commission"],
            ["2026-10", "4", "1", "25.0", "99.90"],
            ["2026-11", "1", "0", "0.0", "0.00"],
        ]
        editor = client_for(member(Role.EDITOR))
        page = with_charts(editor.get(reverse("referral:statistics"), period).content.decode())
        assert "<svg" in page and "99.90" not in page
        assert (
            "Commission"
            not in b"".join(
                editor.get(reverse("referral:statistics"), {**period, "export": "csv"}).streaming_content
            ).decode()
        )


def test_links_filter_by_status_and_search(referral_partner, member, client_for):
    from django.utils import timezone

    ReferralLinkFactory(partner=referral_partner, name="Spring webinar")
    ReferralLinkFactory(partner=referral_partner, name="Old banner", deactivated_at=timezone.now())
    client = client_for(member())

    def names(**params):
        response = client.get(reverse("referral:links"), params)
        return {r.record.name for r in response.context["table"].rows}

    assert names(status="active") == {"Spring webinar"}
    assert names(status="deactivated") == {"Old banner"}
    assert names(q="webinar") == {"Spring webinar"}
    assert names() == {"Spring webinar", "Old banner"}


def test_referred_customers_with_their_window_commission_and_scope(referral_partner, member, client_for):
    from guardian.shortcuts import assign_perm

    link = ReferralLinkFactory(partner=referral_partner, name="Webinar")
    gamma = ReferredCustomerFactory(
        link=link,
        account=AccountFactory(partner=referral_partner, name="Gamma"),
        signed_up_at=datetime.date(2026, 3, 14),
    )
    ReferredCustomerFactory(link=link, account=AccountFactory(partner=referral_partner, name="Delta"))
    sub = SubaccountFactory(account=gamma.account)
    AccrualFactory(
        subaccount=sub, program=Program.REFERRAL, amount=Decimal("40.00"), period=datetime.date(2026, 4, 1)
    )
    AccrualFactory(
        subaccount=sub, program=Program.REFERRAL, amount=Decimal("2.50"), period=datetime.date(2026, 5, 1)
    )

    # months whose invoices are not paid in full wait for the payment: within the window only
    for month, paid in [("2026-02-01", "0"), ("2026-03-01", "0"), ("2026-04-01", "50"), ("2027-03-01", "0")]:
        CustomerInvoiceFactory(
            subaccount=sub, month=datetime.date.fromisoformat(month), amount=Decimal("100"), paid_amount=paid
        )
    CustomerInvoiceFactory(
        subaccount=SubaccountFactory(account=gamma.account), month=datetime.date(2026, 3, 1)
    )

    rows = {
        r.record.account.name: r
        for r in client_for(member()).get(reverse("referral:customers")).context["table"].rows
    }
    assert set(rows) == {"Gamma", "Delta"}
    assert (rows["Gamma"].record.awaiting_payment, rows["Delta"].record.awaiting_payment) == (2, 0)
    RebateTermFactory(program=Program.REFERRAL, rate=Decimal("0.1000"), cap=Decimal("100000.00"))
    help_text = client_for(member()).get(reverse("referral:customers")).content.decode()
    assert "10% of the customer's invoices including VAT, at most 100,000 RUB a month" in help_text
    assert rows["Gamma"].record.commission == Decimal("42.50")
    assert rows["Gamma"].record.commission_until == datetime.date(2027, 2, 28)  # 12 months from March 2026

    viewer = member(Role.VIEWER, restricted=True)
    assign_perm("accounts.access_account", viewer.user, gamma.account)
    page = client_for(viewer).get(reverse("referral:customers"))
    assert [r.record.account.name for r in page.context["table"].rows] == ["Gamma"]
    assert "42.50" not in page.content.decode()  # a Viewer sees no money


def test_may_create_links_is_in_program_or_enrollment_open_in_one_query(referral_partner, other_partner):
    """Finance's switch asks it on every finance page: the same answer as ``in_program() or program_open()``
    — a referral partner, no settings row (the defaults), closed, open, links of its own — in one query."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def answers():
        for who in (referral_partner, other_partner):
            with CaptureQueriesContext(connection) as captured:
                answer = selectors.may_create_links(who)
            assert len(captured) <= 1
            assert answer is (selectors.in_program(who) or selectors.program_open())
            yield answer

    assert not ProgramSettings.objects.exists() and list(answers()) == [True, False]
    ProgramSettings(referral_enrollment_open=True).save()
    assert list(answers()) == [True, True]
    ProgramSettings(referral_enrollment_open=False).save()
    assert list(answers()) == [True, False]
    ReferralLinkFactory(partner=other_partner)  # a reseller already in the program keeps going
    assert list(answers()) == [True, True]
