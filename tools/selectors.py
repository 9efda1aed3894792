from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS

from .models import Registration


def registrations_under_review(*, membership, using: str = DEFAULT_DB_ALIAS) -> int:
    """Registrations the membership sees, submitted and waiting for the provider's decision."""
    queryset = Registration.objects.using(using).restrict(membership)
    return queryset.filter(status=Registration.Status.SUBMITTED).count()
