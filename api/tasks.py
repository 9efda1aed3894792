"""The API's beat: idempotency records are kept long enough for any client's retries, then dropped."""

import datetime

from celery import shared_task
from django.utils import timezone

from .models import IdempotencyKey

KEPT = datetime.timedelta(hours=24)  # a retry with the same key within this gets the first answer


@shared_task(cross_partner=True)  # every token's records
def purge_idempotency_keys() -> int:
    """The nightly beat: forget the answers to keys older than ``KEPT``. Returns how many were dropped."""
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=timezone.now() - KEPT).delete()
    return deleted
