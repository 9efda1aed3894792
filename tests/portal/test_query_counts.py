"""Every list page runs the same number of queries whatever the number of rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.views import PortalListView
from tests.portal.urlwalk import object_of, portal_urls

LISTS = [u for u in portal_urls() if not u.params and issubclass(u.view_class, PortalListView)]


def queries(client, path, params=None):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, params or {})
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.django_db
@pytest.mark.parametrize("url", LISTS, ids=lambda u: u.name)
def test_list_page_and_export_query_count_does_not_grow_with_rows(url, partner, member, client_for):
    client = client_for(member())
    model = url.view_class.queryset.model
    path = reverse(url.name)

    def add(n):
        for _ in range(n):
            object_of(model, partner, url.view_class.queryset)

    add(2)
    queries(client, path)  # a first visit fills what a page keeps a while (the report's row estimate)
    few_page, few_export = queries(client, path), queries(client, path, {"export": "csv"})
    add(40)  # more than a page
    assert queries(client, path) == few_page
    assert queries(client, path, {"export": "csv"}) == few_export


@pytest.mark.django_db
def test_partner_profile_query_count_does_not_grow_with_specializations(partner, member, client_for):
    from tests.factories import MonthlyConsumptionFactory, PartnerSpecializationFactory, SubaccountFactory

    client = client_for(member())
    MonthlyConsumptionFactory(subaccount=SubaccountFactory(account__partner=partner))
    PartnerSpecializationFactory(partner=partner)
    one = queries(client, reverse("profiles:profile"))
    for _ in range(3):
        PartnerSpecializationFactory(partner=partner)
    assert queries(client, reverse("profiles:profile")) == one
