"""The header's search: one box, every kind of object the member may open, scoped exactly like the pages."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from guardian.shortcuts import assign_perm

from accounts.models import Account
from portal.permissions import Role
from tests.factories import (
    AccountContactFactory,
    AccountFactory,
    MembershipFactory,
    RegistrationFactory,
    SubaccountFactory,
)

pytestmark = pytest.mark.django_db


def search(client, query, **params):
    response = client.get(reverse("search"), {"q": query, **params})
    assert response.status_code == 200
    return response


def groups(response) -> dict[str, list[str]]:
    """Kind -> the URLs of the results shown."""
    return {g.kind.key: [hit.url for hit in g.hits] for g in response.context["groups"]}


@pytest.fixture
def world(partner, other_partner):
    """The same words in both partners: every kind of object named "Zeta"."""
    made = {}
    for owner in (partner, other_partner):
        account = AccountFactory(
            partner=owner, name=f"Zeta Foods of {owner.name}", tax_id=f"77{owner.pk:08d}"
        )
        made[owner.pk] = {
            "account": account,
            "subaccount": SubaccountFactory(
                account=account, name="Zeta prod", billing_account_id=f"dn2zeta{owner.pk}"
            ),
            "registration": RegistrationFactory(partner=owner, account=account),
            "member": MembershipFactory(
                partner=owner, role=Role.VIEWER, user__first_name="Zeta", user__last_name="Ivanova"
            ),
        }
    return made


def test_each_kind_is_found_by_its_fields_and_links_to_its_page(world, partner, member, client_for):
    own = world[partner.pk]
    client = client_for(member())
    found = groups(search(client, "zeta"))
    assert own["account"].get_absolute_url() in found["accounts"]
    assert own["subaccount"].get_absolute_url() in found["subaccounts"]
    assert own["registration"].get_absolute_url() in found["registrations"]
    assert own["member"].get_absolute_url() in found["users"]

    assert groups(search(client, own["account"].tax_id)) == {"accounts": [own["account"].get_absolute_url()]}
    by_billing_id = groups(search(client, own["subaccount"].billing_account_id.upper()))
    assert by_billing_id == {"subaccounts": [own["subaccount"].get_absolute_url()]}


def test_a_group_counts_its_matches_and_links_to_its_list_filtered(partner, member, client_for):
    AccountFactory.create_batch(12, partner=partner, name="Northwind branch")
    page = search(client_for(member()), "northwind")
    (group,) = page.context["groups"]
    assert group.count == 12 and not group.more
    assert len(group.hits) < 12  # a few shown; the list has them all
    assert group.all_url == reverse("accounts:list") + "?q=northwind"
    listed = client_for(member()).get(group.all_url)
    assert len(listed.context["table"].rows) == 12
    html = page.content.decode()
    assert 'href="/accounts/?q=northwind"' in html
    assert "Accounts: 12 results in the list" in html
    assert "<h1>Search</h1>" in html


def test_a_count_stops_where_the_list_stops_numbering_its_pages(partner, member, client_for):
    Account.objects.bulk_create(AccountFactory.build_batch(260, partner=partner, name="Northwind branch"))
    (group,) = search(client_for(member()), "northwind").context["groups"]
    assert (group.count, group.more) == (250, True)  # ten pages of 25 numbered, "more" after them
    assert len(group.hits) == 5
    page = search(client_for(member()), "northwind").content.decode()
    assert "Accounts: more than 250 results in the list" in page


def test_another_partners_objects_never_appear(world, partner, other_partner, member, client_for):
    foreign = world[other_partner.pk]
    client = client_for(member())
    shown = {url for urls in groups(search(client, "zeta")).values() for url in urls}
    for obj in foreign.values():
        assert obj.get_absolute_url() not in shown
    assert groups(search(client, foreign["account"].tax_id)) == {}
    assert groups(search(client, foreign["subaccount"].billing_account_id)) == {}
    assert groups(search(client, other_partner.name)) == {}
    suggested = client.get(reverse("search_suggest"), {"q": "zeta"}).json()
    urls = {hit["url"] for g in suggested["groups"] for hit in g["results"]}
    assert urls and not urls & {obj.get_absolute_url() for obj in foreign.values()}


@pytest.mark.parametrize(
    ("role", "kinds"),
    [
        (Role.ADMINISTRATOR, {"accounts", "subaccounts", "registrations", "users"}),
        (Role.EDITOR_PD, {"accounts", "subaccounts", "registrations"}),
        (Role.VIEWER, {"accounts", "subaccounts", "registrations"}),
    ],
)
def test_a_role_sees_only_the_groups_of_its_rights(world, role, kinds, member, client_for):
    assert set(groups(search(client_for(member(role)), "zeta"))) == kinds


def test_a_restricted_member_finds_only_their_customers(partner, member, client_for):
    membership = member(Role.EDITOR_PD, restricted=True)
    granted = AccountFactory(partner=partner, name="Zeta granted")
    hidden = AccountFactory(partner=partner, name="Zeta hidden")
    assign_perm("accounts.access_account", membership.user, granted)
    visible = [SubaccountFactory(account=granted), RegistrationFactory(partner=partner, account=granted)]
    invisible = [
        SubaccountFactory(account=hidden, name="Zeta s"),
        RegistrationFactory(partner=partner, account=hidden),
    ]
    found = groups(search(client_for(membership), "zeta"))
    shown = {url for urls in found.values() for url in urls}
    assert {granted.get_absolute_url(), *(o.get_absolute_url() for o in visible)} <= shown
    assert not shown & {hidden.get_absolute_url(), *(o.get_absolute_url() for o in invisible)}


def test_personal_data_is_searched_only_by_roles_that_see_it(partner, member, client_for):
    account = AccountFactory(partner=partner, name="Plain Name LLC")
    AccountContactFactory(account=account, name="Olga Secretova", email="olga.secret@customer.example")
    admin, viewer = client_for(member(Role.ADMINISTRATOR)), client_for(member(Role.VIEWER))
    assert groups(search(admin, "olga.secret")) == {"accounts": [account.get_absolute_url()]}
    assert groups(search(viewer, "olga.secret")) == {}
    assert groups(search(viewer, "Secretova")) == {}


def test_users_are_shown_as_the_members_list_shows_them(partner, member, client_for):
    colleague = MembershipFactory(partner=partner, role=Role.EDITOR, user__email="kirill@alpha.example")
    removed = MembershipFactory(partner=partner, user__email="kirill.gone@alpha.example")
    removed.removed_at = removed.created_at
    removed.save()
    page = search(client_for(member()), "kirill")
    assert groups(page) == {"users": [colleague.get_absolute_url()]}  # a removed member's page is gone
    assert "kirill@alpha.example" in page.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "Type at least 2 characters"),
        ("   ", "Type at least 2 characters"),
        ("z", "Type at least 2 characters"),
        ("x" * 10_000, "at most 100 characters"),
        ("zeta\x00", "cannot be searched"),
    ],
)
def test_bad_input_gets_a_clear_message_and_no_query(query, message, member, client_for):
    client = client_for(member())
    client.get(reverse("dashboard"))  # session and membership read once
    with CaptureQueriesContext(connection) as ctx:
        page = search(client, query)
    assert message in page.content.decode()
    assert page.context["groups"] == []
    searched = [
        q["sql"] for q in ctx.captured_queries if "accounts_account" in q["sql"] or "subaccounts_" in q["sql"]
    ]
    assert searched == []
    suggest = client.get(reverse("search_suggest"), {"q": query})
    assert suggest.status_code == 200 and suggest.json()["groups"] == []


@pytest.mark.parametrize(
    "query", ["%", "__", "'; drop table", '"quoted"', "100%", "a_b", "../..", "<script>"]
)
def test_odd_input_is_searched_literally(query, partner, member, client_for):
    AccountFactory(partner=partner, name="Anything at all")
    AccountFactory(partner=partner, name="Rate 100% sure a_b")
    page = search(client_for(member()), query)
    found = groups(page)
    if query in ("100%", "a_b"):
        assert len(found["accounts"]) == 1
    else:
        assert found == {}
    assert "<script>" not in page.content.decode().split("<main", 1)[1]


def test_the_query_count_does_not_grow_with_rows(partner, member, client_for):
    client = client_for(member())

    def add(n):
        for i in range(n):
            account = AccountFactory(partner=partner, name=f"Zeta {i}")
            SubaccountFactory(account=account, name=f"Zeta sub {i}")
            RegistrationFactory(partner=partner, account=account)
            MembershipFactory(partner=partner, user__first_name="Zeta")

    def count(path):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(path, {"q": "zeta"}).status_code == 200
        return len(ctx.captured_queries)

    add(1)
    few = count(reverse("search")), count(reverse("search_suggest"))
    add(15)
    assert (count(reverse("search")), count(reverse("search_suggest"))) == few


def test_the_header_has_the_search_box_for_members_only(member, client_for, client):
    page = client_for(member(Role.VIEWER)).get(reverse("dashboard")).content.decode()
    assert 'role="search"' in page and 'aria-keyshortcuts="/"' in page
    assert f'action="{reverse("search")}"' in page
    assert client.get(reverse("search"), {"q": "zeta"}).status_code == 302  # signed out: to the login


def test_the_search_page_speaks_russian(partner, member, client_for):
    AccountFactory.create_batch(2, partner=partner, name="Northwind branch")
    client = client_for(member())
    client.cookies["django_language"] = "ru"
    assert "Введите не меньше 2 символов" in client.get(reverse("search"), {"q": "z"}).content.decode()
    page = client.get(reverse("search"), {"q": "northwind"}).content.decode()
    assert "<h1>Поиск</h1>" in page and "Аккаунты: 2 результата в списке" in page
