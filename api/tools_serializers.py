"""What the API shows and takes for the sales tools: deal and project registrations, referral links and
the referral statistics. What a partner fills in is validated by the page's own form
(tools.forms.RegistrationForm, referral.forms.ReferralLinkForm): the same required fields, the same customers
offered (the member's current accounts), the same model rules; the serializer only reads JSON's types and
describes them in the schema."""

from __future__ import annotations

import copy

from django.db import models
from django.forms.models import model_to_dict
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from accounts.models import Account
from referral.forms import ReferralLinkForm
from referral.models import ReferralLink
from tools.forms import RegistrationForm
from tools.models import Registration, RegistrationEvent


def _membership(serializer):
    return getattr(serializer.context.get("request"), "membership", None)


def form_refusal(form) -> serializers.ValidationError:
    """A page's form's errors, as the API's field errors (a 400 problem), in the form's own words."""
    return serializers.ValidationError(
        {
            field: [ErrorDetail(e["message"], code=e["code"] or "invalid") for e in errors]
            for field, errors in form.errors.get_json_data().items()
        }
    )


def required_as_on_the_form(form_class) -> dict:
    """``extra_kwargs``: a field is required in the API exactly when the page's form requires it."""
    return {name: {"required": form_class.base_fields[name].required} for name in form_class.Meta.fields}


class PageFormSerializer(serializers.ModelSerializer):
    """Writes validated by the page's form (``Meta.form_class``): its fields, its choices and its rules."""

    def new_instance(self):
        """The unsaved object a create fills in."""
        return self.Meta.model()

    def validate(self, attrs):
        form_class = self.Meta.form_class
        names = form_class.Meta.fields
        data = model_to_dict(self.instance, fields=names) if self.instance is not None else {}
        data.update({k: v.pk if isinstance(v, models.Model) else v for k, v in attrs.items()})
        # a copy: the form writes its values into the instance it checks, the service saves the real one
        instance = copy.copy(self.instance) if self.instance is not None else self.new_instance()
        form = form_class(data=data, instance=instance, membership=_membership(self))
        if not form.is_valid():
            raise form_refusal(form)
        return {name: form.cleaned_data[name] for name in names if name in attrs or self.instance is None}


# the registration's fields the workflow sets; the others are the page's form's
REGISTRATION_READ_ONLY = [
    "id",
    "account_name",
    "status",
    "reason",
    "created_at",
    "submitted_at",
    "review_due",
    "decided_at",
    "expires_at",
]


class RegistrationSerializer(PageFormSerializer):
    """A deal ("New customer") or project ("Customer project") registration. What you fill in is checked as
    the page's form checks it; the customer is one of your current accounts."""

    account_name = serializers.CharField(source="account.name", read_only=True)

    class Meta:
        model = Registration
        form_class = RegistrationForm
        fields = REGISTRATION_READ_ONLY[:1] + RegistrationForm.Meta.fields + REGISTRATION_READ_ONLY[1:]
        read_only_fields = REGISTRATION_READ_ONLY
        extra_kwargs = required_as_on_the_form(RegistrationForm)

    def get_fields(self):
        fields = super().get_fields()
        if "account" in fields:
            membership = _membership(self)
            fields["account"].queryset = (
                RegistrationForm(membership=membership).fields["account"].queryset
                if membership is not None
                else Account.objects.none()
            )
        return fields

    def new_instance(self):
        return Registration(partner_id=_membership(self).partner_id)


class RegistrationEventSerializer(serializers.ModelSerializer):
    by = serializers.SerializerMethodField(
        help_text=_("Who made the change: a member of the partner, the provider or the system.")
    )
    actor_email = serializers.SerializerMethodField()

    class Meta:
        model = RegistrationEvent
        fields = ["created_at", "from_status", "to_status", "note", "by", "actor_email"]
        read_only_fields = fields

    @extend_schema_field({"type": "string", "enum": ["partner", "provider", "system"]})
    def get_by(self, event) -> str:
        if event.actor is None:
            return "system"
        return "provider" if event.actor.is_staff else "partner"

    def get_actor_email(self, event) -> str | None:
        """A member's address, as the page's history shows it; the provider's staff stay unnamed."""
        return event.actor.email if event.actor is not None and not event.actor.is_staff else None


class RegistrationDetailSerializer(RegistrationSerializer):
    history = serializers.SerializerMethodField()

    class Meta(RegistrationSerializer.Meta):
        fields = RegistrationSerializer.Meta.fields + ["history"]

    @extend_schema_field(RegistrationEventSerializer(many=True))
    def get_history(self, registration):
        events = registration.events.select_related("actor")
        return RegistrationEventSerializer(events, many=True, context=self.context).data


class RegistrationSubmittedSerializer(RegistrationDetailSerializer):
    notices = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text=_("What the page tells after a submission (a customer another partner already holds)."),
    )

    class Meta(RegistrationDetailSerializer.Meta):
        fields = RegistrationDetailSerializer.Meta.fields + ["notices"]


class ReferralLinkSerializer(PageFormSerializer):
    """A referral link with what it brought: counted clicks, sign-ups, customers with an active subaccount."""

    url = serializers.CharField(source="public_url", read_only=True)
    active = serializers.BooleanField(source="is_active", read_only=True)
    clicks = serializers.IntegerField(source="click_count", read_only=True)
    signups = serializers.IntegerField(read_only=True)
    active_customers = serializers.IntegerField(read_only=True)
    commission = serializers.DecimalField(
        max_digits=15,
        decimal_places=2,
        read_only=True,
        allow_null=True,
        help_text=_("Commission so far; null where the page does not show money (the role, a limit)."),
    )

    class Meta:
        model = ReferralLink
        form_class = ReferralLinkForm
        fields = [
            "id",
            "code",
            "url",
            *ReferralLinkForm.Meta.fields,
            "active",
            "created_at",
            "deactivated_at",
            "clicks",
            "signups",
            "active_customers",
            "commission",
        ]
        read_only_fields = ["id", "code", "created_at", "deactivated_at"]
        extra_kwargs = required_as_on_the_form(ReferralLinkForm)

    def new_instance(self):
        return ReferralLink(partner_id=_membership(self).partner_id)

    def to_representation(self, link):
        shown = super().to_representation(link)
        if not self.context.get("shows_money"):
            shown["commission"] = None
        return shown


class MonthFiguresSerializer(serializers.Serializer):
    month = serializers.DateField(read_only=True, help_text=_("The month's first day."))
    clicks = serializers.IntegerField(read_only=True)
    signups = serializers.IntegerField(read_only=True)
    conversion = serializers.DecimalField(
        max_digits=None,
        decimal_places=1,
        read_only=True,
        allow_null=True,
        help_text=_("Sign-ups per 100 counted clicks; null without clicks."),
    )
    commission = serializers.DecimalField(
        max_digits=15,
        decimal_places=2,
        read_only=True,
        allow_null=True,
        help_text=_("Null where the page does not show money (the role, a limit to some customers)."),
    )


class ReferralStatisticsSerializer(serializers.Serializer):
    first_month = serializers.DateField(read_only=True)
    last_month = serializers.DateField(read_only=True)
    months = MonthFiguresSerializer(many=True, read_only=True)
