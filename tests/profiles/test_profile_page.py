"""The partner profile: each specialization's progress towards its yearly threshold."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    MonthlyConsumptionFactory,
    PartnerSpecializationFactory,
    SpecializationFactory,
    SubaccountFactory,
)

pytestmark = pytest.mark.django_db


def test_progress_counts_this_year_s_customer_consumption_in_the_currency_and_services_named(
    partner, member, client_for
):
    this_month = timezone.localdate().replace(day=1)
    last_year = this_month.replace(year=this_month.year - 1)
    resold = SubaccountFactory(account__partner=partner)
    own = SubaccountFactory(account__partner=partner, is_partner_own=True)
    every = SpecializationFactory(name="Infrastructure", yearly_threshold=Decimal("1000.00"))
    ml = SpecializationFactory(name="ML", yearly_threshold=Decimal("1000.00"), service_ids="ml, gpu")
    tenge = SpecializationFactory(name="Tenge", yearly_threshold=Decimal("1000.00"), currency="KZT")
    for spec in (every, ml, tenge):
        PartnerSpecializationFactory(partner=partner, specialization=spec)
    rows = [
        (resold, this_month, "ml", "RUB", "100.00"),
        (resold, this_month, "gpu", "RUB", "20.50"),
        (resold, this_month, "compute", "RUB", "3.25"),
        (resold, this_month, "compute", "KZT", "700.00"),
        (resold, last_year, "ml", "RUB", "5000.00"),  # another year
        (own, this_month, "ml", "RUB", "9000.00"),  # the partner's own subaccount
    ]
    for sub, month, service, currency, cost in rows:
        MonthlyConsumptionFactory(
            subaccount=sub, month=month, service_id=service, currency=currency, cost=Decimal(cost)
        )
    progress = {
        p.name: (p.counted, p.percent)
        for p in client_for(member()).get(reverse("profiles:profile")).context["specializations"]
    }
    assert progress == {
        "Infrastructure": (Decimal("123.75"), 12),
        "ML": (Decimal("120.50"), 12),
        "Tenge": (Decimal("700.00"), 70),
    }
