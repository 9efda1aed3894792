"""Long lists are counted only as far as the pages shown: page numbers work as ever, and past the last one
numbered the list says there is more."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from portal import pagination
from portal.pagination import CappedPaginator, count_limit
from tests.factories import AccountFactory, AccrualFactory, CustomerMonthFactory, SubaccountFactory


def test_a_short_list_is_counted_whole_and_a_long_one_up_to_the_pages_ahead():
    short = CappedPaginator(range(60), 25)
    assert short.page(1).has_next() and short.num_pages == 3 and not short.more
    long = CappedPaginator(range(10_000), 25)
    page = long.page(1)
    assert long.count == (1 + pagination.PAGES_AHEAD) * 25 and long.more and page.has_next()
    far = CappedPaginator(range(10_000), 25)
    assert far.page(30).number == 30 and far.num_pages == 30 + pagination.PAGES_AHEAD and far.more
    last = CappedPaginator(range(10_000), 25)
    assert last.page(400).object_list == range(9975, 10_000) and not last.more
    assert count_limit("x", 25) == count_limit(1, 25)


@pytest.mark.django_db
def test_the_accruals_page_numbers_the_pages_it_counted(partner, member, client_for, monkeypatch):
    monkeypatch.setattr(pagination, "PAGES_AHEAD", 1)
    sub = SubaccountFactory(account=AccountFactory(partner=partner))
    for n in range(60):
        AccrualFactory(subaccount=sub, period=datetime.date(2020 + n // 12, n % 12 + 1, 1))
    client = client_for(member())
    first = client.get(reverse("finance:index"))
    paginator = first.context["table"].paginator
    assert (paginator.num_pages, paginator.more) == (2, True)
    html = first.content.decode()
    assert "?page=2" in html and "?page=3" not in html
    third = client.get(reverse("finance:index"), {"page": 3})
    assert len(third.context["table"].page.object_list) == 10 and not third.context["table"].paginator.more


@pytest.mark.django_db
def test_bonuses_by_month_says_page_of_more_than(partner, member, client_for, monkeypatch):
    monkeypatch.setattr(pagination, "PAGES_AHEAD", 1)
    month = datetime.date.today().replace(day=1)
    for n in range(110):
        CustomerMonthFactory(account=AccountFactory(partner=partner, name=f"C{n:03d}"), month=month)
    client = client_for(member())
    first = client.get(reverse("finance:bonuses"), {"per_page": 50})
    assert "Page 1 of more than 2" in first.content.decode()
    (_currency, cells), *_ = first.context["grid"].totals
    assert cells[-1] == (Decimal("110000.00"), Decimal("11000.00"))  # every customer, not the counted ones
    third = client.get(reverse("finance:bonuses"), {"page": 3, "per_page": 50})
    assert [name for name, *_ in third.context["grid"].rows] == [f"C{n:03d}" for n in range(100, 110)]
    assert "Page 3 of 3" in third.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("asked", "shown"),
    [(None, 25), ("50", 50), ("100", 100), ("5000", 25), ("101", 25), ("0", 25), ("-1", 25), ("x", 25)],
)
def test_a_table_shows_25_50_or_100_rows_a_page_never_what_the_address_asks_beyond(
    asked, shown, partner, member, client_for
):
    # a ?per_page= of any size would have the server render every row of the largest partner on one page
    for n in range(130):
        AccountFactory(partner=partner, name=f"C{n:03d}")
    params = {} if asked is None else {"per_page": asked}
    response = client_for(member()).get(reverse("accounts:list"), params)
    assert response.status_code == 200
    assert len(response.context["table"].page.object_list) == shown


@pytest.mark.django_db
def test_a_long_list_offers_its_page_sizes_keeping_the_search_and_starting_again_at_page_one(
    partner, member, client_for
):
    for n in range(30):
        AccountFactory(partner=partner, name=f"Customer {n:03d}")
    client = client_for(member())
    page = client.get(reverse("accounts:list"), {"q": "Customer", "page": 2}).content.decode()
    sizes = page[page.index('class="page-sizes"') :]
    sizes = sizes[: sizes.index("</p>")]
    assert "Rows per page" in sizes
    assert 'href="?q=Customer&amp;per_page=50"' in sizes and "&amp;page=" not in sizes
    assert 'href="?q=Customer&amp;per_page=25" aria-current="true"' in sizes
    wider = client.get(reverse("accounts:list"), {"q": "Customer", "per_page": 50})
    assert len(wider.context["table"].page.object_list) == 30
    few = AccountFactory._meta.model.objects.filter(partner=partner).order_by("pk")[:25].values("pk")
    AccountFactory._meta.model.objects.exclude(pk__in=few).delete()
    assert "page-sizes" not in client.get(reverse("accounts:list")).content.decode()  # one page at any size
