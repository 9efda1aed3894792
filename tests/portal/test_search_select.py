"""A choice that grows with the partner (customer accounts, subaccounts) is a search-as-you-type select: the
page carries only the chosen option, the choices come from a scoped JSON search, and a submitted id is still
checked against what the member may see."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from guardian.shortcuts import assign_perm

from accounts.models import Account
from portal.permissions import Role
from portal.views import PortalSearchView
from tests.factories import AccountContactFactory, AccountFactory, SubaccountFactory
from tools.models import Registration

pytestmark = pytest.mark.django_db


def options_of(html: str, name: str) -> list[str]:
    """The ``<option>`` tags inside the page's ``<select name=…>``."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no select named {name}"
    return re.findall(r"<option[^>]*>[^<]*</option>", select.group(1))


def many_accounts(partner, n: int) -> list[Account]:
    accounts = AccountFactory.build_batch(n, partner=partner)
    return Account.objects.bulk_create(accounts)


def found(client, url_name, **params) -> list[dict]:
    response = client.get(reverse(url_name), params)
    assert response.status_code == 200
    return response.json()["results"]


def test_the_subaccounts_filter_carries_only_the_chosen_customer_whatever_their_number(
    partner, member, client_for
):
    many_accounts(partner, 300)
    chosen = AccountFactory(partner=partner, name="Chosen customer")
    SubaccountFactory(account=chosen, name="Chosen's subaccount")
    SubaccountFactory(partner=partner, account__partner=partner, name="Someone else's subaccount")
    client = client_for(member())

    page = client.get(reverse("subaccounts:list")).content.decode()
    assert len(options_of(page, "account")) <= 1
    assert f'data-search-url="{reverse("accounts:search")}"' in page

    page = client.get(reverse("subaccounts:list"), {"account": chosen.pk}).content.decode()
    options = options_of(page, "account")
    assert len(options) <= 2
    assert f'<option value="{chosen.pk}" selected>Chosen customer</option>' in options
    assert "Chosen&#x27;s subaccount" in page and "Someone else" not in page


def test_a_foreign_or_hidden_customer_in_the_filter_is_refused_with_a_message(
    partner, other_partner, member, client_for
):
    foreign = AccountFactory(partner=other_partner, name="Rival's customer")
    SubaccountFactory(account=foreign, name="Rival's subaccount")
    SubaccountFactory(account__partner=partner, partner=partner, name="Own subaccount")
    membership = member(Role.EDITOR_PD, restricted=True)
    hidden = AccountFactory(partner=partner, name="Hidden customer")
    SubaccountFactory(account=hidden, name="Hidden subaccount")

    for client, refused in ((client_for(member()), foreign), (client_for(membership), hidden)):
        response = client.get(reverse("subaccounts:list"), {"account": refused.pk})
        page = response.content.decode()
        assert "Select a valid choice" in page
        assert refused.name not in page
        assert list(response.context["table"].rows) == []  # an invalid filter shows nothing, never everything
    assert (
        "Select a valid choice" in client.get(reverse("subaccounts:list"), {"account": "x"}).content.decode()
    )


def test_the_account_search_finds_by_name_legal_name_or_tax_id_within_the_partner_only(
    partner, other_partner, member, client_for
):
    own = AccountFactory(partner=partner, name="Borealis", legal_name="Borealis LLC", tax_id="7707083893")
    AccountFactory(partner=other_partner, name="Borealis rival", tax_id="7707083894")
    archived = AccountFactory(partner=partner, name="Borealis old")
    archived.archived_at = archived.created_at
    archived.save()
    client = client_for(member())

    for query in ("borea", "LLC", "770708389"):
        assert [r["id"] for r in found(client, "accounts:search", q=query)][:1] == [own.pk]
    assert {r["text"] for r in found(client, "accounts:search", q="borealis")} == {"Borealis", "Borealis old"}
    assert [r["text"] for r in found(client, "accounts:search", q="borealis", current=1)] == ["Borealis"]
    assert found(client, "accounts:search", q="borea")[0] == {
        "id": own.pk,
        "text": "Borealis",
        "hint": own.tax_id,
    }


def test_a_restricted_member_is_offered_only_the_granted_customers_and_their_subaccounts(
    partner, member, client_for
):
    membership = member(Role.EDITOR_PD, restricted=True)
    granted = AccountFactory(partner=partner, name="Granted customer")
    assign_perm("accounts.access_account", membership.user, granted)
    hidden = AccountFactory(partner=partner, name="Hidden customer")
    shown_sub = SubaccountFactory(account=granted, name="Granted sub")
    SubaccountFactory(account=hidden, name="Hidden sub")
    client = client_for(membership)

    assert [r["id"] for r in found(client, "accounts:search")] == [granted.pk]
    assert found(client, "accounts:search", q="Hidden") == []
    assert [r["id"] for r in found(client, "subaccounts:search", q="sub")] == [shown_sub.pk]
    assert found(client, "subaccounts:search", q="Hidden customer") == []


def test_the_subaccount_search_finds_by_name_billing_id_or_customer(partner, member, client_for):
    sub = SubaccountFactory(
        account__partner=partner,
        account__name="Gamma",
        partner=partner,
        name="prod",
        billing_account_id="dn2abc",
    )
    SubaccountFactory(account__partner=partner, partner=partner, name="other", billing_account_id="dn2zzz")
    client = client_for(member())
    for query in ("pro", "2ABC", "gamm"):
        assert [r["id"] for r in found(client, "subaccounts:search", q=query)] == [sub.pk]
    assert found(client, "subaccounts:search", q="prod") == [
        {"id": sub.pk, "text": "prod", "hint": "dn2abc · Gamma"}
    ]


@pytest.mark.parametrize("role", [Role.EDITOR, Role.VIEWER, Role.ADMINISTRATOR], ids=str)
def test_personal_data_is_never_searched_for_a_choice(partner, member, client_for, role):
    account = AccountFactory(partner=partner, name="Quiet customer")
    AccountContactFactory(account=account, name="Known Person", email="known.person@customer.example")
    SubaccountFactory(account=account, partner=partner, customer_email="known.person@customer.example")
    client = client_for(member(role))
    for query in ("known.person", "Known Person"):
        assert found(client, "accounts:search", q=query) == []
        assert found(client, "subaccounts:search", q=query) == []


def test_the_search_pages_twenty_at_a_time_with_a_constant_query_count(partner, member, client_for):
    many_accounts(partner, 5)
    client = client_for(member())

    def answer(**params):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("accounts:search"), params)
        return response.json(), len(ctx.captured_queries)

    few, few_queries = answer()
    assert len(few["results"]) == 5 and few["next"] is None
    many_accounts(partner, 40)
    first, queries = answer()
    assert queries == few_queries
    assert len(first["results"]) == PortalSearchView.PER_PAGE
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()
    assert len(second["results"]) == 20 and len(third["results"]) == 5 and third["next"] is None
    ids = [r["id"] for page in (first, second, third) for r in page["results"]]
    assert len(set(ids)) == 45


def test_the_subaccounts_page_with_a_chosen_customer_has_a_constant_query_count(partner, member, client_for):
    chosen = AccountFactory(partner=partner)
    SubaccountFactory(account=chosen)
    client = client_for(member())

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("subaccounts:list"), {"account": chosen.pk}).status_code == 200
        return len(ctx.captured_queries)

    few = queries()
    many_accounts(partner, 300)
    assert queries() == few


def test_the_registration_form_offers_a_search_and_refuses_a_foreign_or_archived_customer(
    partner, other_partner, member, client_for
):
    many_accounts(partner, 50)
    foreign = AccountFactory(partner=other_partner)
    archived = AccountFactory(partner=partner)
    archived.archived_at = archived.created_at
    archived.save()
    client = client_for(member())
    create = reverse("tools:registration_create")

    page = client.get(create).content.decode()
    assert len(options_of(page, "account")) <= 1
    assert 'data-search-url="/accounts/search/?current=1"' in page
    for refused in (foreign, archived):
        response = client.post(create, {"kind": "deal", "account": refused.pk, "currency": "RUB"})
        assert response.status_code == 200
        assert "Select a valid choice" in str(response.context["form"].errors["account"])
    assert not Registration.objects.exists()


def test_a_members_customer_accounts_show_only_the_granted_ones(partner, member, client_for):
    many_accounts(partner, 50)
    restricted = member(Role.VIEWER, restricted=True)
    granted = AccountFactory(partner=partner, name="Granted customer")
    assign_perm("accounts.access_account", restricted.user, granted)
    page = client_for(member()).get(reverse("access:member_edit", args=[restricted.pk])).content.decode()
    assert options_of(page, "accounts") == [
        f'<option value="{granted.pk}" selected>Granted customer</option>'
    ]


def test_the_usage_page_picks_one_subaccount_and_shows_its_name(partner, other_partner, member, client_for):
    sub = SubaccountFactory(account__partner=partner, partner=partner, name="Gamma prod")
    client = client_for(member())
    page = client.get(reverse("finance:usage"), {"subaccount": sub.pk}).content.decode()
    assert options_of(page, "subaccount") == [
        '<option value="">All</option>',
        f'<option value="{sub.pk}" selected>Gamma prod</option>',
    ]
    foreign = SubaccountFactory(account__partner=other_partner, partner=other_partner)
    assert client.get(reverse("finance:usage"), {"subaccount": foreign.pk}).status_code == 404


def test_a_chosen_subaccount_found_by_the_forms_check_is_written_without_a_second_query(partner, member):
    """Subaccount details' filter: the subaccount the form's check found is the option written, with its
    name, and not looked up again; a foreign one is not written at all."""
    from finance.forms import UsageForm

    membership = member()
    mine = SubaccountFactory(account=AccountFactory(partner=partner), name="Mine & co")
    form = UsageForm({"subaccount": mine.pk}, membership=membership)
    assert form.is_valid()
    with CaptureQueriesContext(connection) as ctx:
        html = str(form["subaccount"])
    assert len(ctx.captured_queries) == 0
    assert re.findall(r"<option[^>]*>[^<]*</option>", html) == [
        '<option value="">All</option>',
        f'<option value="{mine.pk}" selected>Mine &amp; co</option>',
    ]
    foreign = SubaccountFactory(name="Theirs")
    form = UsageForm({"subaccount": foreign.pk}, membership=membership)
    assert not form.is_valid()
    assert "Theirs" not in str(form["subaccount"])
