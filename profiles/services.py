"""Writes of the Partner profile. Every change is audited; payout details are personal data."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from access.audit import audit
from portal.permissions import mask_text

from .models import Partner, PayoutDetails

PROFILE_FIELDS = ("name", "legal_address", "mailing_address")
PAYOUT_FIELDS = ("bank_name", "bic", "account_number", "correspondent_account")


def _contacts(partner: Partner) -> list[str]:
    """The partner's contacts as the trail shows them: "name <email>", in a stable order."""
    return [f"{c.name} <{c.email}>" for c in partner.contacts.order_by("name", "email", "pk")]


@transaction.atomic
def profile_update(*, partner: Partner, actor, contacts=None, **fields) -> Partner:
    # the form has already written its values onto ``partner``: the stored row is the "before"
    before = Partner.objects.filter(pk=partner.pk).values(*PROFILE_FIELDS).get()
    contacts_before = _contacts(partner)
    for name, value in fields.items():
        setattr(partner, name, value)
    partner.full_clean()
    partner.save(update_fields=list(fields))
    if contacts is not None:
        contacts.instance = partner
        contacts.save()
    after = {f: getattr(partner, f) for f in PROFILE_FIELDS}
    changed = {f: {"before": before[f], "after": after[f]} for f in PROFILE_FIELDS if before[f] != after[f]}
    contacts_after = _contacts(partner)
    if contacts_after != contacts_before:
        changed["contacts"] = {"before": contacts_before, "after": contacts_after}
    audit(partner_id=partner.pk, actor=actor, action="profile.change", target=partner.name, details=changed)
    return partner


def second_factor_ok(user, code: str) -> bool:
    """True when the user has no TOTP (nothing to confirm with) or ``code`` is a current one."""

    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if authenticator is None:
        return True
    return bool(code) and TOTP(authenticator).validate_code(code)


@transaction.atomic
def payout_details_update(*, partner: Partner, actor, code: str = "", **fields) -> PayoutDetails:
    """Change where withdrawals are paid. Confirmed with the user's second factor when they have one; the
    audit entry keeps masked values only."""
    if not second_factor_ok(actor, code):
        raise ValidationError({"code": _("Enter the current code from your authenticator app.")})
    payout = PayoutDetails.objects.select_for_update().filter(partner=partner).first() or PayoutDetails(
        partner=partner
    )
    before = {f: mask_text(getattr(payout, f, "") or "") for f in PAYOUT_FIELDS}
    for name in PAYOUT_FIELDS:
        setattr(payout, name, fields[name])
    payout.updated_by = actor
    payout.full_clean()
    payout.save()
    after = {f: mask_text(getattr(payout, f) or "") for f in PAYOUT_FIELDS}
    audit(
        partner_id=partner.pk,
        actor=actor,
        action="payout.change",
        target=partner.name,
        details={"before": before, "after": after},
    )
    return payout
