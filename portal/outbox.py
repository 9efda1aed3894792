"""Background work that a broker which does not answer cannot lose: the transactional outbox.

``enqueue(task, *args, **kwargs)`` writes an ``OutboxMessage`` in the current transaction, so the task is
committed with the rows it is about or not at all. Once that transaction commits, the message is handed to
the broker once, on a connection that gives up after ``OUTBOX_PUBLISH_TIMEOUT`` seconds (no retries): taken,
it is marked sent; not taken, it waits in the table, a warning is logged and the request answers as usual —
the action is committed and its task will run.

What waits is sent, oldest first, by ``send_waiting()``: the beat's "Send the outbox" task every minute,
every worker as it starts, and ``manage.py send_outbox``. The beat's own tick goes through the broker, so it
runs only once the broker is back — which is when anything can be sent anyway; the rows keep everything
meanwhile. Each sender locks the rows it sends (``FOR UPDATE SKIP LOCKED``), so two sweeps, or a sweep and
a commit, never send one message twice.

Delivery is still at least once: a message the broker took whose "sent" mark was lost (the process died in
between) is sent again. A task runs once per message all the same: it goes out with the task id
``outbox-<id>``, and the app's task base (``OutboxTask``) skips a delivery of a message another worker is
running or has run to the end (``done_at``).
"""

from __future__ import annotations

import datetime
import inspect
import logging
import threading
from contextlib import nullcontext, suppress
from dataclasses import dataclass
from functools import cached_property, partial

from celery import Task
from celery import current_app as app
from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from kombu.exceptions import KombuError

from portal import jobs

# OutboxMessage is imported where it is used: this module is the Celery app's task class, loaded by the
# app before Django's apps are ready.
logger = logging.getLogger(__name__)

TASK_ID_PREFIX = "outbox-"
BATCH = 500  # messages sent on one broker connection in one transaction
KEEP_SENT = datetime.timedelta(days=7)  # a sent message is kept this long: a redelivery is recognised
BROKER_ERRORS = (KombuError, OSError)  # kombu re-raises a transport's connection errors as OperationalError

_local = threading.local()


def enqueue(task: Task, *args, **kwargs):
    """Queue ``task(*args, **kwargs)`` with the current transaction: it runs if and once this commits."""
    from portal.models import OutboxMessage

    message = OutboxMessage.objects.create(task=task.name, args=list(args), kwargs=kwargs)
    _pending().append(message.pk)
    transaction.on_commit(partial(_send_committed, message.pk))
    return message


def _pending() -> list[int]:
    """The ids enqueued on this thread (its connection's transactions) whose commit has not sent them yet."""
    if not hasattr(_local, "pending"):
        _local.pending = []
    return _local.pending


def _send_committed(pk: int) -> None:
    """After a commit, the callback of its first message sends it and the messages enqueued after it, on one
    connection; theirs then find nothing left to do. (An id of a savepoint rolled back in between is simply
    not found; one left from a transaction rolled back earlier comes before and is dropped.)"""
    pending = _pending()
    if pk not in pending:
        return
    batch, _local.pending = pending[pending.index(pk) :], []
    for start in range(0, len(batch), BATCH):
        if send(batch[start : start + BATCH]).error:
            return  # the broker is away: the rest wait for the sweep rather than each wait for a timeout


@dataclass(frozen=True)
class Sent:
    count: int
    error: str = ""  # why the broker did not take the rest, when it did not


def send(ids: list[int] | None = None, *, limit: int = BATCH) -> Sent:
    """Hand waiting messages (those of ``ids``, else the oldest ``limit``) to the broker, on one connection;
    stops at the first broker failure, recording it on the message that met it."""

    from portal.models import OutboxMessage

    with transaction.atomic():
        waiting = OutboxMessage.objects.select_for_update(skip_locked=True).filter(
            sent_at__isnull=True, task__in=list(app.tasks.keys())
        )
        if ids is not None:
            waiting = waiting.filter(pk__in=ids)
        messages = list(waiting.order_by("pk")[:limit])
        if not messages:
            return Sent(0)
        sent, error, message = [], "", messages[0]
        try:
            with _connection(app) as conn:
                for message in messages:  # noqa: B007 (the one a failure met is recorded below)
                    _publish(app, message, conn)
                    sent.append(message.pk)
        except BROKER_ERRORS as failure:
            if app.conf.task_always_eager:
                raise  # the task ran here (tests) and failed: that is its caller's error, not the broker's
            error = f"{type(failure).__name__}: {failure}"
            OutboxMessage.objects.filter(pk=message.pk).update(attempts=F("attempts") + 1, last_error=error)
            logger.warning(
                "The broker did not take %s (outbox message %s); %d message(s) wait for the sweep: %s",
                message.task,
                message.pk,
                len(messages) - len(sent),
                error,
            )
        OutboxMessage.objects.filter(pk__in=sent).update(
            sent_at=timezone.now(), attempts=F("attempts") + 1, last_error=""
        )
    return Sent(len(sent), error)


def send_waiting() -> Sent:
    """The sweep: send everything that waits, a batch at a time, until none is left or the broker fails."""
    total = 0
    while True:
        batch = send()
        total += batch.count
        if batch.error or batch.count < BATCH:
            break

    from portal.models import OutboxMessage

    unknown = OutboxMessage.objects.filter(sent_at__isnull=True).exclude(task__in=list(app.tasks.keys()))
    for task in unknown.values_list("task", flat=True).distinct():  # e.g. renamed by a deploy
        logger.error("Outbox messages of %s wait: no task of that name is registered", task)
    return Sent(total, batch.error)


def forget_sent(older_than: datetime.timedelta = KEEP_SENT) -> int:
    """Delete messages sent longer ago than ``older_than``; returns how many."""
    from portal.models import OutboxMessage

    deleted, _ = OutboxMessage.objects.filter(sent_at__lt=timezone.now() - older_than).delete()
    return deleted


def _connection(app):
    """A broker connection that gives up quickly: one try to connect, short socket timeouts."""
    timeout = settings.OUTBOX_PUBLISH_TIMEOUT
    return app.connection_for_write(
        connect_timeout=timeout,
        transport_options={"max_retries": 0, "socket_connect_timeout": timeout, "socket_timeout": timeout},
    )


def _publish(app, message, conn) -> None:
    app.tasks[message.task].apply_async(
        message.args,
        message.kwargs,
        task_id=f"{TASK_ID_PREFIX}{message.pk}",
        connection=conn,
        retry=False,  # the sweep is the retry
        ignore_result=True,  # nobody waits on it; and the result backend's own retries would take 20 s
    )


def message_id(task_id: str | None) -> int | None:
    if task_id and task_id.startswith(TASK_ID_PREFIX):
        with suppress(ValueError):
            return int(task_id[len(TASK_ID_PREFIX) :])
    return None


class OutboxTask(Task):
    """The base of every task of the app: a delivery of an outbox message runs once — a second delivery is
    skipped while another worker runs the message or after one ran it to the end. Other calls run as ever.
    A retry (same task id) runs again: the message is not done until the task returns.

    A task runs in a partner's scope (portal/models.py), as a request does: the partner of its ``partner_id``
    argument, or of the row its first argument names (``scope_from="app.Model"``: the id of a partner-owned
    row — an invitation, a report); a task about every partner (a beat's sweep, a billing file) says so with
    ``cross_partner=True``. Any other task's partner-owned query fails loudly."""

    scope_from: str | None = None
    cross_partner = False

    def __call__(self, *args, **kwargs):
        with self.partner_scope(args, kwargs):
            return self._run_once(*args, **kwargs)

    def partner_scope(self, args, kwargs):
        if self.cross_partner:
            return scopes_disabled()
        if self.scope_from is not None:
            model = apps.get_model(self.scope_from)
            with scopes_disabled():  # which partner the row is: the one read the task makes before its scope
                partner = model.objects.filter(pk=args[0]).values_list(model.partner_field, flat=True).first()
            return scope(partner=partner if partner is not None else [])  # a row gone: nothing found
        bound = self._signature.bind_partial(*args, **kwargs).arguments
        if bound.get("partner_id") is not None:
            return scope(partner=bound["partner_id"])
        return nullcontext()

    @cached_property
    def _signature(self) -> inspect.Signature:
        """The task's parameters, read once per task rather than at every call."""
        return inspect.signature(self.run)

    def _run_once(self, *args, **kwargs):
        pk = None if self.request.called_directly else message_id(self.request.id)
        if pk is None:
            return super().__call__(*args, **kwargs)
        from portal.models import OutboxMessage

        with jobs.claimed("outbox", pk) as mine:
            pending = OutboxMessage.objects.filter(
                pk=pk, task=self.name, args=list(args), done_at__isnull=True
            )
            if not mine or not pending.exists():
                logger.info(
                    "Outbox message %s (%s) was delivered again; it runs once: skipped", pk, self.name
                )
                return None
            result = self.run(*args, **kwargs)  # the request is the worker's already, as for any task
            OutboxMessage.objects.filter(pk=pk).update(done_at=timezone.now())
            return result
