"""Finance's switch between the reseller rebates and the referral program: each shows its own accruals,
balance and withdrawals only, is remembered for the session, and referral commission is paid out as a grant
on one of the partner's own billing accounts or to the bank (from 500 RUB), never deducted from an invoice."""

from decimal import Decimal
from uuid import uuid4

import pytest
from django.urls import reverse

from access.models import Membership
from finance import services
from finance.models import Pool, Program, Withdrawal
from finance.selectors import balance
from portal.permissions import Role
from referral.models import ReferralClick
from tests.factories import (
    MembershipFactory,
    PartnerFactory,
    PayoutDetailsFactory,
    ReferralLinkFactory,
    SubaccountFactory,
    accrue,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def both(partner):
    """A reseller also in the referral program: 1,000.00 of rebates and 700.00 of referral commission."""
    ReferralLinkFactory(partner=partner)
    accrue(partner, "1000.00", Program.PROJECT_REBATE)
    accrue(partner, "700.00", Program.REFERRAL)
    return partner


def figures(response):
    return [str(b.amount) for b in response.context["balances"]]


def test_the_switch_shows_one_program_and_is_remembered(both, member, client_for):
    client = client_for(member(Role.ADMINISTRATOR))
    page = client.get(reverse("finance:balance"))
    assert (page.context["title"], figures(page)) == ("Rebate balance", ["1000.00"])
    assert {e.program for e in page.context["table"].data} == {Program.PROJECT_REBATE}

    page = client.get(reverse("finance:balance"), {"switch": "referral"})
    assert (page.context["title"], figures(page)) == ("Referral payments", ["700.00"])
    assert {e.program for e in page.context["table"].data} == {Program.REFERRAL}
    html = page.content.decode()
    assert "The referral program pays out from 500 RUB" in html and 'aria-label="Program"' in html

    # the switch stays where it was put on the other Finance pages
    accruals = client.get(reverse("finance:index"))
    assert accruals.context["title"] == "Referral bonus"
    assert {a.program for a in accruals.context["table"].data} == {Program.REFERRAL}
    assert figures(accruals) == ["700.00"]
    assert ">Payments</a>" in accruals.content.decode()

    assert "program" not in accruals.context["filter"].form.fields

    accruals = client.get(reverse("finance:index"), {"switch": "reseller"})
    assert {a.program for a in accruals.context["table"].data} == {Program.PROJECT_REBATE}
    offered = {v for v, _label in accruals.context["filter"].form.fields["program"].choices}
    assert Program.REFERRAL.value not in offered and Program.PARTNER_BONUS.value in offered
    assert figures(accruals) == ["1000.00"]  # the bonus pool is empty here; the referral one is not shown


def test_a_referral_partner_starts_on_the_referral_program(client_for):
    partner = PartnerFactory(partner_type="referral")
    accrue(partner, "700.00", Program.REFERRAL)
    accrue(partner, "50.00", Program.PROJECT_REBATE)
    page = client_for(MembershipFactory(partner=partner)).get(reverse("finance:balance"))
    assert figures(page) == ["700.00"]


def test_a_reseller_outside_a_closed_program_sees_no_switch(partner, member, client_for):
    html = client_for(member(Role.ADMINISTRATOR)).get(reverse("finance:index")).content.decode()
    assert 'aria-label="Program"' not in html and "Rebate balance" in html


def test_referral_commission_goes_to_a_grant_or_the_bank_never_an_invoice(both, member, client_for):
    own = SubaccountFactory(account__partner=both, partner=both, is_partner_own=True, status="active")
    SubaccountFactory(account__partner=both, partner=both, is_partner_own=False, status="active")
    foreign = SubaccountFactory(is_partner_own=True, status="active")
    client = client_for(member(Role.EDITOR_PD))
    form = client.get(reverse("finance:withdraw"), {"switch": "referral"}).context["form"]
    assert [v for v, _label in form.fields["destination"].choices] == ["bank", "grant"]
    assert list(form.fields["billing_account"].queryset) == [own]

    data = {
        "pool": "referral",
        "amount": "600.00",
        "currency": "RUB",
        "confirmed": "on",
        "request_key": uuid4(),
    }
    refused = [
        ({**data, "destination": "invoice"}, "destination", "Select a valid choice."),
        ({**data, "destination": "grant"}, "billing_account", "Choose the billing account to credit."),
        (
            {**data, "destination": "grant", "billing_account": foreign.billing_account_id},
            "billing_account",
            "Select a valid choice.",
        ),
        (
            {**data, "destination": "grant", "billing_account": own.billing_account_id, "amount": "499.99"},
            "amount",
            "",
        ),
    ]
    for post, field, message in refused:
        page = client.post(reverse("finance:withdraw"), post)
        assert page.status_code == 200 and message in " ".join(page.context["form"].errors[field])
    assert not Withdrawal.objects.exists()

    done = client.post(
        reverse("finance:withdraw"),
        {**data, "destination": "grant", "billing_account": own.billing_account_id},
    )
    assert done.status_code == 302
    withdrawal = Withdrawal.objects.get()
    assert (withdrawal.pool, withdrawal.destination) == (Pool.REFERRAL, Withdrawal.Destination.GRANT)
    assert withdrawal.payout_details_snapshot["billing_account_id"] == own.billing_account_id
    assert balance(membership=Membership.whole_partner(both), pool=Pool.REFERRAL, currency="RUB") == Decimal(
        "100.00"
    )
    assert balance(membership=Membership.whole_partner(both), pool=Pool.REBATES, currency="RUB") == Decimal(
        "1000.00"
    )


def test_rebates_still_go_to_the_invoice_or_the_bank(both, member, client_for):
    PayoutDetailsFactory(partner=both)
    client = client_for(member(Role.EDITOR_PD))
    form = client.get(reverse("finance:withdraw"), {"switch": "reseller"}).context["form"]
    assert [v for v, _label in form.fields["destination"].choices] == ["invoice", "bank"]
    assert "billing_account" not in form.fields
    with pytest.raises(Exception, match="cannot be withdrawn that way"):
        services.withdrawal_request(
            partner=both,
            pool=Pool.REBATES,
            amount=Decimal("10.00"),
            currency="RUB",
            destination=Withdrawal.Destination.GRANT,
            requested_by=None,
        )


@pytest.mark.parametrize(("role", "sees_money_tabs"), [(Role.VIEWER_PD, True), (Role.EDITOR, False)])
def test_the_referral_tabs_offer_bonus_and_payments_only_to_roles_that_see_finance(
    both, member, client_for, role, sees_money_tabs
):
    html = client_for(member(role)).get(reverse("referral:links")).content.decode()
    assert ">Referral links</a>" in html and ">Referrals</a>" in html and ">Statistics</a>" in html
    assert (">Payments</a>" in html and ">Bonus</a>" in html) is sees_money_tabs


def test_the_dashboard_links_each_balance_to_its_side_and_shows_this_months_referral_figures(
    both, member, client_for
):
    link = both.referral_links.get()
    ReferralClick.objects.create(link=link, visitor="a")
    ReferralClick.objects.create(link=link, visitor="b")
    html = client_for(member(Role.VIEWER_PD)).get(reverse("dashboard")).content.decode()
    assert '?switch=referral">Referral commissions · RUB</a>' in html
    assert '?switch=reseller">Rebates (project and specialization) · RUB</a>' in html
    referral_card = html[html.index('id="dash-referral"') :]
    assert "<span>Clicks</span><strong>2</strong>" in referral_card


def test_a_partner_outside_the_referral_program_has_no_referral_card(partner, member, client_for):
    assert 'id="dash-referral"' not in client_for(member()).get(reverse("dashboard")).content.decode()


def test_a_tampered_balance_name_is_refused_not_a_server_error(both, member, client_for):
    data = {"pool": "bonus", "amount": "10.00", "currency": "RUB", "destination": "bank", "confirmed": "on"}
    page = client_for(member(Role.EDITOR_PD)).post(reverse("finance:withdraw"), data)
    assert page.status_code == 200 and "pool" in page.context["form"].errors
    assert not Withdrawal.objects.exists()


def test_the_reseller_side_never_offers_the_referral_program_even_after_the_api_schema_was_made(
    both, member, client_for
):
    # the schema's generator builds the API's filter fields on the filterset classes the pages share: a
    # field built there must not stand in for the one the page narrows
    from drf_spectacular.generators import SchemaGenerator

    SchemaGenerator().get_schema(request=None, public=True)
    client = client_for(member(Role.ADMINISTRATOR))
    accruals = client.get(reverse("finance:index"), {"switch": "reseller"})
    offered = {v for v, _label in accruals.context["filter"].form.fields["program"].choices}
    assert Program.REFERRAL.value not in offered and Program.PARTNER_BONUS.value in offered
