"""Writes of Partner tools: registrations (through the workflow), presale requests, comments, attachments."""

from __future__ import annotations

import datetime
import io
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scopes_disabled

from finance.models import Consumption
from portal import outbox
from portal.business_days import add_business_days
from portal.money import Currency, amount_text
from referral.models import ReferredCustomer
from subaccounts.models import Subaccount

from . import tasks, workflow
from .models import Attachment, Comment, PresaleRequest, ProgramSettings, Registration

R = Registration
# what a partner hears when another partner holds the customer: never who, never more
ALREADY_REGISTERED = gettext_lazy(
    "This customer is already registered in the program; the reviewer will take that into account."
)


# Eligibility ----------------------------------------------------------------------------------------------


@scopes_disabled()  # the rules are the whole cloud's: the same customer (tax id) or cloud under any partner
def eligibility_errors(registration: Registration) -> list[str]:
    """Why the program's rules refuse this registration, in words the partner can act on (empty: eligible)."""
    terms = ProgramSettings.current()
    account = registration.account
    same_customer = Q(subaccount__account__tax_id=account.tax_id)
    errors = []
    if registration.kind == R.Kind.DEAL:
        if (
            Consumption.objects.filter(same_customer).exists()
            or account.subaccounts.filter(status=Subaccount.Status.ACTIVE).exists()
        ):
            errors.append(
                _("A deal registration is for customers new to the cloud; this customer already uses it.")
            )
        if (
            Registration.objects.filter(
                partner_id=registration.partner_id,
                account__tax_id=account.tax_id,
                kind=R.Kind.DEAL,
                status=R.Status.APPROVED,
            )
            .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
            .exclude(pk=registration.pk)
            .exists()
        ):
            errors.append(_("You already hold this customer under an approved deal registration."))
        minimum = {Currency.RUB: terms.deal_min_rub, Currency.KZT: terms.deal_min_kzt}.get(
            registration.currency
        )
        if minimum is None:
            errors.append(_("Deal targets are set in RUB or KZT."))
        elif registration.expected_monthly < minimum:
            errors.append(
                _("The expected monthly consumption must be at least %(min)s.")
                % {"min": amount_text(minimum, registration.currency, places=0)}
            )
        if registration.procurement:
            if ReferredCustomer.objects.filter(account__tax_id=account.tax_id).exists():
                errors.append(
                    _("A procurement deal is refused for a customer that came through the referral program.")
                )
            if not (registration.contract_start and registration.contract_end):
                errors.append(_("A procurement deal needs the contract's start and end dates."))
            elif registration.contract_end <= registration.contract_start:
                errors.append(_("The contract ends before it starts."))
    else:
        if not account.subaccounts.filter(status=Subaccount.Status.ACTIVE).exists():
            errors.append(_("A project registration is for an existing customer with an active subaccount."))
        if not registration.project_scope:
            errors.append(_("Name the project's cloud or folder id."))
        elif (
            Consumption.objects.filter(same_customer)
            .filter(Q(cloud_id=registration.project_scope) | Q(folder_id=registration.project_scope))
            .exists()
        ):
            errors.append(
                _("The project must have no consumption yet; this cloud or folder already consumes.")
            )
    return errors


@scopes_disabled()  # the conflict check reads the other partners' registrations: only whether, never whose
def held_by_another_partner(registration: Registration) -> bool:
    """Whether another partner holds this customer (same tax id) approved and unexpired. The same query runs
    for every submission, so the answer does not show in the response time either."""
    return (
        Registration.objects.filter(
            account__tax_id=registration.account.tax_id,
            status=R.Status.APPROVED,
            expires_at__gt=timezone.now(),
        )
        .exclude(partner_id=registration.partner_id)
        .exists()
    )


# Registrations --------------------------------------------------------------------------------------------


@transaction.atomic
def registration_save(*, registration: Registration, actor) -> Registration:
    """Create or edit a draft."""
    if registration.pk and registration.status != R.Status.DRAFT:
        raise ValidationError(_("Only a draft can be edited."))
    if registration.created_by_id is None:
        registration.created_by = actor
    registration.full_clean()
    registration.save()
    return registration


@transaction.atomic
def registration_submit(*, registration: Registration, actor) -> Registration:
    """Check the program's rules and send for review (20 business days); flag a customer held elsewhere."""
    errors = eligibility_errors(registration)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    terms = ProgramSettings.current()
    return workflow.transition(
        registration,
        workflow.SUBMIT,
        actor=actor,
        submitted_at=now,
        review_due=add_business_days(now, terms.review_business_days),
        conflict=held_by_another_partner(registration),
    )


def registration_withdraw(*, registration: Registration, actor) -> Registration:
    return workflow.transition(registration, workflow.WITHDRAW, actor=actor)


def _contract_ends(registration: Registration) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(registration.contract_end, datetime.time.max))


def registration_approve(*, registration: Registration, actor) -> Registration:
    """Provider's approval: a deal (procurement or not) gets its window to create the customer's subaccount
    (60 days); a registration with a contract and no such window runs to the contract's end."""
    now = timezone.now()
    expires = None
    if registration.kind == R.Kind.DEAL:
        expires = now + datetime.timedelta(days=ProgramSettings.current().deal_subaccount_days)
    elif registration.contract_end:
        expires = _contract_ends(registration)
    return workflow.transition(registration, workflow.APPROVE, actor=actor, expires_at=expires)


def registration_reject(*, registration: Registration, actor, reason: str) -> Registration:
    return workflow.transition(registration, workflow.REJECT, actor=actor, reason=reason)


def presale_move(*, presale: PresaleRequest, action: str, actor, reason: str = "") -> PresaleRequest:
    """The provider moves a presale request on (take, answer, decline) through its state machine; the
    partner is emailed."""
    return workflow.PRESALE.apply(presale, workflow.PRESALE[action], actor=actor, reason=reason)


def registrations_expire(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """The daily beat: expire approved deals whose 60 days passed without the customer's subaccount, and
    registrations whose contract ended; warn partners beforehand. A deal whose subaccount was created in time
    is fulfilled: an ordinary one keeps running while the customer stays, a procurement one runs to its
    contract's end. Idempotent."""
    now = now or timezone.now()
    terms = ProgramSettings.current()
    expired = warned = 0
    due = Registration.objects.filter(status=R.Status.APPROVED, expires_at__lte=now)
    for registration in due.select_related("account"):
        if registration.kind == R.Kind.DEAL and _subaccount_created(registration, terms):
            runs_until = _contract_ends(registration) if registration.procurement else None
            if runs_until is None or runs_until > now:
                Registration.objects.filter(pk=registration.pk).update(expires_at=runs_until)
                continue
        workflow.transition(registration, workflow.EXPIRE, reason=_("The registration expired."))
        expired += 1
    soon = Registration.objects.filter(
        status=R.Status.APPROVED,
        expiry_warned_at__isnull=True,
        expires_at__gt=now,
        expires_at__lte=now + datetime.timedelta(days=terms.expiry_warning_days),
    )
    for registration in soon:
        # a fulfilled deal's window ends without expiring it: warn only before a contract's end
        if (
            registration.kind == R.Kind.DEAL
            and _subaccount_created(registration, terms)
            and (not registration.procurement or _contract_ends(registration) > registration.expires_at)
        ):
            continue
        with transaction.atomic():
            if Registration.objects.filter(pk=registration.pk, expiry_warned_at__isnull=True).update(
                expiry_warned_at=now
            ):
                outbox.enqueue(tasks.warn_registration_expiry, registration.pk)
                warned += 1
    return {"expired": expired, "warned": warned}


def _subaccount_created(registration: Registration, terms: ProgramSettings) -> bool:
    """Whether the customer's subaccount was created within the deal's window after approval (the same rule
    as the accrual's deal extra)."""
    window_ends = registration.decided_at + datetime.timedelta(days=terms.deal_subaccount_days)
    return registration.account.subaccounts.filter(created_at__lte=window_ends).exists()


# Presale requests -----------------------------------------------------------------------------------------


@transaction.atomic
def presale_create(*, request: PresaleRequest, actor) -> PresaleRequest:
    request.created_by = actor
    request.answer_due = add_business_days(timezone.now(), ProgramSettings.current().presale_business_days)
    request.full_clean()
    request.save()
    return request


# Comments and attachments ---------------------------------------------------------------------------------


def _parent_fields(parent) -> dict:
    key = "registration" if isinstance(parent, Registration) else "presale"
    return {key: parent, "partner_id": parent.partner_id, "account_id": parent.account_id}


@transaction.atomic
def comment_add(*, parent, author, text: str, by_provider: bool = False) -> Comment:
    if not text.strip():
        raise ValidationError({"text": _("Write a comment first.")})
    comment = Comment.objects.create(
        author=author, text=text.strip(), by_provider=by_provider, **_parent_fields(parent)
    )
    if by_provider:
        outbox.enqueue(tasks.notify_comment, comment.pk)
    return comment


ALLOWED_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def sniff(head: bytes, upload) -> str | None:
    """The file's real type from its content (never trusting the name alone), or None."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"PK\x03\x04"):
        upload.seek(0)
        try:
            entries = zipfile.ZipFile(io.BytesIO(upload.read())).infolist()
        except zipfile.BadZipFile:
            return None
        limit = settings.TOOLS_ATTACHMENT_MAX_UNPACKED_BYTES
        if sum(entry.file_size for entry in entries) > limit:  # a zip bomb posing as a document
            raise ValidationError(
                _("“%(name)s” unpacks to more than %(mb)d MB.") % {"name": upload.name, "mb": _mb(limit)}
            )
        names = [entry.filename for entry in entries]
        if "[Content_Types].xml" in names:
            if any(n.startswith("word/") for n in names):
                return "docx"
            if any(n.startswith("xl/") for n in names):
                return "xlsx"
    return None


def _mb(size: int) -> int:
    return size // (1024 * 1024)


def validate_upload(upload) -> str:
    """The content type to store, or a ValidationError naming what is wrong."""
    limit = settings.TOOLS_ATTACHMENT_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("“%(name)s” is larger than %(mb)d MB.") % {"name": upload.name, "mb": limit // (1024 * 1024)}
        )
    extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
    upload.seek(0)
    kind = sniff(upload.read(8), upload)
    upload.seek(0)
    same = kind == extension or (kind == "jpg" and extension == "jpeg")
    if extension not in ALLOWED_TYPES or kind is None or not same:
        raise ValidationError(
            _("“%(name)s” is not an allowed file. Attach PDF, DOCX, XLSX, PNG or JPG files.")
            % {"name": upload.name}
        )
    return ALLOWED_TYPES[extension]


@transaction.atomic
def attachments_add(*, parent, author, uploads) -> list[Attachment]:
    """Validate every file first (and how many, and their total); store none unless all are acceptable."""
    if len(uploads) > settings.TOOLS_ATTACHMENT_MAX_FILES:
        raise ValidationError(
            _("Attach at most %(n)d files at a time.") % {"n": settings.TOOLS_ATTACHMENT_MAX_FILES}
        )
    total = settings.TOOLS_ATTACHMENT_MAX_TOTAL_BYTES
    if sum(upload.size for upload in uploads) > total:
        raise ValidationError(_("Together the files are larger than %(mb)d MB.") % {"mb": _mb(total)})
    checked = [(upload, validate_upload(upload)) for upload in uploads]
    return [
        Attachment.objects.create(
            file=upload,
            name=upload.name[:255],
            content_type=content_type,
            size=upload.size,
            author=author,
            **_parent_fields(parent),
        )
        for upload, content_type in checked
    ]
