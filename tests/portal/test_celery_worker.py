"""A real Celery worker over the real broker (Redis), not eager mode: a task runs end to end."""

import datetime
from decimal import Decimal

import pytest

from finance.models import MonthlyConsumption
from finance.tasks import refresh_monthly_consumption
from tests.factories import ConsumptionFactory, SubaccountFactory


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_worker_builds_the_monthly_aggregate_from_daily_rows(celery_worker_over_redis):
    sub = SubaccountFactory()
    for day, cost in [(1, "10.10"), (2, "20.20"), (3, "0.01")]:
        ConsumptionFactory(
            subaccount=sub, date=datetime.date(2026, 3, day), sku_id="vcpu", cost=Decimal(cost)
        )
    ConsumptionFactory(subaccount=sub, date=datetime.date(2026, 4, 1), sku_id="vcpu", cost=Decimal("99.00"))

    result = refresh_monthly_consumption.delay(sub.partner_id, "2026-03-01", "2026-03-31")
    result.get(timeout=30)

    rows = MonthlyConsumption.objects.filter(subaccount=sub)
    assert [(r.month, r.cost) for r in rows] == [(datetime.date(2026, 3, 1), Decimal("30.31"))]


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_worker_records_a_notification_and_emails_it_once(celery_worker_over_redis):
    from django.core import mail

    from access.models import Notification
    from tests.factories import AccountFactory, MembershipFactory, RegistrationFactory
    from tools.tasks import notify_registration_status

    admin = MembershipFactory()
    registration = RegistrationFactory(account=AccountFactory(partner=admin.partner), status="approved")
    notify_registration_status.delay(registration.pk).get(timeout=30)
    notify_registration_status.delay(registration.pk).get(timeout=30)  # a second delivery

    [notification] = Notification.objects.all()
    assert (notification.user, notification.partner, notification.path) == (
        admin.user,
        admin.partner,
        registration.get_absolute_url(),
    )
    assert [m.to for m in mail.outbox] == [[admin.user.email]]
