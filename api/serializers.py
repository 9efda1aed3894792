"""What the API shows and takes. Personal data (contacts, the customer's email) goes through the pages' one
masking rule (portal.permissions.personal): a role without the right sees it masked, here as there."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Account
from portal.permissions import personal
from subaccounts.models import Subaccount


def _membership(serializer):
    return serializer.context["request"].membership


class PersonalField(serializers.CharField):
    """A piece of personal data: shown as is, or masked for a role without the right."""

    def to_representation(self, value):
        return personal(value, _membership(self.parent.root))


class ContactSerializer(serializers.Serializer):
    name = PersonalField(read_only=True)
    email = PersonalField(read_only=True)
    phone = PersonalField(read_only=True)


class AccountSerializer(serializers.ModelSerializer):
    contacts = serializers.SerializerMethodField()
    archived = serializers.SerializerMethodField()
    _contact = None  # the ContactSerializer of this serializer's accounts, made once

    class Meta:
        model = Account
        fields = [
            "id",
            "name",
            "legal_name",
            "country",
            "tax_id",
            "legal_address",
            "mailing_address",
            "stage",
            "description",
            "archived",
            "archived_at",
            "created_at",
            "contacts",
        ]
        read_only_fields = ["archived_at", "created_at"]
        extra_kwargs = {"tax_id": {"validators": []}}  # the service checks duplicates, in the pages' words

    @extend_schema_field(ContactSerializer(many=True))
    def get_contacts(self, account):
        # a list's accounts come with their contacts (the view's prefetch, ``contact_list``); one serializer
        # writes every account's, not one bound anew per account
        contacts = getattr(account, "contact_list", None)
        if contacts is None:
            contacts = account.contacts.order_by("pk")
        if self._contact is None:
            self._contact = ContactSerializer(context=self.context)
        return [self._contact.to_representation(contact) for contact in contacts]

    def get_archived(self, account) -> bool:
        return account.archived_at is not None


class SubaccountSerializer(serializers.ModelSerializer):
    account_name = serializers.CharField(source="account.name", read_only=True)
    customer_email = PersonalField(read_only=True)

    class Meta:
        model = Subaccount
        fields = [
            "id",
            "name",
            "billing_account_id",
            "account",
            "account_name",
            "customer_email",
            "status",
            "is_partner_own",
            "created_at",
            "status_changed_at",
            "invitation_sent_at",
        ]
        read_only_fields = fields


class SubaccountCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    customer_email = serializers.EmailField(
        required=False,
        allow_blank=True,
        help_text=_("Where the invitation goes; left out, to the customer account's first contact."),
    )


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
