"""Tenant isolation: every portal URL, filled with another partner's object, answers 404."""

import pytest
from django.urls import reverse

from dashboard.search import KINDS
from portal.views import CsvExportMixin, PortalListView, PortalSearchView
from tests.portal.urlwalk import fill, object_of, portal_urls

URLS = portal_urls()
WITH_IDS = [u for u in URLS if u.params]
LISTS = [u for u in URLS if not u.params and issubclass(u.view_class, PortalListView)]
SEARCHES = [u for u in URLS if issubclass(u.view_class, PortalSearchView)]


def test_the_sweep_sees_the_portal():
    names = {u.name for u in URLS}
    assert {
        "dashboard",
        "accounts:list",
        "accounts:detail",
        "subaccounts:detail",
        "access:member_edit",
    } <= names


# "csv": the page's ?export=csv, the other way a page with an id gives out what it shows
ID_METHODS = [(u, m) for u in WITH_IDS for m in ("get", "post") if hasattr(u.view_class, m)] + [
    (u, "csv") for u in WITH_IDS if issubclass(u.view_class, CsvExportMixin)
]


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "method"), ID_METHODS, ids=lambda v: getattr(v, "name", v))
def test_another_partners_object_answers_404(url, method, partner, other_partner, member, client_for):
    if not hasattr(url.view_class.queryset.model, "partner_field"):
        pytest.skip("the provider's shared catalogue: the same for every partner")
    client = client_for(member())
    own = reverse(url.name, kwargs=fill(url, partner))
    assert client.get(own).status_code == 200, "own object must open, else the 404 below proves nothing"

    foreign = reverse(url.name, kwargs=fill(url, other_partner))
    if method == "csv":
        assert client.get(foreign, {"export": "csv"}).status_code == 404
    else:
        assert getattr(client, method)(foreign).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("url", WITH_IDS, ids=lambda u: u.name)
def test_an_unknown_id_answers_404(url, partner, member, client_for):
    client = client_for(member())
    kwargs = {k: 2**31 - 1 for k in fill(url, partner)}
    assert client.get(reverse(url.name, kwargs=kwargs)).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("url", LISTS, ids=lambda u: u.name)
def test_a_list_never_shows_another_partners_rows(url, partner, other_partner, member, client_for):
    model = url.view_class.queryset.model
    if not hasattr(model, "partner_field"):
        pytest.skip(f"{model.__name__} is the provider's shared catalogue")
    client = client_for(member())
    queryset = url.view_class.queryset
    own, foreign = object_of(model, partner, queryset), object_of(model, other_partner, queryset)
    response = client.get(reverse(url.name))
    assert response.status_code == 200
    shown = {row.record.pk for row in response.context["table"].rows}
    assert own.pk in shown
    assert foreign.pk not in shown

    if url.view_class.export_csv is PortalListView.export_csv:  # its CSV is its table (not, say, a report)
        export = client.get(reverse(url.name), {"export": "csv"})
        assert export.status_code == 200
        assert len(b"".join(export.streaming_content).decode().strip().splitlines()) == 1 + len(shown)


@pytest.mark.django_db
@pytest.mark.parametrize("url", SEARCHES, ids=lambda u: u.name)
def test_a_choice_search_never_offers_another_partners_rows(url, partner, other_partner, member, client_for):
    queryset = url.view_class.queryset
    own = object_of(queryset.model, partner, queryset)
    foreign = object_of(queryset.model, other_partner, queryset)
    client = client_for(member())
    value = url.view_class.value_field  # what a choice is: the id, or a key of the provider's
    for query in ("", str(foreign)):
        offered = {r["id"] for r in client.get(reverse(url.name), {"q": query}).json()["results"]}
        assert getattr(foreign, value) not in offered
    assert getattr(own, value) in {r["id"] for r in client.get(reverse(url.name)).json()["results"]}


def searchable_texts(kind, obj, membership) -> list[str]:
    """What the header's search may be typed with to find ``obj``: what its result shows, its customer's
    name, its user's email."""
    text, hint = kind.describe(obj, membership)
    account, user = getattr(obj, "account", None), getattr(obj, "user", None)
    return [t for t in (text, hint, account and account.name, user and user.email) if t]


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.key)
def test_the_header_search_never_finds_another_partners_rows(
    kind, partner, other_partner, member, client_for
):
    membership = member()
    queryset = kind.list_view.queryset
    own = object_of(queryset.model, partner, queryset)
    foreign = object_of(queryset.model, other_partner, queryset)
    client = client_for(membership)

    def found(query) -> set[str]:
        """The results of the page and of its suggestions."""
        page = client.get(reverse("search"), {"q": query})
        suggested = client.get(reverse("search_suggest"), {"q": query}).json()
        return {hit.url for group in page.context["groups"] for hit in group.hits} | {
            hit["url"] for group in suggested["groups"] for hit in group["results"]
        }

    assert any(own.get_absolute_url() in found(q) for q in searchable_texts(kind, own, membership))
    for query in searchable_texts(kind, foreign, membership):
        assert foreign.get_absolute_url() not in found(query)
