"""Masking is one rule, applied wherever personal data is shown: every portal page, form, history and CSV,
opened by a role without the right, shows no customer's contact, invitee or payout detail in full."""

import pytest
from django.urls import reverse

from accounts.models import AccountContact
from portal.permissions import Role
from portal.views import PortalListView
from profiles.models import PartnerContact, PayoutDetails
from referral.models import ReferralInvitation
from subaccounts import services as subaccount_services
from subaccounts.models import Subaccount
from tests.factories import (
    AccountContactFactory,
    AccountFactory,
    PartnerContactFactory,
    PayoutDetailsFactory,
    PresaleRequestFactory,
    ReferralInvitationFactory,
)
from tests.portal.urlwalk import fill, portal_urls
from tools.models import PresaleRequest

URLS = portal_urls()
MASKED_ROLES = [Role.EDITOR, Role.VIEWER]


def personal_values() -> set[str]:
    """Every piece of personal data in the database (DESIGN.md: customer contacts, invitees, payout details,
    the partner's own contacts), as it would appear unmasked."""
    values = set()
    for model, fields in (
        (AccountContact, ("name", "email", "phone")),
        (Subaccount, ("customer_email",)),
        (PresaleRequest, ("contact_name", "contact_email")),
        (ReferralInvitation, ("email",)),
        (PartnerContact, ("name", "email", "phone")),
        (PayoutDetails, ("bic", "account_number", "correspondent_account")),
    ):
        for row in model.objects.values_list(*fields):
            values |= {str(v) for v in row if v and len(str(v)) >= 5}
    return values


def world(partner, member_user):
    account = AccountFactory(partner=partner, name="Masked customer")
    AccountContactFactory(account=account, name="Zoya Hidden", email="zoya.hidden@customer.example")
    subaccount = subaccount_services.subaccount_create(
        account=account,
        name="Masked sub",
        customer_email="sub.hidden@customer.example",
        created_by=member_user,
    )
    presale = PresaleRequestFactory(
        partner=partner,
        account=account,
        contact_name="Pavel Hidden",
        contact_email="pavel.hidden@customer.example",
    )
    ReferralInvitationFactory(link__partner=partner, email="prospect.hidden@example.com")
    PartnerContactFactory(partner=partner, name="Petr Hidden", email="petr.hidden@partner.example")
    PayoutDetailsFactory(partner=partner, account_number="40702810200000012345")
    return [
        reverse("accounts:detail", kwargs={"pk": account.pk}),
        reverse("accounts:edit", kwargs={"pk": account.pk}),
        reverse("subaccounts:create", kwargs={"pk": account.pk}),
        reverse("subaccounts:detail", kwargs={"pk": subaccount.pk}),
        reverse("tools:presale_detail", kwargs={"pk": presale.pk}),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("role", MASKED_ROLES, ids=str)
def test_no_page_form_history_or_csv_shows_personal_data_to_a_masked_role(partner, member, client_for, role):
    membership = member(role)
    client = client_for(membership)
    pages = world(partner, membership.user)
    for url in URLS:
        if url.params:
            pages.append(reverse(url.name, kwargs=fill(url, partner)))
        else:
            pages.append(reverse(url.name))
            if issubclass(url.view_class, PortalListView):
                pages.append(reverse(url.name) + "?export=csv")
    secrets = personal_values()
    assert {"zoya.hidden@customer.example", "sub.hidden@customer.example", "Pavel Hidden"} <= secrets

    opened, leaks = 0, []
    for page in pages:
        response = client.get(page)
        if response.status_code != 200:
            continue
        opened += 1
        content = response.getvalue() if response.streaming else response.content
        text = content.decode(errors="replace")
        leaks += [f"{page}: {secret}" for secret in secrets if secret in text]
    assert opened >= 25, "the role's pages must open, else the sweep proves little"
    assert not leaks, "\n".join(leaks)


@pytest.mark.django_db
@pytest.mark.parametrize("role", MASKED_ROLES, ids=str)
def test_search_by_personal_data_only_for_roles_that_see_it(partner, member, client_for, role):
    account = AccountFactory(partner=partner, name="Quiet customer")
    AccountContactFactory(account=account, email="known.person@customer.example", name="Known Person")
    masked, shown = client_for(member(role)), client_for(member(Role.VIEWER_PD))

    def found(client, query):
        table = client.get(reverse("accounts:list"), {"q": query}).context["table"]
        return account.pk in {row.record.pk for row in table.rows}

    for query in ("known.person@customer.example", "Known Person", "known.person"):
        assert not found(masked, query)
        assert found(shown, query)
    assert found(masked, "Quiet")


@pytest.mark.django_db
def test_a_masked_editor_invites_the_contact_without_ever_seeing_the_address(partner, member, client_for):
    account = AccountFactory(partner=partner)
    AccountContactFactory(account=account, email="cfo@delta.example")
    create = reverse("subaccounts:create", kwargs={"pk": account.pk})
    masked = client_for(member(Role.EDITOR))
    form = masked.get(create).content.decode()
    assert "cfo@delta.example" not in form
    assert "c***@delta.example" in form  # said in the field's help: an empty field goes to the contact

    response = masked.post(create, {"name": "Delta prod", "customer_email": ""}, follow=True)
    subaccount = Subaccount.objects.get(account=account)
    assert subaccount.customer_email == "cfo@delta.example"
    assert "will be emailed to c***@delta.example" in response.content.decode()
    assert "cfo@delta.example" not in response.content.decode()

    shown = client_for(member(Role.EDITOR_PD)).get(create).content.decode()
    assert 'value="cfo@delta.example"' in shown  # a role that sees personal data gets the address filled in


@pytest.mark.django_db
def test_an_account_without_a_contact_still_needs_an_address(partner, member, client_for):
    account = AccountFactory(partner=partner)
    create = reverse("subaccounts:create", kwargs={"pk": account.pk})
    response = client_for(member(Role.EDITOR)).post(create, {"name": "Delta prod", "customer_email": ""})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not Subaccount.objects.filter(account=account).exists()
