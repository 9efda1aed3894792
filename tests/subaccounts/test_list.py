"""The subaccounts list's search: by the subaccount's name or billing account id, or by its customer's name;
within what the member may see."""

import pytest
from django.urls import reverse
from guardian.shortcuts import assign_perm

from portal.permissions import Role
from tests.factories import AccountFactory, SubaccountFactory

pytestmark = pytest.mark.django_db


def found(client, q):
    rows = client.get(reverse("subaccounts:list"), {"q": q}).context["table"].rows
    return sorted(r.record.name for r in rows)


def test_the_search_finds_by_name_billing_id_or_customer(partner, other_partner, member, client_for):
    zeta = AccountFactory(partner=partner, name="Zeta Holdings")
    SubaccountFactory(account=zeta, name="Zeta main", billing_account_id="ba-zeta-1")
    SubaccountFactory(account=zeta, name="Warehouse", billing_account_id="ba-wh-2")
    SubaccountFactory(
        account=AccountFactory(partner=partner, name="Omega"), name="Omega prod", billing_account_id="ba-77"
    )
    SubaccountFactory(account=AccountFactory(partner=other_partner, name="Zeta Other"), name="Foreign")
    client = client_for(member())
    assert found(client, "zeta") == ["Warehouse", "Zeta main"]  # the customer's name, case aside
    assert found(client, "HOLDINGS") == ["Warehouse", "Zeta main"]
    assert found(client, "wh-2") == ["Warehouse"]  # the billing account id
    assert found(client, "prod") == ["Omega prod"]  # the subaccount's name
    assert found(client, "other") == []  # another partner's customer is never searched


def test_a_restricted_member_finds_only_the_customers_they_may_see(partner, member, client_for):
    seen, hidden = (
        AccountFactory(partner=partner, name="Acme seen"),
        AccountFactory(partner=partner, name="Acme hidden"),
    )
    SubaccountFactory(account=seen, name="One")
    SubaccountFactory(account=hidden, name="Two")
    restricted = member(Role.EDITOR, restricted=True)
    assign_perm("accounts.access_account", restricted.user, seen)
    assert found(client_for(restricted), "acme") == ["One"]
