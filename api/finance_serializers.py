"""What the finance resources of the API show and take. Money is a string, never a float: a stored amount
with its two decimals, a consumption figure with billing's own precision as the CSV writes it
(portal.money.plain). Payout details are masked for a role without personal data, as the profile page masks
them (portal.permissions.personal)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from finance.models import Accrual, Pool, Report, Withdrawal
from portal.money import CENT, MONEY_DIGITS, MONEY_PLACES, Currency, plain
from portal.permissions import personal


def Money(**kwargs):  # noqa: N802 - reads like a field class
    """A stored amount: a string with two decimals ("1500.00")."""
    return serializers.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, read_only=True, **kwargs
    )


@extend_schema_field(
    {
        "type": "string",
        "format": "decimal",
        "pattern": r"^-?[0-9]+\.[0-9]{2,}$",
        "example": "1060.05",
        "description": "At billing's precision, unrounded: at least two decimals.",
    }
)
class BillingAmount(serializers.Field):
    """A consumption figure as the CSV of Subaccount details writes it: every decimal it has, at least two."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value):
        return plain(value)


class BalanceSerializer(serializers.Serializer):
    pool = serializers.ChoiceField(choices=Pool.choices, read_only=True)
    pool_label = serializers.CharField(read_only=True)
    currency = serializers.ChoiceField(choices=Currency.choices, read_only=True)
    amount = Money()
    withdrawable = serializers.BooleanField(read_only=True)


class AccrualSerializer(serializers.ModelSerializer):
    """An accrual as it stands: the original with its corrections summed in (``corrected``: it has some)."""

    subaccount_name = serializers.CharField(source="subaccount.name", read_only=True, allow_null=True)
    basis = Money(source="basis_now")
    amount = Money(source="amount_now")
    corrected = serializers.BooleanField(read_only=True)
    basis_explained = serializers.CharField(read_only=True)

    class Meta:
        model = Accrual
        fields = [
            "id",
            "period",
            "program",
            "subaccount",
            "subaccount_name",
            "source",
            "basis",
            "rate",
            "amount",
            "currency",
            "corrected",
            "basis_explained",
            "created_at",
        ]
        read_only_fields = fields


class CorrectionSerializer(serializers.ModelSerializer):
    """A re-run's correction of an accrual: the differences it found, when and why."""

    class Meta:
        model = Accrual
        fields = ["id", "basis", "amount", "reason", "created_at"]
        read_only_fields = fields


class AccrualDetailSerializer(AccrualSerializer):
    corrections = CorrectionSerializer(many=True, read_only=True)

    class Meta(AccrualSerializer.Meta):
        fields = [*AccrualSerializer.Meta.fields, "corrections"]
        read_only_fields = fields


# the payout details the profile page masks for a role without personal data
PAYOUT_PERSONAL = ("bic", "account_number", "correspondent_account")


class WithdrawalSerializer(serializers.ModelSerializer):
    payout_details = serializers.SerializerMethodField()

    class Meta:
        model = Withdrawal
        fields = [
            "id",
            "pool",
            "amount",
            "currency",
            "destination",
            "status",
            "payout_details",
            "reason",
            "created_at",
            "decided_at",
        ]
        read_only_fields = fields

    @extend_schema_field(
        {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "description": "Where the money goes, as it was when requested (bank details masked for a role "
            "without personal data).",
        }
    )
    def get_payout_details(self, withdrawal) -> dict:
        membership = self.context["request"].membership
        return {
            name: personal(value, membership) if name in PAYOUT_PERSONAL else str(value)
            for name, value in withdrawal.payout_details_snapshot.items()
        }


class WithdrawalRequestSerializer(serializers.Serializer):
    """The withdraw page's fields; its rules (minimums, destinations, the balance) are the service's."""

    pool = serializers.ChoiceField(choices=Pool.choices, help_text=_("`rebates` or `referral`"))
    amount = serializers.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, min_value=CENT)
    currency = serializers.ChoiceField(choices=Currency.choices)
    destination = serializers.ChoiceField(choices=Withdrawal.Destination.choices)
    billing_account = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        help_text=_("For a grant: the billing account id of one of your own active billing accounts."),
    )


class UsageTotalSerializer(serializers.Serializer):
    currency = serializers.CharField(read_only=True)
    consumption = BillingAmount()
    discount = BillingAmount()
    client_pays = BillingAmount()
    reward = BillingAmount()
    adjustment = BillingAmount()
    partner_pays = BillingAmount()


class UsageRowSerializer(UsageTotalSerializer):
    """A row: the six figures of its period bucket and key."""

    bucket = serializers.DateField(
        read_only=True, help_text=_("The day, or the first day of the week or month")
    )
    key = serializers.CharField(read_only=True, allow_null=True)
    name = serializers.CharField(read_only=True, allow_null=True)


@extend_schema_serializer(many=False)
class UsageSerializer(serializers.Serializer):
    """A page of Subaccount details' rows, and the period's totals per currency (of every row)."""

    start = serializers.DateField(read_only=True)
    finish = serializers.DateField(read_only=True)
    view = serializers.CharField(read_only=True)
    label = serializers.CharField(
        read_only=True, help_text=_("The label key of the view by label, else empty")
    )
    group = serializers.CharField(read_only=True)
    subaccount = serializers.IntegerField(read_only=True, allow_null=True)
    cloud = serializers.CharField(read_only=True, allow_null=True, help_text=_("The provider's cloud id"))
    folder = serializers.CharField(read_only=True, allow_null=True, help_text=_("The provider's folder id"))
    count = serializers.IntegerField(
        read_only=True,
        help_text=_(
            "Rows of the period, all pages — counted only up to ten pages past this one in the whole "
            "partner's subaccount, cloud and folder views by period (then `more` is true)"
        ),
    )
    more = serializers.BooleanField(
        read_only=True, help_text=_("Whether rows follow the ones counted: ask for a later page")
    )
    page = serializers.IntegerField(read_only=True)
    page_size = serializers.IntegerField(read_only=True)
    rows = UsageRowSerializer(many=True, read_only=True)
    totals = UsageTotalSerializer(many=True, read_only=True)


class UsagePageSerializer(serializers.Serializer):
    page = serializers.IntegerField(min_value=1, max_value=100_000, default=1)
    page_size = serializers.IntegerField(min_value=1, max_value=200, default=50)


class ReportPeriodSerializer(serializers.Serializer):
    """Only for the schema: the period is checked by the Commission statistics page's own form."""

    start = serializers.DateField()
    finish = serializers.DateField()


class CommissionReportSerializer(serializers.ModelSerializer):
    start = serializers.DateField(source="params.start", read_only=True)
    finish = serializers.DateField(source="params.finish", read_only=True)
    rows = serializers.IntegerField(
        source="params.rows", read_only=True, allow_null=True, default=None, help_text=_("Once done")
    )

    class Meta:
        model = Report
        fields = ["id", "status", "progress", "start", "finish", "rows", "created_at"]
        read_only_fields = fields
