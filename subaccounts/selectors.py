from django.db.models import Count

from .models import Subaccount


def subaccount_status_counts(*, queryset) -> dict[str, int]:
    """Count per status of an already-scoped subaccount queryset, every status present (zero if none)."""
    counts = dict(queryset.order_by().values_list("status").annotate(n=Count("id")))
    return {status: counts.get(status, 0) for status in Subaccount.Status.values}
