"""The Celery app, configured from Django settings under the CELERY_ namespace.

Every task's base is ``portal.outbox.OutboxTask``: a message queued through the outbox runs once even when
the broker delivers it twice. Each worker sends what the outbox holds as it starts."""

import logging
import os

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("portal", task_cls="portal.outbox:OutboxTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def send_the_outbox(**kwargs) -> None:
    """A worker that starts sends what waited (say, while the broker and the workers were down together)."""
    # imported here: this module is loaded before Django is set up
    from django.db import connection

    from portal import outbox

    try:
        outbox.send_waiting()
    except Exception:  # the worker starts all the same; the beat's sweep comes round every minute
        logging.getLogger(__name__).exception("The outbox could not be sent as the worker started")
    finally:
        connection.close()
