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


class OutboxMessage(models.Model):
    """A task to queue, written in the same transaction as the rows it is about (portal/outbox.py): it is
    committed with them or not at all, and it waits here until the broker has taken it."""

    task = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)  # the broker took it
    done_at = models.DateTimeField(null=True, blank=True)  # a worker ran it to the end: a redelivery skips

    class Meta:
        indexes = [
            models.Index(
                fields=["id"], condition=models.Q(sent_at__isnull=True), name="portal_outbox_waiting"
            ),
            models.Index(fields=["sent_at"], name="portal_outbox_sent_at"),
        ]

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)}"
