"""A forgotten partner filter fails loudly (issue 14): every partner-owned query runs in a partner's scope
and only over that partner's rows; outside any scope it raises instead of reading every partner."""

import pytest
from django.apps import apps
from django.db.models import Count
from django.urls import reverse
from django_scopes import scope, scopes_disabled
from django_scopes.exceptions import ScopeError

from accounts.models import Account, AccountContact
from config.celery import app as celery_app
from portal.models import TenantModel
from tests.factories import AccountContactFactory, AccountFactory, InvitationFactory, MembershipFactory

pytestmark = pytest.mark.django_db

TENANT_MODELS = [m for m in apps.get_models() if issubclass(m, TenantModel)]


@celery_app.task
def names_in_scope(partner_id=None):
    """A task like any of the app's: what it reads of the customer accounts."""
    return sorted(Account.objects.values_list("name", flat=True))


@pytest.fixture
def two(partner, other_partner):
    mine = AccountFactory(partner=partner, name="Mine")
    theirs = AccountFactory(partner=other_partner, name="Theirs")
    AccountContactFactory(account=mine, name="Mine's contact")
    AccountContactFactory(account=theirs, name="Their contact")
    return mine, theirs


def test_the_sweep_sees_every_partner_owned_model():
    names = {m._meta.label for m in TENANT_MODELS}
    assert {"accounts.Account", "finance.Accrual", "finance.LedgerEntry", "referral.ReferralLink"} <= names
    assert len(TENANT_MODELS) >= 25


@pytest.mark.parametrize("model", TENANT_MODELS, ids=lambda m: m._meta.label)
def test_every_partner_owned_query_outside_a_scope_raises(model):
    with scope():  # a scope with no partner: what a task or a command that forgot its scope has
        queries = [
            lambda: list(model.objects.all()),
            lambda: model.objects.count(),
            lambda: model.objects.exists(),
            lambda: model.objects.first(),
            lambda: list(model.objects.all()[:3]),
            lambda: model.objects.filter(pk=1).update(pk=1),
            lambda: model.objects.filter(pk=0).delete(),
            lambda: model.objects.aggregate(n=Count("pk")),
            lambda: list(model.objects.values_list("pk", flat=True).iterator()),
        ]
        for query in queries:
            with pytest.raises(ScopeError, match="partner-owned"):
                query()


def test_inside_a_scope_a_query_reads_only_that_partners_rows(two, partner, other_partner):
    mine, theirs = two
    with scope(partner=partner.pk):
        assert list(Account.objects.all()) == [mine]
        assert Account.objects.count() == 1 and not Account.objects.filter(pk=theirs.pk).exists()
        assert [c.name for c in AccountContact.objects.all()] == ["Mine's contact"]  # through its account
        assert Account.objects.filter(pk=theirs.pk).update(name="Taken") == 0
    with scope(partner=other_partner.pk):
        assert list(Account.objects.all()) == [theirs]
    theirs.refresh_from_db()
    assert theirs.name == "Theirs"


def test_a_queryset_built_outside_any_scope_takes_the_scope_it_runs_in(two, partner, other_partner):
    """A view's or a form field's class-level queryset is built at import, before any request."""
    with scope():
        declared = Account.objects.select_related("partner").order_by("name")
    with scope(partner=partner.pk):
        assert [a.name for a in declared.all()] == ["Mine"]
    with scope(partner=other_partner.pk):
        assert [a.name for a in declared.all()] == ["Theirs"]
        in_subquery = AccountContact.objects.filter(account__in=declared.all())
        assert [c.name for c in in_subquery] == ["Their contact"]


def test_scopes_disabled_reads_every_partner_on_purpose(two):
    with scope(), scopes_disabled():
        assert Account.objects.count() == 2


def test_a_request_runs_in_its_partners_scope_and_a_csv_written_after_the_view_too(two, member, client_for):
    client = client_for(member())
    page = client.get(reverse("accounts:list"))
    assert [row.record.name for row in page.context["table"].rows] == ["Mine"]
    export = client.get(reverse("accounts:list"), {"export": "csv"})
    with scope():  # the server sends the file after the view has returned: no scope around it
        lines = b"".join(export.streaming_content).decode().strip().splitlines()
    assert len(lines) == 2 and "Mine" in lines[1]


def test_a_task_runs_in_the_scope_of_its_partner_id_and_fails_loudly_without_one(two, partner):
    with scope():
        assert names_in_scope.apply(kwargs={"partner_id": partner.pk}).get() == ["Mine"]
        with pytest.raises(ScopeError):
            names_in_scope.apply().get()


def test_a_task_about_one_row_runs_in_that_rows_partner(partner, other_partner, mailoutbox):
    """scope_from: the invitation's partner, whatever the worker's context."""
    from access.tasks import send_access_invitation

    inviter = MembershipFactory(partner=other_partner).user
    invitation = InvitationFactory(partner=other_partner, invited_by=inviter, nonce="n1")
    with scope(partner=partner.pk):  # even inside another partner's scope
        send_access_invitation.apply(args=(invitation.pk,)).get()
    assert [m.to for m in mailoutbox] == [[invitation.email]]
