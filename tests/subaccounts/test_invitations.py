"""Invitations: created, emailed through Celery, accepted once, and refused when expired, forged or spent."""

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from portal.permissions import Role
from subaccounts import services
from subaccounts.models import Subaccount, SubaccountEvent
from tests.factories import AccountFactory, SubaccountFactory

S = Subaccount.Status
NOW = datetime.datetime(2026, 11, 2, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture
def eager_celery(celery_eager):
    """Tasks inline here; one test elsewhere goes through the real worker."""


def link_in(message) -> str:
    return re.search(r"https?://\S+/subaccounts/invitation/\S+/", message.body).group(0)


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


@pytest.fixture
def invited(db, partner, member, eager_celery, django_capture_on_commit_callbacks):
    admin = member(Role.ADMINISTRATOR)
    account = AccountFactory(partner=partner, name="Gamma Retail")
    with django_capture_on_commit_callbacks(execute=True):
        sub = services.subaccount_create(
            account=account, name="Gamma prod", customer_email="cfo@gamma.example", created_by=admin.user
        )
    return sub, admin


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_creating_a_subaccount_emails_the_customer_a_link(invited):
    sub, _ = invited
    assert sub.status == S.ACCEPTANCE_REQUIRED
    assert [m.to for m in mail.outbox] == [["cfo@gamma.example"]]
    body = mail.outbox[0].body
    assert "Alpha Integrator invites Gamma Retail" in body
    assert "receives the invoices for the paid resources" in body
    assert "7 days" in body
    event = SubaccountEvent.objects.get(subaccount=sub)
    assert (event.from_status, event.to_status) == ("", S.ACCEPTANCE_REQUIRED)


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_accepting_activates_notifies_the_partner_and_spends_the_link(
    invited, client, django_capture_on_commit_callbacks
):
    sub, admin = invited
    path = path_of(link_in(mail.outbox[0]))
    page = client.get(path)
    assert page.status_code == 200
    assert "Alpha Integrator" in page.content.decode() and "Gamma Retail" in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(path, {"answer": "accept"})
    assert "Invitation accepted" in done.content.decode()
    sub.refresh_from_db()
    assert sub.status == S.ACTIVE
    assert admin.user.email in mail.outbox[-1].to and "accepted" in mail.outbox[-1].subject
    assert SubaccountEvent.objects.filter(subaccount=sub, to_status=S.ACTIVE, actor=None).exists()

    again = client.post(path, {"answer": "decline"})
    assert again.status_code == 410
    assert "already been answered" in again.content.decode()
    sub.refresh_from_db()
    assert sub.status == S.ACTIVE


@pytest.mark.django_db
def test_an_expired_link_says_so_and_changes_nothing(invited, client):
    sub, _ = invited
    path = path_of(link_in(mail.outbox[0]))
    with time_machine.travel(datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(days=7, seconds=5)):
        response = client.post(path, {"answer": "accept"})
    assert response.status_code == 410
    assert "This invitation link has expired." in response.content.decode()
    sub.refresh_from_db()
    assert sub.status == S.ACCEPTANCE_REQUIRED


@pytest.mark.django_db
def test_a_link_is_still_good_just_before_it_expires(invited, client):
    path = path_of(link_in(mail.outbox[0]))
    with time_machine.travel(datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(days=6, hours=23)):
        assert client.get(path).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("forge", [lambda t: t[:-2] + ("AA" if t[-2:] != "AA" else "BB"), lambda t: "x" + t])
def test_a_tampered_link_says_so_and_changes_nothing(invited, client, forge):
    sub, _ = invited
    token = link_in(mail.outbox[0]).rstrip("/").rsplit("/", 1)[1]
    response = client.post(reverse("subaccounts:invitation", args=[forge(token)]), {"answer": "accept"})
    assert response.status_code == 410
    assert "This invitation link is not valid." in response.content.decode()
    sub.refresh_from_db()
    assert sub.status == S.ACCEPTANCE_REQUIRED


@pytest.mark.django_db
def test_a_token_for_another_subaccount_cannot_be_made_without_the_key(invited, client):
    from django.core import signing

    other = SubaccountFactory(status=S.ACCEPTANCE_REQUIRED, invitation_nonce="known")
    forged = signing.dumps({"s": other.pk, "n": "known"}, salt="not-the-salt")
    assert (
        client.post(reverse("subaccounts:invitation", args=[forged]), {"answer": "accept"}).status_code == 410
    )
    other.refresh_from_db()
    assert other.status == S.ACCEPTANCE_REQUIRED


@pytest.mark.django_db
def test_resending_replaces_the_link(invited, client, django_capture_on_commit_callbacks):
    sub, admin = invited
    old = path_of(link_in(mail.outbox[0]))
    with django_capture_on_commit_callbacks(execute=True):
        client.force_login(admin.user)
        client.post(reverse("subaccounts:resend", args=[sub.pk]))
        client.logout()
    assert len(mail.outbox) == 2
    new = path_of(link_in(mail.outbox[1]))
    assert new != old
    replaced = client.get(old)  # the customer opens the first email: told a newer link exists, not "answered"
    assert replaced.status_code == 410
    assert "A newer invitation link was sent" in replaced.content.decode()
    assert "already been answered" not in replaced.content.decode()
    assert client.get(new).status_code == 200
    resent = SubaccountEvent.objects.filter(subaccount=sub).first()  # newest first
    assert (resent.actor, resent.from_status, resent.to_status) == (admin.user, *[S.ACCEPTANCE_REQUIRED] * 2)
    assert resent.reason.startswith("Invitation resent") and resent.recipient == "cfo@gamma.example"


@pytest.mark.django_db
def test_cancelling_withdraws_the_link(invited, client):
    sub, admin = invited
    path = path_of(link_in(mail.outbox[0]))
    client.force_login(admin.user)
    client.post(reverse("subaccounts:cancel", args=[sub.pk]), {"reason": "wrong customer"})
    client.logout()
    sub.refresh_from_db()
    assert sub.status == S.INACTIVE
    assert client.post(path, {"answer": "accept"}).status_code == 410
    sub.refresh_from_db()
    assert sub.status == S.INACTIVE


@pytest.mark.django_db
def test_the_customer_may_decline(invited, client, django_capture_on_commit_callbacks):
    sub, admin = invited
    with django_capture_on_commit_callbacks(execute=True):
        client.post(path_of(link_in(mail.outbox[0])), {"answer": "decline"})
    sub.refresh_from_db()
    assert sub.status == S.INACTIVE
    assert "declined" in mail.outbox[-1].subject


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_the_invitation_email_goes_through_the_real_worker(celery_worker_over_redis, partner, member):
    import time

    admin = member(Role.ADMINISTRATOR)
    account = AccountFactory(partner=partner, name="Delta Bank")
    services.subaccount_create(
        account=account, name="Delta", customer_email="it@delta.example", created_by=admin.user
    )
    for _ in range(100):  # the worker thread sends it after the commit
        if mail.outbox:
            break
        time.sleep(0.1)
    assert [m.to for m in mail.outbox] == [["it@delta.example"]]


@pytest.mark.django_db
def test_the_partner_can_copy_the_current_link_from_the_details_page(invited, client):
    sub, admin = invited
    client.force_login(admin.user)
    page = client.get(reverse("subaccounts:detail", args=[sub.pk])).content.decode()
    assert link_in(mail.outbox[0]) in page


@pytest.mark.django_db
def test_showing_the_link_later_does_not_extend_it(invited, client):
    sub, admin = invited
    client.force_login(admin.user)
    sent = datetime.datetime.now(tz=datetime.UTC)
    with time_machine.travel(sent + datetime.timedelta(days=5)):
        page = client.get(reverse("subaccounts:detail", args=[sub.pk])).content.decode()
        shown = re.search(r"https?://\S+/subaccounts/invitation/[^\s\"<]+/", page).group(0)
    assert shown == link_in(mail.outbox[0])
    with time_machine.travel(sent + datetime.timedelta(days=7, seconds=5)):
        response = client.get(path_of(shown))
    assert response.status_code == 410
    assert "This invitation link has expired." in response.content.decode()


@pytest.mark.django_db
def test_a_removed_administrator_is_not_told(invited, client, member, django_capture_on_commit_callbacks):
    from django.utils import timezone

    sub, admin = invited
    gone = member(Role.ADMINISTRATOR)
    gone.removed_at = timezone.now()
    gone.save()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(path_of(link_in(mail.outbox[0])), {"answer": "accept"})
    assert mail.outbox[-1].to == [admin.user.email]


@pytest.mark.django_db(transaction=True)
def test_six_simultaneous_answers_on_one_link_accept_once_and_none_fails(partner, member, celery_eager):
    import threading

    from django.db import connection
    from django.test import Client

    admin = member(Role.ADMINISTRATOR)
    sub = services.subaccount_create(
        account=AccountFactory(partner=partner),
        name="Gamma prod",
        customer_email="cfo@gamma.example",
        created_by=admin.user,
    )
    path = path_of(services.invitation_url(sub))
    barrier, statuses = threading.Barrier(6), []

    def answer():
        try:
            barrier.wait()
            client = Client(raise_request_exception=False)
            statuses.append(client.post(path, {"answer": "accept"}).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=answer) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 410, 410, 410, 410, 410]  # one accepts, the others hear it is done
    assert SubaccountEvent.objects.filter(subaccount=sub, to_status=S.ACTIVE).count() == 1
