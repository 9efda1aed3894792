"""A broker that does not answer (issue 12, item 5): an action is done whole or says plainly it will be.

The broker here is real and really unreachable — a port nothing listens on, or a socket that takes the
connection and never says a word — not a mock. The action must answer at once, keep its rows and leave its
task in the outbox; once the broker is back, the sweep sends it and a real worker runs it, once.
"""

import io
import socket
import threading
import time
from dataclasses import dataclass

import pytest
from celery.contrib.testing.tasks import ping
from django.contrib.messages import get_messages
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from access.models import Invitation
from config.celery import app as celery_app
from finance.models import ConsumptionImport, Report
from portal import outbox
from portal.permissions import Role
from subaccounts.models import Subaccount
from tests.factories import (
    AccountFactory,
    InvitationFactory,
    ReferralLinkFactory,
    SubaccountFactory,
    UserFactory,
)
from tests.waiting import wait_for

QUICK = 5  # seconds: a functional bound (the publish gives up after about one), not a benchmark


@pytest.fixture
def refused_broker():
    """A Redis URL on a port nothing listens on: every connection is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


@pytest.fixture
def silent_broker():
    """A Redis URL on a socket that accepts connections and never answers: the broker that hangs."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"


def broker_down(url: str):
    """Tasks are published to ``url`` until the returned callable brings the real broker back."""
    celery_app.conf.broker_write_url = url

    def back():
        celery_app.conf.broker_write_url = None

    return back


@pytest.fixture
def dead_broker(refused_broker):
    back = broker_down(refused_broker)
    yield back
    back()


@dataclass
class World:
    client: Client
    account: object
    subaccount: Subaccount
    invitation: Invitation


@pytest.fixture
def world(partner, member):
    admin = member(Role.ADMINISTRATOR)
    client = Client()
    client.force_login(admin.user)
    account = AccountFactory(partner=partner, name="Gamma Retail")
    return World(
        client=client,
        account=account,
        subaccount=SubaccountFactory(
            account=account,
            customer_email="ops@gamma.example",
            status=Subaccount.Status.ACCEPTANCE_REQUIRED,
            invitation_nonce="old-link",
        ),
        invitation=InvitationFactory(
            partner=partner, email="old@alpha.example", invited_by=admin.user, nonce="old-link"
        ),
    )


def create_subaccount(w: World):
    url = reverse("subaccounts:create", args=[w.account.pk])
    return w.client.post(url, {"name": "Gamma prod", "customer_email": "cfo@gamma.example"})


def resend_subaccount_invitation(w: World):
    return w.client.post(reverse("subaccounts:resend", args=[w.subaccount.pk]))


def invite_user(w: World):
    return w.client.post(reverse("access:invite"), {"email": "new@alpha.example", "role": Role.VIEWER})


def resend_user_invitation(w: World):
    return w.client.post(reverse("access:invitation_resend", args=[w.invitation.pk]))


def request_statement(w: World):
    return w.client.post(reverse("finance:statement_request") + "?month=2026-10")


def request_commission_report(w: World):
    return w.client.post(
        reverse("finance:commission_report_request"), {"start": "2026-01-01", "finish": "2026-10-31"}
    )


def upload_import(w: World):
    admin = Client()
    admin.force_login(UserFactory(is_staff=True, is_superuser=True))
    upload = SimpleUploadedFile("billing.csv", b"billing_account_id,date\n", content_type="text/csv")
    return admin.post("/admin/finance/consumptionimport/add/", {"kind": "consumption", "file": upload})


# (the action, the task it leaves waiting, what it committed, what the page says)
ACTIONS = [
    (
        create_subaccount,
        "subaccounts.tasks.send_subaccount_invitation",
        lambda w: Subaccount.objects.get(name="Gamma prod").status == Subaccount.Status.ACCEPTANCE_REQUIRED,
        "A link to accept it will be emailed to cfo@gamma.example shortly.",
    ),
    (
        resend_subaccount_invitation,
        "subaccounts.tasks.send_subaccount_invitation",
        lambda w: Subaccount.objects.get(pk=w.subaccount.pk).invitation_nonce not in ("", "old-link"),
        "A new invitation will be emailed to ops@gamma.example shortly",
    ),
    (
        invite_user,
        "access.tasks.send_access_invitation",
        lambda w: Invitation.objects.filter(email="new@alpha.example", status="pending").exists(),
        "The invitation to new@alpha.example will be sent shortly.",
    ),
    (
        resend_user_invitation,
        "access.tasks.send_access_invitation",
        lambda w: Invitation.objects.get(pk=w.invitation.pk).nonce not in ("", "old-link"),
        "A new invitation to old@alpha.example will be sent shortly",
    ),
    (
        request_statement,
        "finance.tasks.generate_statement",
        lambda w: Report.objects.filter(kind=Report.Kind.STATEMENT, status="pending").exists(),
        "The statement for October 2026 is being prepared.",
    ),
    (
        request_commission_report,
        "finance.tasks.generate_commission_report",
        lambda w: Report.objects.filter(kind=Report.Kind.COMMISSION, status="pending").exists(),
        "is being prepared; it appears below when it is ready.",
    ),
    (
        upload_import,
        "finance.tasks.import_consumption_file",
        lambda w: ConsumptionImport.objects.filter(status=ConsumptionImport.Status.QUEUED).exists(),
        "was added successfully",  # the list shows it "Queued" until a worker takes it
    ),
]


def timed(action, *args):
    started = time.monotonic()
    result = action(*args)
    return result, time.monotonic() - started


def waiting(task: str) -> list:
    from portal.models import OutboxMessage

    return list(OutboxMessage.objects.filter(task=task, sent_at__isnull=True))


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("action", "task", "committed", "said"), ACTIONS, ids=[a[0].__name__ for a in ACTIONS]
)
def test_with_the_broker_down_an_action_answers_at_once_and_its_task_waits(
    world, dead_broker, action, task, committed, said
):
    response, seconds = timed(action, world)
    assert response.status_code == 302, response.content[:500]
    assert seconds < QUICK
    assert committed(world)
    assert len(waiting(task)) == 1
    assert any(said in str(m) for m in get_messages(response.wsgi_request))


@pytest.mark.django_db(transaction=True)
def test_many_tasks_of_one_action_wait_for_one_timeout_not_one_each(world, partner, silent_broker):
    link = ReferralLinkFactory(partner=partner, name="Webinar")
    emails = " ".join(f"cto{n}@acme{n}.example" for n in range(10))
    back = broker_down(silent_broker)
    try:
        response, seconds = timed(
            world.client.post, reverse("referral:link_send", args=[link.pk]), {"emails": emails}
        )
    finally:
        back()
    assert response.status_code == 302 and seconds < QUICK
    assert len(waiting("finance.tasks.send_referral_invitation")) == 10
    assert any("10 invitation(s) will be sent shortly" in str(m) for m in get_messages(response.wsgi_request))


@pytest.mark.django_db(transaction=True)
def test_a_broker_that_takes_the_connection_and_never_answers_does_not_hold_the_page(world, silent_broker):
    back = broker_down(silent_broker)
    try:
        response, seconds = timed(create_subaccount, world)
    finally:
        back()
    assert response.status_code == 302 and seconds < QUICK
    assert Subaccount.objects.filter(name="Gamma prod").exists()
    assert len(waiting("subaccounts.tasks.send_subaccount_invitation")) == 1


def the_worker_is_idle():
    """Everything queued before this point has run (the test worker takes one message at a time)."""
    ping.delay().get(timeout=30)


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("action", "task", "recipient"),
    [
        (create_subaccount, "subaccounts.tasks.send_subaccount_invitation", "cfo@gamma.example"),
        (resend_user_invitation, "access.tasks.send_access_invitation", "old@alpha.example"),
    ],
    ids=["create_subaccount", "resend_user_invitation"],
)
def test_once_the_broker_is_back_the_sweep_sends_what_waited_and_the_email_goes_out_once(
    world, refused_broker, celery_worker_over_redis, action, task, recipient
):
    back = broker_down(refused_broker)
    try:
        response = action(world)
    finally:
        back()
    assert response.status_code == 302
    [message] = waiting(task)
    assert message.attempts == 1 and "refused" in message.last_error  # an operator sees why it waits
    the_worker_is_idle()
    assert mail.outbox == []  # nothing was sent while the broker was away

    call_command("send_outbox")  # what the beat's sweep does every minute

    assert wait_for(lambda: len(mail.outbox) == 1), "the waiting task never ran"
    assert mail.outbox[0].to == [recipient]
    message.refresh_from_db()
    assert message.sent_at is not None
    # the first publish made it but its "sent" mark was lost: the sweep sends it again; it runs once
    type(message).objects.filter(pk=message.pk).update(sent_at=None)
    call_command("send_outbox")
    the_worker_is_idle()
    assert len(mail.outbox) == 1


def a_waiting_invitation(world):
    from portal.models import OutboxMessage

    return OutboxMessage.objects.create(
        task="subaccounts.tasks.send_subaccount_invitation", args=[world.subaccount.pk]
    )


@pytest.mark.django_db(transaction=True)
def test_the_command_says_when_the_broker_does_not_answer_and_sends_once_it_does(world, refused_broker):
    message = a_waiting_invitation(world)
    back = broker_down(refused_broker)
    try:
        with pytest.raises(CommandError, match="The broker did not answer: OperationalError"):
            call_command("send_outbox")
    finally:
        back()
    message.refresh_from_db()
    assert (message.sent_at, message.attempts) == (None, 1)

    out = io.StringIO()
    call_command("send_outbox", stdout=out)
    assert out.getvalue() == "Sent 1 message(s); 0 still waiting.\n"
    message.refresh_from_db()
    assert message.sent_at is not None and message.last_error == ""


@pytest.mark.django_db(transaction=True)
def test_a_message_another_sender_holds_is_not_sent_twice(world):
    message = a_waiting_invitation(world)
    held, release, outcome = threading.Event(), threading.Event(), {}

    def another_sender():  # a sweep in the middle of sending this message
        try:
            with transaction.atomic():
                type(message).objects.select_for_update().get(pk=message.pk)
                held.set()
                release.wait(10)
        finally:
            connection.close()

    def sweep():
        try:
            outcome["sent"] = outbox.send_waiting().count
        finally:
            connection.close()

    holder = threading.Thread(target=another_sender)
    holder.start()
    assert held.wait(10)
    sweeper = threading.Thread(target=sweep)
    sweeper.start()
    sweeper.join(10)
    release.set()
    holder.join(10)
    assert outcome == {"sent": 0}  # skipped, not waited for
    assert outbox.send_waiting().count == 1
