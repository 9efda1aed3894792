"""Reads of the Accounts section. The views scope what these return to the membership (restrict())."""

from __future__ import annotations

from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery

from subaccounts.models import Subaccount

from .models import Account, AccountContact


def accounts_for_list() -> QuerySet[Account]:
    """Accounts with their owner, number of subaccounts and first contact's email, by name."""
    first_contact = AccountContact.objects.filter(account=OuterRef("pk")).order_by("pk").values("email")[:1]
    return (
        Account.objects.select_related("owner")
        .annotate(subaccount_count=Count("subaccounts"), primary_contact=Subquery(first_contact))
        .order_by("name")
    )


def account_with_details() -> QuerySet[Account]:
    """Accounts with their owner, their subaccounts by name and their contacts, for one account's page."""
    return Account.objects.select_related("owner").prefetch_related(
        Prefetch("subaccounts", queryset=Subaccount.objects.order_by("name")), "contacts"
    )
