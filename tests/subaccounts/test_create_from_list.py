"""The provider's flow (issue 15): Subaccounts → Create subaccount → pick the customer account, or create a
new one, and continue to the subaccount's form for it."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account
from portal.permissions import Role
from tests.accounts.test_accounts import VALID
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def test_the_list_offers_create_subaccount_to_roles_that_may_manage_accounts(member, client_for):
    pick = reverse("subaccounts:create_pick")
    assert pick in client_for(member(Role.EDITOR)).get(reverse("subaccounts:list")).content.decode()
    assert pick not in client_for(member(Role.VIEWER)).get(reverse("subaccounts:list")).content.decode()
    assert client_for(member(Role.VIEWER)).get(pick).status_code == 403


def test_picking_a_current_customer_continues_to_its_subaccount_form(partner, member, client_for):
    client = client_for(member(Role.EDITOR))
    account = AccountFactory(partner=partner, name="Gamma Retail")
    page = client.get(reverse("subaccounts:create_pick")).content.decode()
    assert "current=1" in page  # the search offers current customers only
    assert reverse("accounts:create") + "?then=subaccount" in page  # or a new one
    picked = client.get(reverse("subaccounts:create_pick"), {"account": account.pk})
    assert picked.status_code == 302 and picked["Location"] == reverse(
        "subaccounts:create", args=[account.pk]
    )


def test_an_archived_another_partners_or_unknown_account_is_refused_on_the_page(
    partner, other_partner, member, client_for
):
    client = client_for(member(Role.EDITOR))
    archived = AccountFactory(partner=partner, archived_at=timezone.now())
    theirs = AccountFactory(partner=other_partner)
    for value in (archived.pk, theirs.pk, 2**31 - 1, "x"):
        response = client.get(reverse("subaccounts:create_pick"), {"account": value})
        assert response.status_code == 200 and "account" in response.context["form"].errors, value


def test_a_new_customer_created_on_the_way_continues_to_its_subaccount_form(partner, member, client_for):
    client = client_for(member(Role.EDITOR))
    created = client.post(
        reverse("accounts:create") + "?then=subaccount",
        {**VALID, "name": "Delta Foods", "stage": "customer"},
    )
    account = Account.objects.get(name="Delta Foods")
    assert created.status_code == 302 and created["Location"] == reverse(
        "subaccounts:create", args=[account.pk]
    )
