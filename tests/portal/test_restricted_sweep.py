"""The isolation sweep again, for a user restricted to selected customer accounts: every page that names an
object under another account of the same partner answers 404, every list leaves those rows out."""

import pytest
from django.urls import reverse
from guardian.shortcuts import assign_perm, remove_perm

from dashboard.search import KINDS
from finance.models import Consumption
from portal.permissions import Role
from portal.views import CsvExportMixin, PortalListView, PortalSearchView
from tests.factories import AccountFactory
from tests.portal.urlwalk import FACTORIES, portal_urls

URLS = portal_urls()
ROLE = Role.EDITOR_PD  # the widest role that may be restricted: accounts, finance and tools


def account_scoped(url):
    model = getattr(getattr(url.view_class, "queryset", None), "model", None)
    return model is not None and getattr(model, "account_field", None)


def object_under(model, account):
    """An object of ``model`` that belongs to ``account`` (directly or through its subaccount)."""
    factory, declared = FACTORIES[model], FACTORIES[model]._meta.declarations
    if model._meta.label == "accounts.Account":
        return account
    if "subaccount" in declared:
        return factory(
            subaccount__account=account, subaccount__partner=account.partner, partner=account.partner
        )
    if "link" in declared:
        return factory(account=account, link__partner=account.partner)
    if "registration" in declared:
        return factory(registration__account=account, registration__partner=account.partner)
    kwargs = {"account": account}
    if "partner" in declared:
        kwargs["partner"] = account.partner
    return factory(**kwargs)


WITH_IDS = [u for u in URLS if u.params and account_scoped(u)]
LISTS = [u for u in URLS if not u.params and account_scoped(u) and issubclass(u.view_class, PortalListView)]
SEARCHES = [u for u in URLS if account_scoped(u) and issubclass(u.view_class, PortalSearchView)]


@pytest.fixture
def restricted(partner, member):
    membership = member(ROLE, restricted=True)
    granted = AccountFactory(partner=partner, name="Granted customer")
    assign_perm("accounts.access_account", membership.user, granted)
    return membership, granted, AccountFactory(partner=partner, name="Hidden customer")


def test_the_sweep_covers_the_account_scoped_pages():
    assert {"accounts:detail", "subaccounts:detail"} <= {u.name for u in WITH_IDS}
    assert {"accounts:list", "subaccounts:list", "finance:index"} <= {u.name for u in LISTS}
    assert {"accounts:search", "subaccounts:search"} <= {u.name for u in SEARCHES}


@pytest.mark.django_db
@pytest.mark.parametrize("url", WITH_IDS, ids=lambda u: u.name)
def test_an_object_under_a_hidden_account_answers_404(url, restricted, client_for):
    membership, granted, hidden = restricted
    model = url.view_class.queryset.model
    if not membership.has(url.view_class.right):
        pytest.skip("the role lacks this page's right: 403 before any lookup")
    client = client_for(membership)
    visible = client.get(reverse(url.name, args=[object_under(model, granted).pk]))
    assert visible.status_code == 200
    assert client.get(reverse(url.name, args=[object_under(model, hidden).pk])).status_code == 404
    assert client.post(reverse(url.name, args=[object_under(model, hidden).pk])).status_code in (404, 405)
    if issubclass(url.view_class, CsvExportMixin):
        hidden_csv = client.get(reverse(url.name, args=[object_under(model, hidden).pk]), {"export": "csv"})
        assert hidden_csv.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("url", LISTS, ids=lambda u: u.name)
def test_a_list_and_its_csv_leave_hidden_accounts_out(url, restricted, client_for):
    membership, granted, hidden = restricted
    model = url.view_class.queryset.model
    if not membership.has(url.view_class.right):
        pytest.skip("the role lacks this page's right")
    shown_obj, hidden_obj = object_under(model, granted), object_under(model, hidden)
    client = client_for(membership)
    rows = {r.record.pk for r in client.get(reverse(url.name)).context["table"].rows}
    assert shown_obj.pk in rows and hidden_obj.pk not in rows
    if url.view_class.export_csv is PortalListView.export_csv:  # its CSV is its table (not, say, a report)
        export = b"".join(client.get(reverse(url.name), {"export": "csv"}).streaming_content).decode()
        assert export.count("\n") == 1 + len(rows)


@pytest.mark.django_db
@pytest.mark.parametrize("url", SEARCHES, ids=lambda u: u.name)
def test_a_choice_search_never_offers_hidden_accounts(url, restricted, client_for):
    membership, granted, hidden = restricted
    model = url.view_class.queryset.model
    shown_obj, hidden_obj = object_under(model, granted), object_under(model, hidden)
    client = client_for(membership)
    value = url.view_class.value_field  # what a choice is: the id, or a key of the provider's
    shown, hidden = getattr(shown_obj, value), getattr(hidden_obj, value)
    offered = {r["id"] for r in client.get(reverse(url.name)).json()["results"]}
    assert shown in offered and hidden not in offered
    searched = client.get(reverse(url.name), {"q": "Hidden"}).json()["results"]
    assert hidden not in {r["id"] for r in searched}


@pytest.mark.django_db
@pytest.mark.parametrize("url", LISTS, ids=lambda u: u.name)
def test_an_empty_list_tells_a_restricted_member_it_is_their_scope_not_nothing(url, restricted, client_for):
    """A member who sees some customers only must not read "no subaccounts yet" when the partner has many."""
    membership, _granted, _hidden = restricted
    if not membership.has(url.view_class.right):
        pytest.skip("the role lacks this page's right")
    if not getattr(url.view_class.queryset.model, "account_field", None):
        pytest.skip("not a list of customers' rows: the restriction does not narrow it")
    page = client_for(membership).get(reverse(url.name), {"q": "no such thing anywhere"})
    table = page.context["table"]
    if len(table.rows):
        pytest.skip("the list has rows of the granted customer")
    assert "for the customers you can see" in page.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "kind", [k for k in KINDS if k.list_view.queryset.model.account_field], ids=lambda k: k.key
)
def test_the_header_search_never_finds_hidden_accounts(kind, restricted, client_for):
    membership, granted, hidden = restricted
    model = kind.list_view.queryset.model
    shown_obj, hidden_obj = object_under(model, granted), object_under(model, hidden)
    client = client_for(membership)
    for query, present, absent in (("Granted", shown_obj, hidden_obj), ("customer", shown_obj, hidden_obj)):
        page = client.get(reverse("search"), {"q": query})
        urls = {hit.url for group in page.context["groups"] for hit in group.hits}
        assert present.get_absolute_url() in urls
        assert absent.get_absolute_url() not in urls
    page = client.get(reverse("search"), {"q": "Hidden"})
    assert hidden_obj.get_absolute_url() not in {hit.url for g in page.context["groups"] for hit in g.hits}


@pytest.mark.django_db
@pytest.mark.parametrize("url", LISTS, ids=lambda u: u.name)
def test_a_member_whose_customers_were_all_taken_back_sees_none(url, restricted, client_for):
    """The grants are read once per request as a list of ids: an empty list is a scope of nothing, never
    every customer and never an error (its one customer deleted, say)."""
    membership, granted, hidden = restricted
    if not membership.has(url.view_class.right):
        pytest.skip("the role lacks this page's right")
    model = url.view_class.queryset.model
    was_granted, hidden_obj = object_under(model, granted), object_under(model, hidden)
    remove_perm("accounts.access_account", membership.user, granted)
    page = client_for(membership).get(reverse(url.name))
    assert page.status_code == 200
    rows = {r.record.pk for r in page.context["table"].rows}
    assert was_granted.pk not in rows and hidden_obj.pk not in rows


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["dashboard", "finance:usage", "finance:commission", "finance:bonuses"])
def test_the_pages_of_sums_show_nothing_to_a_member_without_customers(page, restricted, client_for):
    membership, granted, _hidden = restricted
    object_under(Consumption, granted)  # a day of consumption of the customer taken back
    remove_perm("accounts.access_account", membership.user, granted)
    client = client_for(membership)
    for params in ({}, {"view": "folder"}, {"view": "sku", "period": "last_month"}):
        answer = client.get(reverse(page), params)
        assert answer.status_code == 200
        assert "Granted customer" not in answer.content.decode()
