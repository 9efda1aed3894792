"""The tenant-owned model base: every partner-owned row knows its partner and, where it has one, its
customer account, so one queryset method can scope it to a membership."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from access.models import Membership


class TenantQuerySet(models.QuerySet):
    def for_partner(self, partner) -> TenantQuerySet:
        return self.filter(**{self.model.partner_field: partner})

    def restrict(self, membership: Membership) -> TenantQuerySet:
        """Only the rows of the membership's partner, and of its selected accounts when it is restricted."""
        qs = self.for_partner(membership.partner_id)
        account_field = self.model.account_field
        if membership.restricted and account_field:
            qs = qs.filter(**{f"{account_field}__in": membership.allowed_account_ids})
        return qs


class TenantModel(models.Model):
    """Abstract base of partner-owned models. ``partner_field``/``account_field`` are lookup paths."""

    partner_field = "partner"
    account_field: str | None = None

    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True
