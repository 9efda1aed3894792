"""Writes of the Accounts section: every one atomic, every refusal a ValidationError a form can show."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from subaccounts.models import Subaccount

from .models import Account


def _refuse_duplicate_tax_id(account: Account) -> None:
    existing = (
        Account.objects.for_partner(account.partner_id)
        .filter(tax_id=account.tax_id)
        .exclude(pk=account.pk)
        .first()
    )
    if existing:
        message = format_html(
            _('You already have this customer: <a href="{}">{}</a>.'),
            existing.get_absolute_url(),
            existing.name,
        )
        raise ValidationError({"tax_id": message}, code="duplicate")


@transaction.atomic
def account_save(*, account: Account, contacts=None) -> Account:
    """Create or update a customer account (and its contacts formset, when given) of ``account.partner``.

    Refuses a tax id invalid for the country or already used by another account of the same partner.
    """
    account.full_clean(validate_constraints=False)
    _refuse_duplicate_tax_id(account)
    account.save()
    if contacts is not None:
        contacts.instance = account
        contacts.save()
    return account


LIVE_STATUSES = (
    Subaccount.Status.ACTIVE,
    Subaccount.Status.SUSPENDED,
    Subaccount.Status.ACCEPTANCE_REQUIRED,
)


@transaction.atomic
def account_archive(*, account: Account) -> Account:
    """Archive instead of delete; refused while the customer still has a live subaccount."""
    if account.subaccounts.filter(status__in=LIVE_STATUSES).exists():
        raise ValidationError(
            _(
                "This customer still has subaccounts that are active, suspended or awaiting acceptance. "
                "Deactivate them first."
            )
        )
    account.archived_at = timezone.now()
    account.save(update_fields=["archived_at"])
    return account


@transaction.atomic
def account_restore(*, account: Account) -> Account:
    account.archived_at = None
    account.save(update_fields=["archived_at"])
    return account
