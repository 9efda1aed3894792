from __future__ import annotations

from django.db.models import QuerySet

from .models import Registration


def registrations_under_review(*, queryset: QuerySet[Registration]) -> int:
    """Registrations submitted and waiting for the provider's decision (of an already scoped queryset)."""
    return queryset.filter(status=Registration.Status.SUBMITTED).count()
