import datetime

from celery import shared_task

from . import services


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def refresh_monthly_consumption(partner_id: int, start: str, end: str) -> None:
    """Rebuild a partner's monthly aggregates for ``[start, end)`` (ISO dates). Safe to retry: idempotent."""
    services.monthly_consumption_refresh(
        partner_id=partner_id, start=datetime.date.fromisoformat(start), end=datetime.date.fromisoformat(end)
    )
