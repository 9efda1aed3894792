"""The notifications centre (issue 15): every event the portal emails a partner's members about is also kept
in the portal, per member, with an unread count in the header; each user chooses which kinds also come by
email (all of them until they choose)."""

import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from guardian.shortcuts import assign_perm

from access import notifications
from access.models import Notification, UserPreferences
from finance import services as finance_services
from finance.models import Report
from finance.tasks import notify_report_ready, notify_withdrawal_decided
from portal.permissions import Role
from subaccounts.models import Subaccount
from subaccounts.tasks import notify_partner_of_answer
from tests.factories import (
    AccountFactory,
    CommentFactory,
    MembershipFactory,
    NotificationFactory,
    PresaleRequestFactory,
    RegistrationFactory,
    ReportFactory,
    SubaccountFactory,
    WithdrawalFactory,
)
from tools import services as tools_services
from tools.models import Registration
from tools.tasks import (
    notify_comment,
    notify_presale_status,
    notify_registration_status,
    warn_registration_expiry,
)

pytestmark = pytest.mark.django_db
K = Notification.Kind


def kept(kind=None):
    """{user email: [params' status]} of the notifications recorded (of ``kind``)."""
    rows = Notification.objects.order_by("pk")
    if kind:
        rows = rows.filter(kind=kind)
    found = {}
    for n in rows.select_related("user"):
        found.setdefault(n.user.email, []).append(n.params.get("status", ""))
    return found


def emailed():
    return sorted(address for message in mail.outbox for address in message.to)


def email_off(membership, *kinds):
    UserPreferences.objects.update_or_create(user=membership.user, defaults={"email_off": list(kinds)})


# Each event: one notification per recipient, email only where it is wanted -------------------------------


def test_a_registration_decision_reaches_each_administrator_and_the_author_once(partner, member):
    admin, quiet, author, editor = member(), member(), member(Role.EDITOR), member(Role.EDITOR)
    email_off(quiet, K.REGISTRATION_STATUS)
    registration = RegistrationFactory(
        account=AccountFactory(partner=partner, name="Gamma Retail"),
        created_by=author.user,
        status=Registration.Status.APPROVED,
    )
    notify_registration_status(registration.pk)

    everyone = {
        admin.user.email: ["approved"],
        quiet.user.email: ["approved"],
        author.user.email: ["approved"],
    }
    assert kept() == everyone  # the other editor is neither an Administrator nor the author
    assert emailed() == sorted([admin.user.email, author.user.email])
    [n] = Notification.objects.filter(user=admin.user)
    assert n.path == registration.get_absolute_url() and n.account_id == registration.account_id
    assert n.text == "Registration for Gamma Retail approved"
    assert editor.user.email not in emailed()


def test_a_rerun_of_the_task_records_and_emails_nothing_more(partner, member):
    member()
    registration = RegistrationFactory(account=AccountFactory(partner=partner), status="approved")
    notify_registration_status(registration.pk)
    notify_registration_status(registration.pk)  # a redelivery, a retry
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1


def test_a_retry_after_the_mail_server_was_away_sends_the_email_then_once(partner, member, monkeypatch):
    member()
    registration = RegistrationFactory(account=AccountFactory(partner=partner), status="rejected")
    from django.core.mail import EmailMessage

    real_send = EmailMessage.send
    monkeypatch.setattr(EmailMessage, "send", lambda self, *a, **k: (_ for _ in ()).throw(ConnectionError()))
    with pytest.raises(ConnectionError):
        notify_registration_status(registration.pk)
    assert Notification.objects.count() == 1 and not mail.outbox  # kept in the portal already
    monkeypatch.setattr(EmailMessage, "send", real_send)
    notify_registration_status(registration.pk)  # Celery's retry
    notify_registration_status(registration.pk)
    assert Notification.objects.count() == 1 and len(mail.outbox) == 1


def test_a_restricted_administrator_hears_only_of_the_customers_they_see(partner, member):
    seeing, _blind = member(restricted=True), member(restricted=True)  # the second sees other customers
    account = AccountFactory(partner=partner)
    assign_perm("accounts.access_account", seeing.user, account)
    notify_presale_status(PresaleRequestFactory(account=account, status="answered").pk)
    assert kept(K.PRESALE_STATUS) == {seeing.user.email: ["answered"]}
    assert emailed() == [seeing.user.email]


def test_a_removed_member_hears_nothing_even_as_the_author(partner, member):
    gone = member()
    gone.removed_at = gone.created_at
    gone.save()
    registration = RegistrationFactory(account=AccountFactory(partner=partner), created_by=gone.user)
    notify_registration_status(registration.pk)
    assert not Notification.objects.exists() and not mail.outbox


def test_a_customers_answer_to_a_subaccount_invitation(partner, member):
    admin = member()
    sub = SubaccountFactory(account=AccountFactory(partner=partner, name="Gamma"), name="Gamma prod")
    Subaccount.objects.filter(pk=sub.pk).update(status=Subaccount.Status.INACTIVE)
    notify_partner_of_answer(sub.pk)
    [n] = Notification.objects.all()
    assert (n.user, n.kind, n.path) == (admin.user, K.SUBACCOUNT_ANSWERED, sub.get_absolute_url())
    assert n.text == "Gamma declined the subaccount “Gamma prod”"
    assert emailed() == [admin.user.email]


def test_an_expiry_warning_and_a_providers_comment(partner, member):
    admin = member()
    registration = RegistrationFactory(
        account=AccountFactory(partner=partner, name="Gamma"),
        status="approved",
        expires_at="2026-12-20T12:00Z",
    )
    warn_registration_expiry(registration.pk)
    notify_comment(CommentFactory(registration=registration, by_provider=True).pk)
    texts = sorted(n.text for n in Notification.objects.filter(user=admin.user))
    assert texts == [
        "New comment from the provider: Gamma",
        "Registration for Gamma expires on 20 Dec 2026",
    ]
    assert len(mail.outbox) == 2


def test_a_paid_withdrawal_reaches_the_requester_and_who_sees_the_balance(
    partner, member, celery_eager, django_capture_on_commit_callbacks
):
    requester, admin, viewer_pd = member(Role.EDITOR_PD), member(), member(Role.VIEWER_PD)
    editor, restricted = member(Role.EDITOR), member(Role.VIEWER_PD, restricted=True)
    email_off(viewer_pd, K.WITHDRAWAL)
    withdrawal = WithdrawalFactory(partner=partner, requested_by=requester.user, amount="15000.00")
    with django_capture_on_commit_callbacks(execute=True):
        finance_services.withdrawal_decide(withdrawal=withdrawal, step="approve", actor=None)
    assert not Notification.objects.exists()  # approval is the provider's step; payment is the news
    with django_capture_on_commit_callbacks(execute=True):
        finance_services.withdrawal_decide(withdrawal=withdrawal, step="pay", actor=None)

    heard = {requester.user.email: ["paid"], admin.user.email: ["paid"], viewer_pd.user.email: ["paid"]}
    assert kept(K.WITHDRAWAL) == heard  # neither the editor nor a member restricted to some customers
    assert emailed() == sorted([requester.user.email, admin.user.email])
    assert Notification.objects.filter(user=admin.user).get().text == "Withdrawal of 15,000.00 RUB paid"
    assert "15,000.00 RUB" in mail.outbox[0].subject
    assert editor.user.email not in emailed() and restricted.user.email not in emailed()


def test_a_rejected_withdrawal_says_why(partner, member):
    admin = member()
    withdrawal = WithdrawalFactory(partner=partner, status="rejected", reason="Wrong bank")
    notify_withdrawal_decided(withdrawal.pk)
    assert kept() == {admin.user.email: ["rejected"]}
    assert "Wrong bank" in mail.outbox[0].body


def test_a_ready_report_reaches_whoever_asked_for_it(
    partner, member, celery_eager, django_capture_on_commit_callbacks
):
    member()
    asker = member(Role.VIEWER_PD)
    with django_capture_on_commit_callbacks(execute=True):
        import datetime

        from finance import reports

        with django_capture_on_commit_callbacks(execute=True):
            report = reports.commission_request(
                membership=asker,
                start=datetime.date(2026, 10, 1),
                finish=datetime.date(2026, 10, 31),
                actor=asker.user,
            )
    assert Report.objects.get(pk=report.pk).status == Report.Status.DONE
    assert kept() == {asker.user.email: ["commission"]}
    assert emailed() == [asker.user.email]
    notify_report_ready(report.pk)  # again: nothing more
    assert Notification.objects.count() == 1 and len(mail.outbox) == 1
    assert Notification.objects.get().path == reverse("finance:commission")


def test_a_report_of_a_user_no_longer_a_member_tells_nobody(partner, member):
    gone = member()
    gone.removed_at = gone.created_at
    gone.save()
    notify_report_ready(ReportFactory(partner=partner, created_by=gone.user).pk)
    assert not Notification.objects.exists()


def test_emails_keep_the_recipients_language_and_the_page_the_readers(partner, member, client_for):
    russian = member()
    UserPreferences.objects.create(user=russian.user, language="ru")
    registration = RegistrationFactory(
        account=AccountFactory(partner=partner, name="Gamma"), status="approved"
    )
    notify_registration_status(registration.pk)
    assert re.search("[а-яё]", mail.outbox[0].subject.lower())
    client = client_for(russian)
    client.post(reverse("language"), {"language": "ru", "next": "/"})
    page = client.get(reverse("access:notifications")).content.decode()
    assert "Gamma" in page and re.search("[а-яё]", page.lower())
    client.post(reverse("language"), {"language": "en", "next": "/"})
    assert "Registration for Gamma approved" in client.get(reverse("access:notifications")).content.decode()


# The bell, the page, reading -------------------------------------------------------------------------------


def test_the_bell_counts_the_members_unread_in_this_partner(partner, other_partner, member, client_for):
    me = member()
    NotificationFactory(partner=partner, user=me.user)
    NotificationFactory(partner=partner, user=me.user)
    NotificationFactory(partner=partner, user=me.user, read_at="2026-11-01T10:00Z")
    NotificationFactory(partner=partner, user=member().user)  # a colleague's
    MembershipFactory(partner=other_partner, user=me.user)
    NotificationFactory(partner=other_partner, user=me.user)  # the same user, another partner
    page = client_for(me).get(reverse("dashboard")).content.decode()
    assert 'aria-label="Notifications, 2 unread"' in page


def test_the_bell_costs_one_query_and_says_99_plus_beyond(partner, member, client_for):
    me = member()
    Notification.objects.bulk_create(
        [
            Notification(partner=partner, user=me.user, kind=K.COMMENT, path="/", key=f"k{i}")
            for i in range(120)
        ]
    )
    client = client_for(me)
    client.get(reverse("access:security"))
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("access:security")).content.decode()
    assert 'aria-label="Notifications, 99+ unread"' in page
    assert sum("access_notification" in q["sql"] for q in queries.captured_queries) == 1


def test_the_list_shows_newest_first_unread_in_bold_and_filters(partner, member, client_for):
    me = member()
    old = NotificationFactory(partner=partner, user=me.user, kind=K.COMMENT, params={"customer": "Old"})
    new = NotificationFactory(partner=partner, user=me.user, read_at="2026-11-01T10:00Z")
    client = client_for(me)
    response = client.get(reverse("access:notifications"))
    assert [row.record.pk for row in response.context["table"].rows] == [new.pk, old.pk]
    page = response.content.decode()
    assert len(re.findall(r"<tr [^>]*notification--unread", page)) == 1
    assert [
        r.record.pk
        for r in client.get(reverse("access:notifications"), {"state": "unread"}).context["table"].rows
    ] == [old.pk]
    assert [
        r.record.pk
        for r in client.get(reverse("access:notifications"), {"kind": K.REGISTRATION_STATUS})
        .context["table"]
        .rows
    ] == [new.pk]


def test_an_empty_list_says_what_will_appear(member, client_for):
    page = client_for(member()).get(reverse("access:notifications")).content.decode()
    assert "No notifications yet." in page


def test_opening_one_marks_it_read_and_goes_to_its_object(partner, member, client_for):
    me = member()
    n = NotificationFactory(partner=partner, user=me.user, path="/tools/")
    client = client_for(me)
    assert client.get(n.get_absolute_url()).status_code == 200
    n.refresh_from_db()
    assert n.read_at is None  # looking is not opening
    response = client.post(n.get_absolute_url())
    assert response.status_code == 302 and response["Location"] == "/tools/"
    n.refresh_from_db()
    assert n.read_at is not None


def test_mark_all_as_read_reads_only_mine_in_this_partner(partner, other_partner, member, client_for):
    me, colleague = member(), member()
    mine = NotificationFactory(partner=partner, user=me.user)
    theirs = NotificationFactory(partner=partner, user=colleague.user)
    MembershipFactory(partner=other_partner, user=me.user)
    elsewhere = NotificationFactory(partner=other_partner, user=me.user)
    assert client_for(me).post(reverse("access:notifications_read")).status_code == 302
    assert Notification.objects.filter(read_at__isnull=False).get() == mine
    assert {theirs.pk, elsewhere.pk} == set(Notification.objects.unread().values_list("pk", flat=True))


def test_another_users_notification_answers_404(partner, member, client_for):
    me, colleague = member(), member()
    theirs = NotificationFactory(partner=partner, user=colleague.user)
    client = client_for(me)
    assert client.get(theirs.get_absolute_url()).status_code == 404
    assert client.post(theirs.get_absolute_url()).status_code == 404
    assert theirs.pk not in {
        r.record.pk for r in client.get(reverse("access:notifications")).context["table"].rows
    }


def test_a_notification_shows_only_under_its_partner(partner, other_partner, member, client_for):
    me = member()
    MembershipFactory(partner=other_partner, user=me.user)
    there = NotificationFactory(partner=other_partner, user=me.user)
    client = client_for(me)
    client.post(reverse("switch_partner"), {"partner": partner.pk})
    assert client.get(there.get_absolute_url()).status_code == 404
    client.post(reverse("switch_partner"), {"partner": other_partner.pk})
    assert client.get(there.get_absolute_url()).status_code == 200


def test_a_removed_member_sees_nothing_of_that_partner(partner, other_partner, member, client_for):
    me = member()
    MembershipFactory(partner=other_partner, user=me.user)
    old = NotificationFactory(partner=partner, user=me.user)
    me.removed_at = me.created_at
    me.save()
    client = client_for(me)
    assert client.get(old.get_absolute_url()).status_code == 404
    assert old.pk not in {
        r.record.pk for r in client.get(reverse("access:notifications")).context["table"].rows
    }


def test_a_member_restricted_later_no_longer_sees_hidden_customers_or_money(partner, member, client_for):
    me = member(restricted=True)
    hidden = NotificationFactory(partner=partner, user=me.user, account=AccountFactory(partner=partner))
    money = NotificationFactory(partner=partner, user=me.user, kind=K.WITHDRAWAL)
    report = NotificationFactory(partner=partner, user=me.user, kind=K.REPORT_READY)
    shown = {r.record.pk for r in client_for(me).get(reverse("access:notifications")).context["table"].rows}
    assert shown == {report.pk}
    assert hidden.pk not in shown and money.pk not in shown


# Preferences ---------------------------------------------------------------------------------------------


def test_email_choices_are_saved_and_shown(partner, member, client_for):
    me = member()
    client = client_for(me)
    page = client.get(reverse("access:notification_settings"))
    assert page.context["form"].initial["by_email"] == list(K.values)  # everything by email until chosen
    response = client.post(reverse("access:notification_settings"), {"by_email": [K.REPORT_READY]})
    assert response.status_code == 302
    off = UserPreferences.objects.get(user=me.user).email_off
    assert set(off) == set(K.values) - {K.REPORT_READY}
    assert client.get(reverse("access:notification_settings")).context["form"].initial["by_email"] == [
        K.REPORT_READY
    ]
    registration = RegistrationFactory(account=AccountFactory(partner=partner), status="approved")
    notify_registration_status(registration.pk)
    assert Notification.objects.filter(user=me.user).exists() and not mail.outbox


def test_an_unknown_kind_in_the_form_changes_nothing(member, client_for):
    me = member()
    response = client_for(me).post(reverse("access:notification_settings"), {"by_email": ["nonsense"]})
    assert response.status_code == 200 and response.context["form"].errors
    assert not UserPreferences.objects.filter(user=me.user).exists()


def test_a_new_string_has_its_russian():
    from django.utils import translation

    with translation.override("ru"):
        for words in notifications.TEXTS.values():
            assert re.search("[а-яё]", str(words).lower()), words


def test_tools_registration_services_still_email_as_before(
    partner, member, celery_eager, django_capture_on_commit_callbacks
):
    admin = member()
    registration = RegistrationFactory(account=AccountFactory(partner=partner), status="submitted")
    with django_capture_on_commit_callbacks(execute=True):
        tools_services.registration_reject(registration=registration, actor=None, reason="Not new")
    assert kept() == {admin.user.email: ["rejected"]}
    assert emailed() == [admin.user.email] and "Not new" in mail.outbox[0].body
