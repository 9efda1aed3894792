"""Registrations: the workflow, every eligibility rule, expiry by the beat, conflicts without leaks."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from portal.business_days import is_business_day
from portal.permissions import Role
from subaccounts.models import Subaccount
from tests.factories import (
    AccountFactory,
    ConsumptionFactory,
    ReferredCustomerFactory,
    RegistrationFactory,
    SubaccountFactory,
    UserFactory,
)
from tools import services, workflow
from tools.models import Registration, RegistrationEvent
from tools.tasks import expire_registrations

pytestmark = pytest.mark.django_db
S = Registration.Status


@pytest.fixture(autouse=True)
def eager(celery_eager):
    """Tasks inline here; one test elsewhere goes through the real worker."""


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``with committed():`` runs what the block queued for after its commit (emails, tasks)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


ALLOWED = {
    ("submit", S.DRAFT): S.SUBMITTED,
    ("withdraw", S.DRAFT): S.WITHDRAWN,
    ("withdraw", S.SUBMITTED): S.WITHDRAWN,
    ("approve", S.SUBMITTED): S.APPROVED,
    ("reject", S.SUBMITTED): S.REJECTED,
    ("expire", S.APPROVED): S.EXPIRED,
}
CASES = [(step, status) for step in workflow.STEPS for status in S.values]


@pytest.mark.parametrize(("step", "status"), CASES, ids=[f"{a}-from-{s}" for a, s in CASES])
def test_every_step_from_every_status(step, status):
    registration = RegistrationFactory(status=status)
    if (step, status) in ALLOWED:
        workflow.transition(registration, workflow.STEPS[step], reason="why")
        registration.refresh_from_db()
        assert registration.status == ALLOWED[(step, status)]
        assert RegistrationEvent.objects.get(registration=registration).to_status == ALLOWED[(step, status)]
    else:
        with pytest.raises(ValidationError, match="is not possible for a registration that is"):
            workflow.transition(registration, workflow.STEPS[step], reason="why")
        registration.refresh_from_db()
        assert registration.status == status


def test_every_status_change_emails_the_partner(partner, member, committed):
    admin = member(Role.ADMINISTRATOR)
    registration = RegistrationFactory(account=AccountFactory(partner=partner), created_by=admin.user)
    with committed():
        services.registration_submit(registration=registration, actor=admin.user)
    with committed():
        services.registration_reject(
            registration=registration, actor=UserFactory(is_staff=True), reason="Not new"
        )
    assert [m.subject.rsplit(": ", 1)[1] for m in mail.outbox] == ["Under review", "Rejected"]
    assert all(m.to == [admin.user.email] for m in mail.outbox)
    assert "Reason: Not new" in mail.outbox[1].body


def test_a_rejection_needs_a_reason():
    registration = RegistrationFactory(status=S.SUBMITTED)
    with pytest.raises(ValidationError, match="reason"):
        services.registration_reject(registration=registration, actor=None, reason=" ")


def test_submitting_sets_the_review_target_in_business_days():
    registration = RegistrationFactory()
    with time_machine.travel(datetime.datetime(2026, 12, 25, 10, tzinfo=datetime.UTC), tick=False):
        services.registration_submit(registration=registration, actor=None)
    registration.refresh_from_db()
    due = timezone.localtime(registration.review_due).date()
    days = [
        datetime.date(2026, 12, 25) + datetime.timedelta(days=n)
        for n in range(1, (due - datetime.date(2026, 12, 25)).days + 1)
    ]
    assert sum(is_business_day(d) for d in days) == 20 and is_business_day(due)
    assert not is_business_day(datetime.date(2027, 1, 4))  # a Monday of Russia's New Year holidays
    assert due > datetime.date(2027, 1, 22)  # what 20 weekdays alone would give


# Eligibility, one rule at a time


def deal(**kwargs):
    kwargs.setdefault("expected_monthly", Decimal("30000.00"))
    return RegistrationFactory(kind=Registration.Kind.DEAL, **kwargs)


@pytest.mark.parametrize(
    ("currency", "amount", "ok"),
    [
        ("RUB", "29999.99", False),
        ("RUB", "30000.00", True),
        ("KZT", "149999.99", False),
        ("KZT", "150000.00", True),
        ("USD", "100000.00", False),
    ],
)
def test_a_deal_needs_the_minimum_target(currency, amount, ok):
    registration = deal(currency=currency, expected_monthly=Decimal(amount))
    errors = services.eligibility_errors(registration)
    assert (errors == []) is ok, errors


def test_a_deal_is_for_customers_new_to_the_cloud(partner, other_partner):
    account = AccountFactory(partner=partner, tax_id="7707083893")
    # the same company consuming under another partner: not new to the cloud
    ConsumptionFactory(
        subaccount=SubaccountFactory(account=AccountFactory(partner=other_partner, tax_id="7707083893"))
    )
    registration = deal(account=account)
    with scope(partner=partner.pk):  # as the submission runs: in the partner's scope, reading the whole cloud
        errors = services.eligibility_errors(registration)
    assert errors == ["A deal registration is for customers new to the cloud; this customer already uses it."]


def test_a_project_scope_consuming_under_another_partner_is_not_unused(partner, other_partner):
    account = AccountFactory(partner=partner)
    SubaccountFactory(account=account, status=Subaccount.Status.ACTIVE)
    project = RegistrationFactory(account=account, kind=Registration.Kind.PROJECT, project_scope="cloud-x")
    # the same company (tax id) consuming in that cloud under another partner
    theirs = SubaccountFactory(account=AccountFactory(partner=other_partner, tax_id=account.tax_id))
    ConsumptionFactory(subaccount=theirs, cloud_id="cloud-x")
    with scope(partner=partner.pk):
        errors = services.eligibility_errors(project)
    assert errors == ["The project must have no consumption yet; this cloud or folder already consumes."]


def test_a_procurement_deal_is_refused_for_a_referred_customer(partner):
    account = AccountFactory(partner=partner)
    ReferredCustomerFactory(account=account, link__partner=partner)
    registration = deal(
        account=account,
        procurement=True,
        contract_start=datetime.date(2027, 1, 1),
        contract_end=datetime.date(2027, 12, 31),
    )
    assert services.eligibility_errors(registration) == [
        "A procurement deal is refused for a customer that came through the referral program."
    ]


def test_a_procurement_deal_needs_its_contract_dates():
    assert services.eligibility_errors(deal(procurement=True)) == [
        "A procurement deal needs the contract's start and end dates."
    ]


def test_a_project_needs_an_existing_customer_and_an_unused_scope(partner):
    account = AccountFactory(partner=partner)
    project = RegistrationFactory(account=account, kind=Registration.Kind.PROJECT, project_scope="folder-new")
    assert services.eligibility_errors(project) == [
        "A project registration is for an existing customer with an active subaccount."
    ]
    sub = SubaccountFactory(account=account, status=Subaccount.Status.ACTIVE)
    assert services.eligibility_errors(project) == []
    ConsumptionFactory(subaccount=sub, folder_id="folder-new")
    assert services.eligibility_errors(project) == [
        "The project must have no consumption yet; this cloud or folder already consumes."
    ]


def test_an_ineligible_submission_shows_why_and_changes_nothing(partner, member, client_for):
    registration = deal(account=AccountFactory(partner=partner), expected_monthly=Decimal("100.00"))
    response = client_for(member()).post(
        reverse("tools:registration_submit", args=[registration.pk]), follow=True
    )
    assert "must be at least 30,000 RUB" in response.content.decode()
    registration.refresh_from_db()
    assert registration.status == S.DRAFT and not mail.outbox


# Expiry by the daily beat


def approved_deal(partner, when, **fields):
    fields.setdefault("account", AccountFactory(partner=partner))
    with time_machine.travel(when, tick=False):
        registration = deal(status=S.SUBMITTED, **fields)
        services.registration_approve(registration=registration, actor=None)
    registration.refresh_from_db()
    return registration


START = datetime.datetime(2026, 3, 2, 9, tzinfo=datetime.UTC)


def test_an_approved_deal_expires_after_60_days_without_a_subaccount_and_is_warned_once(
    partner, member, committed
):
    member(Role.ADMINISTRATOR)
    registration = approved_deal(partner, START)
    assert registration.expires_at == START + datetime.timedelta(days=60)
    mail.outbox.clear()
    with time_machine.travel(START + datetime.timedelta(days=54), tick=False), committed():
        assert expire_registrations() == {"expired": 0, "warned": 1}
        assert expire_registrations() == {"expired": 0, "warned": 0}  # once
    assert "expires soon" in mail.outbox[0].subject
    with time_machine.travel(START + datetime.timedelta(days=59, hours=23), tick=False):
        assert expire_registrations()["expired"] == 0
    with time_machine.travel(START + datetime.timedelta(days=60, minutes=1), tick=False):
        assert expire_registrations()["expired"] == 1
    registration.refresh_from_db()
    assert registration.status == S.EXPIRED


def test_a_deal_whose_subaccount_was_created_in_time_does_not_expire(partner):
    registration = approved_deal(partner, START)
    with time_machine.travel(START + datetime.timedelta(days=10), tick=False):
        SubaccountFactory(account=registration.account)
    with time_machine.travel(START + datetime.timedelta(days=61), tick=False):
        assert expire_registrations()["expired"] == 0
    registration.refresh_from_db()
    assert registration.status == S.APPROVED


def test_a_procurement_deal_expires_when_its_contract_ends(partner):
    with time_machine.travel(START, tick=False):
        registration = deal(
            account=AccountFactory(partner=partner),
            status=S.SUBMITTED,
            procurement=True,
            contract_start=datetime.date(2026, 3, 1),
            contract_end=datetime.date(2026, 3, 31),
        )
        services.registration_approve(registration=registration, actor=None)
    registration.refresh_from_db()
    SubaccountFactory(account=registration.account)
    with time_machine.travel(datetime.datetime(2026, 5, 2, tzinfo=datetime.UTC), tick=False):
        expire_registrations()
    registration.refresh_from_db()
    assert registration.status == S.EXPIRED


# Conflicts: flagged to the reviewer, never revealing who


def test_a_customer_held_by_another_partner_is_flagged_without_naming_it(
    partner, other_partner, member, client_for, committed
):
    approved_deal(other_partner, timezone.now()).account.__class__.objects.filter(
        partner=other_partner
    ).update(tax_id="7707083893")
    mine = deal(account=AccountFactory(partner=partner, tax_id="7707083893"))
    with committed():
        response = client_for(member()).post(
            reverse("tools:registration_submit", args=[mine.pk]), follow=True
        )
    page = response.content.decode()
    assert mail.outbox and "already registered in the program" in mail.outbox[-1].body
    mine.refresh_from_db()
    assert mine.conflict and mine.status == S.SUBMITTED
    assert "already registered in the program" in page
    assert "Omega" not in page
    assert all("Omega" not in m.subject + m.body for m in mail.outbox)
    detail = client_for(member()).get(reverse("tools:registration_detail", args=[mine.pk])).content.decode()
    assert "Omega" not in detail


def test_the_conflict_check_costs_the_same_queries_either_way(partner, other_partner):
    approved = approved_deal(other_partner, timezone.now())
    approved.account.__class__.objects.filter(pk=approved.account_id).update(tax_id="7707083893")
    held = deal(account=AccountFactory(partner=partner, tax_id="7707083893"))
    free = deal(account=AccountFactory(partner=partner, tax_id="7736207543"))
    counts = []
    for registration in (held, free):
        with CaptureQueriesContext(connection) as ctx:
            services.registration_submit(registration=registration, actor=None)
        counts.append(len(ctx.captured_queries))
    held.refresh_from_db(), free.refresh_from_db()
    assert (held.conflict, free.conflict) == (True, False)
    assert counts[0] == counts[1]


def test_a_second_deal_for_a_customer_held_under_an_approved_one_is_refused(partner):
    account = AccountFactory(partner=partner)
    approved_deal(partner, timezone.now(), account=account)
    again = deal(account=account)
    assert services.eligibility_errors(again) == [
        "You already hold this customer under an approved deal registration."
    ]
    with pytest.raises(ValidationError):
        services.registration_submit(registration=again, actor=None)
    again.refresh_from_db()
    assert again.status == S.DRAFT


def procurement_deal(partner, start: datetime.date, end: datetime.date):
    return approved_deal(partner, START, procurement=True, contract_start=start, contract_end=end)


def test_a_procurement_deal_with_its_subaccount_in_time_runs_to_its_contracts_end(partner):
    registration = procurement_deal(partner, datetime.date(2026, 7, 1), datetime.date(2027, 6, 30))
    with time_machine.travel(START + datetime.timedelta(days=10), tick=False):
        SubaccountFactory(account=registration.account)
    with time_machine.travel(START + datetime.timedelta(days=61), tick=False):
        assert expire_registrations()["expired"] == 0
    registration.refresh_from_db()
    assert registration.status == S.APPROVED
    assert timezone.localdate(registration.expires_at) == datetime.date(2027, 6, 30)
    with time_machine.travel(datetime.datetime(2027, 7, 1, 9, tzinfo=datetime.UTC), tick=False):
        assert expire_registrations()["expired"] == 1
    registration.refresh_from_db()
    assert registration.status == S.EXPIRED


def test_a_procurement_deal_without_its_subaccount_in_time_expires_with_the_window(partner):
    procurement_deal(partner, datetime.date(2026, 7, 1), datetime.date(2027, 6, 30))
    with time_machine.travel(START + datetime.timedelta(days=61), tick=False):
        assert expire_registrations()["expired"] == 1
