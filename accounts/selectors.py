"""Reads of the Accounts section. The views scope what these return to the membership (restrict())."""

from __future__ import annotations

from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce

from subaccounts.models import Subaccount

from .models import Account, AccountContact


def accounts_for_list() -> QuerySet[Account]:
    """Accounts with their owner, number of subaccounts and first contact's email, by name.

    Both figures are per-row subqueries, not a join grouped by account: a page asks them for its 25 rows only,
    and the pagination's count leaves them out (a grouped join counted and sorted every account of the
    partner with all its subaccounts, at each request)."""
    first_contact = AccountContact.objects.filter(account=OuterRef("pk")).order_by("pk").values("email")[:1]
    subaccounts = (
        Subaccount.objects.filter(account=OuterRef("pk"))
        .order_by()
        .values("account")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Account.objects.select_related("owner")
        .annotate(
            subaccount_count=Coalesce(Subquery(subaccounts), 0),
            primary_contact=Subquery(first_contact),
        )
        .order_by("name")
    )


def account_with_details() -> QuerySet[Account]:
    """Accounts with their owner, their subaccounts by name and their contacts, for one account's page."""
    return Account.objects.select_related("owner").prefetch_related(
        Prefetch("subaccounts", queryset=Subaccount.objects.order_by("name")), "contacts"
    )
