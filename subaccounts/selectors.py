from django.db import DEFAULT_DB_ALIAS
from django.db.models import Count

from .models import Subaccount


def subaccount_status_counts(*, membership, using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """Count per status of the subaccounts the membership sees, every status present (zero if none)."""
    queryset = Subaccount.objects.using(using).restrict(membership)
    # count(*): the (partner, status) index answers alone (an index-only scan), not the table's rows
    counts = dict(queryset.order_by().values_list("status").annotate(n=Count("*")))
    return {status: counts.get(status, 0) for status in Subaccount.Status.values}
