"""The shared kernel's background work: the outbox's sweep (portal/outbox.py)."""

from celery import shared_task

from portal import outbox


@shared_task(ignore_result=True)
def send_outbox() -> int:
    """The minute's sweep: send what waits in the outbox (the broker was away when it was committed), and
    forget what was sent a week ago. Returns how many were sent."""
    sent = outbox.send_waiting()
    outbox.forget_sent()
    return sent.count
