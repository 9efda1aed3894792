"""Sending a referral link by email: each address gets one invitation from the partner with the link, the
partner's note as plain text and replies going to the sender; bad addresses change nothing; a daily limit."""

import pytest
from django.core import mail
from django.urls import reverse

from access.models import AuditEvent
from portal.permissions import Role
from referral import services
from referral.models import ReferralInvitation
from referral.tasks import send_invitation
from tests.factories import ReferralLinkFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def link(partner):
    return ReferralLinkFactory(partner=partner, name="Webinar")


def send(client, link, emails, message=""):
    return client.post(reverse("referral:link_send", args=[link.pk]), {"emails": emails, "message": message})


def test_each_address_gets_the_link_from_the_partner(
    link, member, client_for, celery_eager, django_capture_on_commit_callbacks
):
    sender = member(Role.EDITOR)
    with django_capture_on_commit_callbacks(execute=True):
        response = send(
            client_for(sender),
            link,
            "cto@acme.example, CTO@acme.example\nops@globex.example",
            message="<b>Hi</b> from Irina",
        )
    assert response.status_code == 302
    assert sorted(m.to[0] for m in mail.outbox) == ["cto@acme.example", "ops@globex.example"]
    email = mail.outbox[0]
    assert email.subject == f"{link.partner.name} invites you to the cloud"
    assert link.public_url in email.body and "<b>Hi</b> from Irina" in email.body  # plain text, as typed
    assert email.reply_to == [sender.user.email]
    assert all(i.sent_at for i in ReferralInvitation.objects.all())
    assert AuditEvent.objects.get(action="referral.link_sent").details == {"recipients": 2}
    # a retry of a task that already sent sends nothing more
    assert send_invitation(ReferralInvitation.objects.first().pk) is False
    assert len(mail.outbox) == 2


def test_a_bad_address_sends_nothing(link, member, client_for, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = send(client_for(member()), link, "cto@acme.example, not-an-address")
    assert response.status_code == 200
    assert "Not an email address: not-an-address" in response.content.decode()
    assert not ReferralInvitation.objects.exists() and not mail.outbox


def test_the_daily_limit_and_a_deactivated_or_foreign_link(
    link, member, client_for, monkeypatch, other_partner
):
    monkeypatch.setattr(services, "INVITATIONS_PER_DAY", 3)
    client = client_for(member())
    send(client, link, "a@x.example, b@x.example")
    response = send(client, link, "c@x.example, d@x.example", message="")
    assert ReferralInvitation.objects.count() == 2
    assert (
        "You can send 1 more invitations today (3 a day)."
        in client.get(reverse("referral:links")).content.decode()
    )
    assert response.status_code == 302

    foreign = ReferralLinkFactory(partner=other_partner)
    assert send(client, foreign, "e@x.example").status_code == 404
    link.deactivated_at = link.created_at
    link.save()
    assert send(client, link, "e@x.example").status_code == 404
    assert ReferralInvitation.objects.count() == 2


def test_viewers_cannot_send_and_see_no_send_action(link, member, client_for):
    client = client_for(member(Role.VIEWER))
    assert "Send by email" not in client.get(reverse("referral:links")).content.decode()
    assert send(client, link, "a@x.example").status_code == 403
    editor = client_for(member(Role.EDITOR))
    assert "Send by email" in editor.get(reverse("referral:links")).content.decode()
