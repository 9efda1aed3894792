"""Presale requests, comments and attachments: checked by content, stored only when all pass, served only
to the partner's users."""

import io
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from portal.permissions import Role
from tests.factories import AccountFactory, AttachmentFactory, RegistrationFactory
from tools.models import Attachment, Comment, PresaleRequest

pytestmark = pytest.mark.django_db


def office(kind: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr(f"{'word/document' if kind == 'docx' else 'xl/workbook'}.xml", "<x/>")
    return buffer.getvalue()


GOOD = [
    ("offer.pdf", b"%PDF-1.7 ..."),
    ("diagram.png", b"\x89PNG\r\n\x1a\n...."),
    ("photo.jpg", b"\xff\xd8\xff\xe0...."),
    ("plan.docx", office("docx")),
    ("budget.xlsx", office("xlsx")),
]
BAD = [
    ("virus.pdf", b"MZ\x90\x00 an executable named like a PDF"),
    ("archive.docx", b"PK\x03\x04 not really a document"),
    ("sheet.docx", office("xlsx")),  # a spreadsheet posing as a document
    ("script.html", b"<script>alert(1)</script>"),
    ("noextension", b"%PDF-1.7"),
]


def upload(name, data):
    return SimpleUploadedFile(name, data)


@pytest.fixture
def registration(partner):
    return RegistrationFactory(account=AccountFactory(partner=partner))


@pytest.mark.parametrize(("name", "data"), GOOD, ids=[g[0] for g in GOOD])
def test_allowed_files_are_stored_and_served_to_the_partner(registration, member, client_for, name, data):
    client = client_for(member())
    response = client.post(
        reverse("tools:registration_attach", args=[registration.pk]), {"files": [upload(name, data)]}
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert (attachment.name, attachment.size, attachment.partner_id) == (
        name,
        len(data),
        registration.partner_id,
    )
    download = client.get(reverse("tools:attachment", args=[attachment.pk]))
    assert b"".join(download.streaming_content) == data
    assert f'filename="{name}"' in download["Content-Disposition"]


@pytest.mark.parametrize(("name", "data"), BAD, ids=[b[0] for b in BAD])
def test_anything_else_is_refused_and_nothing_is_stored(
    registration, member, client_for, name, data, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client = client_for(member())
    files = [upload("fine.pdf", b"%PDF-1.7 ok"), upload(name, data)]
    response = client.post(
        reverse("tools:registration_attach", args=[registration.pk]), {"files": files}, follow=True
    )
    assert (
        f"“{name}” is not an allowed file. Attach PDF, DOCX, XLSX, PNG or JPG files."
        in response.content.decode()
    )
    assert not Attachment.objects.exists()
    assert not any(p.is_file() for p in tmp_path.rglob("*"))  # not even the good file


def test_a_file_over_the_limit_is_refused(registration, member, client_for, settings):
    settings.TOOLS_ATTACHMENT_MAX_BYTES = 1024 * 1024
    big = upload("big.pdf", b"%PDF-" + b"0" * (1024 * 1024))
    response = client_for(member()).post(
        reverse("tools:registration_attach", args=[registration.pk]), {"files": [big]}, follow=True
    )
    assert "“big.pdf” is larger than 1 MB." in response.content.decode()
    assert not Attachment.objects.exists()


def test_files_are_not_served_to_other_partners_or_anonymous_users(
    registration, client, other_partner, client_for
):
    from tests.factories import MembershipFactory

    attachment = AttachmentFactory(registration=registration)
    url = reverse("tools:attachment", args=[attachment.pk])
    assert client_for(MembershipFactory(partner=other_partner)).get(url).status_code == 404
    assert client.get(url).status_code == 302  # to the login page
    assert (
        attachment.file.url
        not in client_for(MembershipFactory(partner=registration.partner))
        .get(reverse("tools:registration_detail", args=[registration.pk]))
        .content.decode()
    )


def test_a_presale_request_gets_its_answer_target_and_shows_in_the_list(partner, member, client_for):
    client = client_for(member(Role.EDITOR))
    account = AccountFactory(partner=partner)
    response = client.post(
        reverse("tools:presale_create"),
        {
            "account": account.pk,
            "services": "Managed Kubernetes",
            "expected_monthly": "50000",
            "currency": "RUB",
            "description": "Move the shop",
            "contact_name": "Anna",
            "contact_email": "anna@gamma.example",
            "attachments": [upload("brief.pdf", b"%PDF-1.7")],
        },
    )
    request = PresaleRequest.objects.get()
    assert response["Location"] == request.get_absolute_url()
    assert request.answer_due > request.created_at and request.expected_monthly == Decimal("50000.00")
    assert request.attachment_set.count() == 1
    rows = client.get(reverse("tools:presale_list")).context["table"].rows
    assert [r.record.pk for r in rows] == [request.pk]


def test_an_archived_account_is_not_offered_for_a_presale_request_and_is_refused(partner, member, client_for):
    client = client_for(member(Role.EDITOR))
    archived = AccountFactory(partner=partner, name="Archived customer", archived_at=timezone.now())
    page = client.get(reverse("tools:presale_create")).content.decode()
    assert "current=1" in page  # the account search offers current customers only
    response = client.post(
        reverse("tools:presale_create"),
        {
            "account": archived.pk,
            "services": "Managed Kubernetes",
            "expected_monthly": "50000",
            "currency": "RUB",
            "description": "Move the shop",
            "contact_name": "Anna",
            "contact_email": "anna@gamma.example",
        },
    )
    assert response.status_code == 200 and "account" in response.context["form"].errors
    assert not PresaleRequest.objects.exists()


def test_comments_from_both_sides_show_on_the_page(registration, member, client_for):
    from tools import services

    client = client_for(member())
    client.post(reverse("tools:registration_comment", args=[registration.pk]), {"text": "Any news?"})
    services.comment_add(parent=registration, author=None, text="Reviewing this week.", by_provider=True)
    page = client.get(reverse("tools:registration_detail", args=[registration.pk])).content.decode()
    assert "Any news?" in page and "Reviewing this week." in page
    assert list(Comment.objects.values_list("by_provider", flat=True)) == [False, True]


def test_viewers_read_but_cannot_write(registration, member, client_for):
    client = client_for(member(Role.VIEWER))
    assert client.get(reverse("tools:registration_detail", args=[registration.pk])).status_code == 200
    assert (
        client.post(reverse("tools:registration_comment", args=[registration.pk]), {"text": "x"}).status_code
        == 403
    )
    assert not Comment.objects.exists()


def test_catalogue_files_are_served_to_every_role_but_not_anonymously(member, client_for, client):
    from tests.factories import ResourceFactory

    resource = ResourceFactory(url="")
    url = reverse("tools:resource_file", args=[resource.pk])
    assert b"".join(client_for(member(Role.VIEWER)).get(url).streaming_content) == b"%PDF-1.4 kit"
    assert client.get(url).status_code == 302


def test_a_presale_status_change_in_admin_emails_the_partner(
    partner, member, admin_client, django_capture_on_commit_callbacks, celery_eager
):
    from django.core import mail

    from tests.factories import PresaleRequestFactory

    admin = member(Role.ADMINISTRATOR)
    request = PresaleRequestFactory(account=AccountFactory(partner=partner))
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("admin:tools_presalerequest_changelist"),
            {"action": "take", "_selected_action": [request.pk]},
        )
    request.refresh_from_db()
    assert request.status == "in_progress"
    assert [m.to for m in mail.outbox] == [[admin.user.email]] and "In progress" in mail.outbox[0].subject


def test_a_presale_status_moves_only_as_its_state_machine_allows(
    partner, admin_client, django_capture_on_commit_callbacks, celery_eager
):
    """An answered request cannot be taken into work again, and the change form cannot set a status."""
    from django.core import mail

    from tests.factories import PresaleRequestFactory

    request = PresaleRequestFactory(account=AccountFactory(partner=partner), status="answered")
    with django_capture_on_commit_callbacks(execute=True):
        refused = admin_client.post(
            reverse("admin:tools_presalerequest_changelist"),
            {"action": "take", "_selected_action": [request.pk]},
            follow=True,
        )
        admin_client.post(
            reverse("admin:tools_presalerequest_change", args=[request.pk]),
            {
                "status": "submitted",
                "comment_set-TOTAL_FORMS": "0",
                "comment_set-INITIAL_FORMS": "0",
                "attachment_set-TOTAL_FORMS": "0",
                "attachment_set-INITIAL_FORMS": "0",
            },
        )
    assert "is not possible for a presale request that is Answered" in refused.content.decode()
    request.refresh_from_db()
    assert request.status == "answered" and mail.outbox == []


def test_a_provider_comment_added_in_admin_reaches_the_partner_page(
    registration, admin_client, member, client_for
):
    response = admin_client.post(
        reverse("admin:tools_registration_change", args=[registration.pk]),
        {
            "events-TOTAL_FORMS": "0",
            "events-INITIAL_FORMS": "0",
            "comment_set-TOTAL_FORMS": "1",
            "comment_set-INITIAL_FORMS": "0",
            "comment_set-0-text": "Please attach the signed NDA.",
            "attachment_set-TOTAL_FORMS": "0",
            "attachment_set-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert comment.by_provider and comment.partner_id == registration.partner_id
    page = (
        client_for(member())
        .get(reverse("tools:registration_detail", args=[registration.pk]))
        .content.decode()
    )
    assert "Please attach the signed NDA." in page and "Provider" in page


def attach(client, registration, files):
    return client.post(
        reverse("tools:registration_attach", args=[registration.pk]), {"files": files}, follow=True
    )


def test_too_many_files_at_once_are_refused_and_none_stored(registration, member, client_for, settings):
    files = [
        upload(f"offer-{n}.pdf", b"%PDF-1.7 ...") for n in range(settings.TOOLS_ATTACHMENT_MAX_FILES + 1)
    ]
    page = attach(client_for(member()), registration, files).content.decode()
    assert f"Attach at most {settings.TOOLS_ATTACHMENT_MAX_FILES} files at a time." in page
    assert not Attachment.objects.exists()


def test_files_over_the_total_size_are_refused(registration, member, client_for, settings):
    settings.TOOLS_ATTACHMENT_MAX_TOTAL_BYTES = 1024 * 1024
    files = [upload(f"part-{n}.pdf", b"%PDF-" + b"0" * (600 * 1024)) for n in range(2)]
    page = attach(client_for(member()), registration, files).content.decode()
    assert "Together the files are larger than 1 MB." in page
    assert not Attachment.objects.exists()


def test_an_office_file_that_unpacks_to_more_than_the_limit_is_refused(
    registration, member, client_for, settings
):
    settings.TOOLS_ATTACHMENT_MAX_UNPACKED_BYTES = 1024 * 1024
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<x/>")
        z.writestr("word/media/padding.bin", b"\0" * (2 * 1024 * 1024))  # 2 MB that packs to a few KB
    bomb = upload("plan.docx", buffer.getvalue())
    assert bomb.size < 64 * 1024
    page = attach(client_for(member()), registration, [bomb]).content.decode()
    assert "“plan.docx” unpacks to more than 1 MB." in page
    assert not Attachment.objects.exists()
