import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.tax_ids import validate_tax_id
from portal.money import CENT, Currency
from portal.periods import DayRangeForm
from portal.widgets import SearchSelect
from subaccounts.models import Subaccount

from . import selectors
from .bucket_export import endpoint_problem
from .models import DESTINATIONS, BucketExport, Pool, UsageFolder, Withdrawal


class WithdrawalForm(forms.Form):
    """Step one asks; step two (``confirmed``) shows the same values back before anything is held. The
    destinations are the balance's own: invoice or bank for rebates, a grant or bank for referral commission;
    a grant names one of the partner's own active billing accounts."""

    pool = forms.ChoiceField(
        choices=[(Pool.REBATES, Pool.REBATES.label), (Pool.REFERRAL, Pool.REFERRAL.label)],
        widget=forms.HiddenInput,
    )
    amount = forms.DecimalField(label=_("Amount"), max_digits=18, decimal_places=2, min_value=CENT)
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices)
    destination = forms.ChoiceField(
        label=_("Destination"), choices=Withdrawal.Destination.choices, widget=forms.RadioSelect
    )
    billing_account = forms.ModelChoiceField(
        label=_("Billing account for the grant"),
        queryset=Subaccount.objects.none(),
        required=False,
        to_field_name="billing_account_id",
        help_text=_("one of your own billing accounts"),
    )
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)
    # given with the confirmation page: submitting it twice holds the money once
    request_key = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, partner, pool: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["destination"].choices = [
            (value, label) for value, label in Withdrawal.Destination.choices if value in DESTINATIONS[pool]
        ]
        if Withdrawal.Destination.GRANT in DESTINATIONS[pool]:
            own = Subaccount.objects.filter(
                partner=partner, is_partner_own=True, status=Subaccount.Status.ACTIVE
            )
            self.fields["billing_account"].queryset = own
            if not own.exists():
                self.fields["billing_account"].help_text = _(
                    "You have no active billing account of your own in the portal: choose the bank account."
                )
        else:
            del self.fields["billing_account"]

    def clean(self):
        data = super().clean()
        if data.get("destination") == Withdrawal.Destination.GRANT and not data.get("billing_account"):
            self.add_error("billing_account", _("Choose the billing account to credit."))
        if data.get("confirmed") and not data.get("request_key"):
            self.add_error(
                None, _("This confirmation is not valid any more: check the amount and confirm again.")
            )
        return data


class CommissionPeriodForm(forms.Form):
    """The period of Commission statistics and of the report prepared from it (the page and the API)."""

    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    finish = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    customer = forms.CharField(
        label=_("Customer"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name contains…")}),
        help_text=_("Searches the table by customer; the totals stay the period's."),
    )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("finish") and data["finish"] < data["start"]:
            raise forms.ValidationError(_("The period ends before it starts."))
        return data


class UsagePlaceField(forms.ModelChoiceField):
    """A cloud (``key="cloud"``) or a folder of the membership's own consumption, chosen by the provider's id
    (``?cloud=b1g…``): one of ``selectors.usage_places``; another partner's, a hidden customer's or an unknown
    id is not a choice."""

    def __init__(self, key: str, **kwargs):
        self.name_field = f"{key}_name"
        super().__init__(queryset=UsageFolder.objects.none(), to_field_name=f"{key}_id", **kwargs)

    def label_from_instance(self, obj) -> str:
        return getattr(obj, self.name_field)

    def to_python(self, value):
        """The cloud's or folder's latest row (the queryset is ordered so), not ``get()``: a cloud has a row
        per folder."""
        if value in self.empty_values:
            return None
        found = self.queryset.filter(**{self.to_field_name: str(value)}).first()
        if found is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return found


class UsageForm(DayRangeForm):
    """Subaccount details: which view, which grouping, which days (at most 92), optionally the subaccounts
    whose name or billing account id holds ``q``, or one subaccount, and one cloud and/or one of its folders
    (each searched as you type, of the membership's own only; the folders of the chosen cloud)."""

    view = forms.ChoiceField(
        label=_("By"),
        required=False,
        choices=[
            ("service", _("Service")),
            ("sku", _("Product (SKU)")),
            ("cloud", _("Cloud")),
            ("folder", _("Folder")),
            ("subaccount", _("Subaccount")),
            ("label", _("Label")),
        ],
    )
    label = forms.ChoiceField(
        label=_("Label key"),
        required=False,
        choices=[],
        help_text=_("with the view by label: a row per value of this key"),
    )
    group = forms.ChoiceField(
        label=_("Grouping"),
        required=False,
        choices=[("day", _("Day")), ("week", _("Week")), ("month", _("Month"))],
    )
    q = forms.CharField(label=_("Search"), required=False, help_text=_("name or billing account id"))
    subaccount = forms.ModelChoiceField(
        label=_("Subaccount"),
        queryset=Subaccount.objects.none(),
        required=False,
        empty_label=_("All"),
        widget=SearchSelect("subaccounts:search"),
    )
    cloud = UsagePlaceField(
        "cloud",
        label=_("Cloud"),
        required=False,
        empty_label=_("All"),
        widget=SearchSelect("finance:clouds"),
        error_messages={"invalid_choice": _("No such cloud among your customers' consumption.")},
    )
    folder = UsagePlaceField(
        "folder",
        label=_("Folder"),
        required=False,
        empty_label=_("All"),
        # its choices are the chosen cloud's folders (static/js/portal.js: data-search-with)
        widget=SearchSelect("finance:folders", attrs={"data-search-with": "cloud"}),
        error_messages={"invalid_choice": _("No such folder among your customers' consumption.")},
    )

    def __init__(self, *args, membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.membership = membership
        self.fields["subaccount"].queryset = Subaccount.objects.restrict(membership)
        for key in ("cloud", "folder"):
            self.fields[key].queryset = selectors.usage_places(membership=membership, key=key)
        keys = selectors.label_keys(membership=membership)
        if keys:
            self.fields["label"].choices = [(key, key) for key in keys]
        else:  # no labels in the consumption the member sees: nothing to view by
            del self.fields["label"]
            self.fields["view"].choices = [c for c in self.fields["view"].choices if c[0] != "label"]

    def details(self, *, page: int, per_page: int, using: str):
        """The figures this form asks for (``selectors.usage_details``: one page of rows, the totals, the
        chart), the page's and the API's alike; None while the period is refused (no other period's figures
        in its place). A search applies to every subaccount, not to one chosen."""
        if self.period_refused() or self.place_refused():
            return None
        valid = self.is_valid()
        subaccount = self.cleaned_data.get("subaccount") if valid else None
        cloud = self.cleaned_data.get("cloud") if valid else None
        folder = self.cleaned_data.get("folder") if valid else None
        start, finish = self.day_range()
        return selectors.usage_details(
            membership=self.membership,
            subaccount=subaccount,
            q=(self.cleaned_data.get("q") or "") if valid and subaccount is None else "",
            cloud_id=cloud.cloud_id if cloud is not None else "",
            folder_id=folder.folder_id if folder is not None else "",
            start=start,
            finish=finish,
            view=self.choice("view"),
            label=self.choice("label") if "label" in self.fields else "",
            grouping=self.choice("group"),
            page=page,
            per_page=per_page,
            using=using,
        )

    def clean_subaccount(self):
        subaccount = self.cleaned_data.get("subaccount")
        if subaccount is not None:  # its option written from it, not looked up again
            self.fields["subaccount"].widget.known = (subaccount,)
        return subaccount

    def clean(self):
        data = super().clean()
        for key in ("cloud", "folder"):
            if data.get(key) is not None:  # its option written from it, not looked up again
                self.fields[key].widget.known = (data[key],)
        cloud, folder = data.get("cloud"), data.get("folder")
        if cloud is not None and folder is not None and folder.cloud_id != cloud.cloud_id:
            self.add_error(
                "folder",
                _("The folder “%(folder)s” is not in the cloud “%(cloud)s”: pick one of its folders.")
                % {"folder": folder.folder_name, "cloud": cloud.cloud_name},
            )
        return data

    def place_refused(self) -> bool:
        """A cloud or folder was asked for that cannot be shown (not the membership's, or a folder of another
        cloud): the page says so, and shows no other figures in their place."""
        return self.is_bound and any(self.has_error(name) for name in ("cloud", "folder"))

    def choice(self, name: str) -> str:
        """The valid choice of ``view``, ``label`` or ``group``, else its first."""
        value = self.cleaned_data.get(name) if self.is_valid() else ""
        return value or self.fields[name].choices[0][0]


class TaxIdMixin:
    """A form with ``country`` and ``tax_id``: the tax id checked for its country and kept compact."""

    def clean(self):
        data = super().clean()
        if data.get("tax_id") and data.get("country"):
            try:
                data["tax_id"] = validate_tax_id(str(data["country"]), data["tax_id"])
            except ValidationError as error:
                self.add_error("tax_id", error)
        return data


class BucketExportForm(forms.ModelForm):
    """The bucket export's settings. The secret key is write-only: never rendered back; left empty, the
    stored one is kept (required only the first time)."""

    secret = forms.CharField(
        label=_("Secret key"),
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Never shown again after saving; leave empty to keep the stored one."),
    )

    class Meta:
        model = BucketExport
        fields = [
            "endpoint_url",
            "region",
            "bucket",
            "prefix",
            "access_key_id",
            "secret",
            "detail",
            "language",
            "start_date",
            "enabled",
        ]
        widgets = {"start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, membership=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.has_secret = bool(self.instance.pk and self.instance.secret_sealed)

    def clean_endpoint_url(self):
        url = self.cleaned_data["endpoint_url"]
        if problem := endpoint_problem(url):
            raise ValidationError(problem)
        return url

    def clean_prefix(self):
        prefix = self.cleaned_data["prefix"].lstrip("/")
        if not prefix.endswith("/"):
            raise ValidationError(_("The prefix must end with “/”, e.g. billing/."))
        return prefix

    def clean_bucket(self):
        bucket = self.cleaned_data["bucket"].strip()
        if not BUCKET_NAME.fullmatch(bucket):
            raise ValidationError(
                _("A bucket name has 3 to 63 lower-case letters, digits, dots and hyphens.")
            )
        return bucket

    def clean_secret(self):
        secret = self.cleaned_data["secret"]
        if not secret and not self.has_secret:
            raise ValidationError(_("Enter the secret key."))
        return secret


BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
