"""Billing's two smaller files: invoices with what the customers paid of them, and customers who signed up in
the cloud console with a partner's referral code.

Each file is checked whole first — every line through a form, then the lines against each other and the
database — and nothing is written unless every line is valid; then all of it is written in one transaction.
A valid sign-up line that cannot be attributed (no consent yet, not a new customer, a deactivated link) is not
an error: it is skipped and reported, as the public sign-up form would have refused it.
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Callable, Iterator
from pathlib import Path

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries.fields import CountryField

from portal import outbox
from portal.money import Currency
from referral import services as referral
from referral.models import ReferralLink
from subaccounts.models import Subaccount

from .forms import TaxIdMixin
from .importer import Checked, ImportRejected, LineError
from .models import CorrectionReason, CustomerInvoice, Program
from .tasks import accrue_partner_month


def _money(**kwargs) -> forms.DecimalField:
    return forms.DecimalField(max_digits=18, decimal_places=2, min_value=0, **kwargs)


class InvoiceLine(forms.Form):
    number = forms.CharField(max_length=64)
    billing_account_id = forms.CharField(max_length=64)
    month = forms.DateField(input_formats=["%Y-%m"])
    currency = forms.ChoiceField(choices=Currency.choices)
    amount = _money()
    paid_amount = _money(required=False)
    paid_on = forms.DateField(required=False, input_formats=["%Y-%m-%d"])

    def clean(self):
        data = super().clean()
        data["paid_amount"] = data.get("paid_amount") or 0
        if data["paid_amount"] and not data.get("paid_on"):
            self.add_error("paid_on", _("A payment needs its date."))
        return data


class SignupLine(TaxIdMixin, forms.Form):
    referral_code = forms.SlugField()
    billing_account_id = forms.CharField(max_length=64)
    name = forms.CharField(max_length=200)
    country = CountryField().formfield()
    tax_id = forms.CharField(max_length=32)
    contact_name = forms.CharField(max_length=200)
    email = forms.EmailField()
    signed_up_on = forms.DateField(input_formats=["%Y-%m-%d"])
    consent_at = forms.DateTimeField(required=False, help_text="ISO 8601")


def _lines(path: Path, line_form: type[forms.Form], checked: Checked) -> Iterator[tuple[int, dict]]:
    """Each line's cleaned values; a line's problems are refused on ``checked`` with its number."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            required = {name for name, f in line_form.base_fields.items() if f.required}
            missing = sorted(required - set(reader.fieldnames or ()))
            if missing:
                checked.refuse(1, _("missing columns: %(columns)s") % {"columns": ", ".join(missing)})
                return
            for row in reader:
                line = reader.line_num
                if None in row:
                    checked.refuse(line, _("more values than columns"))
                    continue
                form = line_form({k: (v or "").strip() for k, v in row.items()})
                if form.is_valid():
                    yield line, form.cleaned_data
                    continue
                for name, errors in form.errors.items():
                    where = "" if name == "__all__" else f"{name}: "
                    checked.refuse(line, where + " ".join(errors))
    except UnicodeDecodeError:
        checked.refuse(0, _("the file is not UTF-8 text"))
    except csv.Error as error:
        checked.refuse(0, str(error))


def _read(path: Path, line_form, progress) -> tuple[list[tuple[int, dict]], Checked]:
    checked = Checked()
    lines = []
    for line, data in _lines(path, line_form, checked):
        lines.append((line, data))
        if progress and len(lines) % 1000 == 0:
            progress(len(lines))
    checked.rows = len(lines)
    return lines, checked


def _refuse_if_any(checked: Checked) -> None:
    """Reject the whole file when any line was refused, its problems in line order."""
    if checked.error_count:
        checked.errors.sort(key=lambda error: error.line)
        raise ImportRejected(checked)


def load_invoices(path: Path, *, progress: Callable[[int], None] | None = None) -> Checked:
    """Create or update invoices by number; then accrue the referral commission of the closed months whose
    payments may now complete a referred customer's month (the accrual skips what it has already accrued;
    the other programs wait for the monthly run, when the month's consumption is complete)."""

    lines, checked = _read(Path(path), InvoiceLine, progress)
    subaccounts = Subaccount.objects.in_bulk(
        {d["billing_account_id"] for _line, d in lines}, field_name="billing_account_id"
    )
    known = CustomerInvoice.objects.in_bulk({d["number"] for _line, d in lines}, field_name="number")
    seen = set()
    for line, data in lines:
        subaccount = subaccounts.get(data["billing_account_id"])
        invoice = known.get(data["number"])
        if subaccount is None:
            checked.refuse(
                line, _("no subaccount has billing account id %(id)s") % {"id": data["billing_account_id"]}
            )
        elif invoice and (invoice.subaccount_id, invoice.month) != (subaccount.pk, data["month"]):
            checked.refuse(
                line, _("invoice %(n)s was imported for another subaccount or month") % {"n": data["number"]}
            )
        if data["number"] in seen:
            checked.refuse(line, _("invoice %(n)s appears twice in the file") % {"n": data["number"]})
        seen.add(data["number"])
    _refuse_if_any(checked)
    this_month = timezone.localdate().replace(day=1)
    to_accrue = set()
    with transaction.atomic():
        for _line, data in lines:
            subaccount = subaccounts[data["billing_account_id"]]
            CustomerInvoice.objects.update_or_create(
                number=data["number"],
                defaults={
                    "partner_id": subaccount.partner_id,
                    "subaccount": subaccount,
                    "month": data["month"],
                    "currency": data["currency"],
                    "amount": data["amount"],
                    "paid_amount": data["paid_amount"],
                    "paid_on": data["paid_on"],
                },
            )
            if data["month"] < this_month and data["paid_amount"] >= data["amount"]:
                to_accrue.add((subaccount.partner_id, data["month"].isoformat()))
        for partner_id, month in sorted(to_accrue):
            outbox.enqueue(
                accrue_partner_month, partner_id, month, [Program.REFERRAL], reason=CorrectionReason.INVOICES
            )
    return checked


def load_referral_signups(path: Path, *, progress: Callable[[int], None] | None = None) -> Checked:
    """Customers who signed up in the console with a referral code: each eligible one with consent becomes an
    account of the link's partner marked as referred, with its billing account as an active subaccount."""
    lines, checked = _read(Path(path), SignupLine, progress)
    links = ReferralLink.objects.in_bulk({d["referral_code"] for _line, d in lines}, field_name="code")
    for line, data in lines:
        if data["referral_code"] not in links:
            checked.refuse(
                line, _("no referral link has the code %(code)s") % {"code": data["referral_code"]}
            )
    _refuse_if_any(checked)
    with transaction.atomic():
        for line, data in lines:
            reason = _signup(links[data["referral_code"]], data)
            if reason:
                checked.skipped.append(LineError(line, reason))
    checked.rows = len(lines) - len(checked.skipped)
    return checked


def _signup(link: ReferralLink, data: dict) -> str:
    """Attribute one customer; the reason it was not attributed, or ''."""
    if not data["consent_at"]:
        return _("the customer has not consented to the partner seeing their consumption")
    if Subaccount.objects.filter(billing_account_id=data["billing_account_id"]).exists():
        return _("billing account %(id)s is already in the portal") % {"id": data["billing_account_id"]}
    try:
        customer = referral.signup(
            link=link,
            name=data["name"],
            country=str(data["country"]),
            tax_id=data["tax_id"],
            contact_name=data["contact_name"],
            email=data["email"],
            signed_up_at=data["signed_up_on"],
            consent_at=data["consent_at"],
        )
    except ValidationError as error:
        return " ".join(error.messages)
    Subaccount.objects.create(
        partner_id=link.partner_id,
        account=customer.account,
        billing_account_id=data["billing_account_id"],
        name=data["name"],
        customer_email=data["email"],
        status=Subaccount.Status.ACTIVE,
        status_changed_at=datetime.datetime.combine(
            data["signed_up_on"], datetime.time.min, tzinfo=timezone.get_current_timezone()
        ),
    )
    return ""
