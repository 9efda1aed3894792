import datetime

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from access.models import Membership, Notification
from access.notifications import members_to_notify, notify
from portal import jobs, mail, outbox
from portal.links import absolute_url
from portal.permissions import Right, Role, role_has
from profiles.models import Partner
from subaccounts.models import Subaccount

from . import bucket_export, partitions, reports, services
from .accruals import accrue_month, months_to_reaccrue
from .models import BucketExport, ConsumptionImport, CorrectionReason, Report, Withdrawal


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def refresh_monthly_consumption(partner_id: int, start: str, end: str) -> None:
    """Rebuild a partner's monthly aggregates for the months from ``start`` to ``end`` (ISO dates, both
    months included). Safe to retry: idempotent."""
    services.monthly_consumption_rebuild(
        partner_id=partner_id, start=datetime.date.fromisoformat(start), end=datetime.date.fromisoformat(end)
    )


@shared_task(acks_late=True, cross_partner=True)  # billing's file: every partner's rows
def import_consumption_file(import_id: int) -> str:
    """Load an uploaded billing file of any kind, once: a delivery of a job another worker is running, or
    has finished, does nothing (portal/jobs.py). The load is one transaction, so a rerun after a dead worker
    starts clean."""

    with jobs.claimed("import", import_id) as mine:
        finished = (ConsumptionImport.Status.DONE, ConsumptionImport.Status.REJECTED)
        if not mine or ConsumptionImport.objects.filter(pk=import_id, status__in=finished).exists():
            return "skipped"
        from .imports import run  # the loaders queue this module's tasks: imported when run

        return run(import_id)


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def accrue_partner_month(
    partner_id: int, month: str, programs: list[str] | None = None, reason: str = CorrectionReason.DATA
) -> dict:
    """One partner and month (every program, or only ``programs``); safe to retry or to run twice (a rerun
    writes only what changed)."""

    return accrue_month(
        partner_id=partner_id, month=datetime.date.fromisoformat(month), programs=programs, reason=reason
    )


def reaccrue(changed: dict[int, tuple[datetime.date, datetime.date]], reason: str) -> None:
    """Bring every closed month that changed data feeds up to date, a task per partner and month, queued once
    the change is committed."""

    for partner_id, (first, last) in changed.items():
        for month in months_to_reaccrue(first, last):
            outbox.enqueue(accrue_partner_month, partner_id, month.isoformat(), reason=reason)


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def warm_usage_rankings(partner_id: int) -> int:
    """Work out and keep the Subaccount details rankings the partner's members open first, after an import
    (``selectors.warm_rankings``). Safe to retry or to run twice: a ranking kept is read, not worked out."""
    from .selectors import warm_rankings

    return warm_rankings(Partner.objects.get(pk=partner_id))


def warm_rankings_after_import(partner_ids: list[int]) -> None:
    """Queue, once the import commits, the warming of the rankings of the large partners among
    ``partner_ids``: of ``USAGE_WARM_SUBACCOUNTS`` subaccounts or more (a smaller one's take milliseconds)."""
    with scopes_disabled():  # the import's partners: every partner's subaccounts are counted
        large = (
            Subaccount.objects.filter(partner_id__in=partner_ids)
            .values("partner_id")
            .annotate(count=Count("pk"))
            .filter(count__gte=settings.USAGE_WARM_SUBACCOUNTS)
            .order_by("partner_id")
            .values_list("partner_id", flat=True)
        )
        for partner_id in large:
            outbox.enqueue(warm_usage_rankings, partner_id)


@shared_task(
    acks_late=True,
    autoretry_for=(ConnectionError,),
    retry_backoff=True,
    max_retries=5,
    cross_partner=True,  # the provider's exclusion list: every partner's consumption
)
def exclusions_reapply(service_ids: list[str]) -> int:
    """The exclusion list changed for ``service_ids``: re-apply it to their consumption, then re-accrue the
    months concerned. Idempotent."""
    changed = services.exclusions_apply(service_ids=service_ids)
    reaccrue(changed, CorrectionReason.EXCLUSIONS)
    return len(changed)


@shared_task(cross_partner=True)  # every partner's abandoned jobs
def requeue_orphaned_jobs() -> int:
    """The minute's sweep: a job a worker started ("checking", "running") that no worker holds any more was
    abandoned by a dead worker — queue it again (portal/jobs.py). Returns how many were."""

    requeued = 0
    for pk in ConsumptionImport.objects.filter(status=ConsumptionImport.Status.CHECKING).values_list(
        "pk", flat=True
    ):
        if jobs.abandoned("import", pk):
            outbox.enqueue(import_consumption_file, pk)
            requeued += 1
    for pk, kind in Report.objects.filter(status=Report.Status.RUNNING).values_list("pk", "kind"):
        if jobs.abandoned("report", pk):
            task = generate_commission_report if kind == Report.Kind.COMMISSION else generate_statement
            outbox.enqueue(task, pk)
            requeued += 1
    return requeued


@shared_task(cross_partner=True)  # the table's partitions: every partner's rows
def create_consumption_partitions(months_ahead: int = 3) -> list[str]:
    """The daily beat: this month's consumption partition and the next ``months_ahead`` exist, and rows
    waiting in the default partition are moved into their month's (finance/partitions.py). Idempotent;
    returns the partitions it made."""

    return partitions.ensure_ahead(months_ahead)


@shared_task
def accrue_closed_month() -> int:
    """The monthly beat: the month that just closed, for every partner, one task each."""

    closed = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    ids = list(Partner.objects.values_list("pk", flat=True))
    with transaction.atomic():  # one commit: the broker takes them all on one connection
        for partner_id in ids:
            outbox.enqueue(accrue_partner_month, partner_id, closed.isoformat())
    return len(ids)


def _report_once(report_id: int, make):
    """``make(report_id)``'s result, unless another worker is running that report or it is done (None)."""

    with jobs.claimed("report", report_id) as mine:
        if not mine or Report.objects.filter(pk=report_id, status=Report.Status.DONE).exists():
            return None
        result = make(report_id)
        outbox.enqueue(notify_report_ready, report_id)
        return result


@shared_task(acks_late=True, scope_from="finance.Report")
def generate_statement(report_id: int) -> None:
    """Render a partner's monthly PDF statement into its Report row, once (safe to rerun: it overwrites)."""
    return _report_once(report_id, reports.statement_render)


@shared_task(acks_late=True, scope_from="finance.Report")
def generate_commission_report(report_id: int) -> int | None:
    """Write a commission report of a long period into its Report file, moving ``progress`` as rows arrive,
    once. Rerunning starts over and overwrites the file, so a rerun after a dead worker is safe."""
    return _report_once(report_id, reports.commission_render)


# the roles that see the partner's balances and withdrawals: who hears that one was paid or rejected
FINANCE_ROLES = tuple(role for role in Role if role_has(role, Right.FINANCE_VIEW))


@shared_task(scope_from="finance.Withdrawal", **mail.RETRY)
def notify_withdrawal_decided(withdrawal_id: int) -> None:
    """A withdrawal was paid or rejected: its requester and the partner's members who see its balances hear
    of it (not a member restricted to some customers: partner-wide money)."""
    withdrawal = Withdrawal.objects.select_related("requested_by").get(pk=withdrawal_id)
    if withdrawal.status not in (Withdrawal.Status.PAID, Withdrawal.Status.REJECTED):
        return
    link = reverse("finance:balance")
    notify(
        partner_id=withdrawal.partner_id,
        kind=Notification.Kind.WITHDRAWAL,
        key=f"withdrawal:{withdrawal.pk}:{withdrawal.status}",
        link=link,
        members=members_to_notify(
            partner_id=withdrawal.partner_id,
            also=[withdrawal.requested_by],
            partner_wide=True,
            roles=FINANCE_ROLES,
        ),
        params={
            "status": withdrawal.status,
            "amount": str(withdrawal.amount),
            "currency": withdrawal.currency,
        },
        email=("finance/email/withdrawal_decided", {"withdrawal": withdrawal, "url": absolute_url(link)}),
    )


@shared_task(scope_from="finance.Report", **mail.RETRY)
def notify_report_ready(report_id: int) -> None:
    """A report is ready: whoever asked for it hears of it, while they are a member who may still see it."""
    report = Report.objects.select_related("created_by").get(pk=report_id)
    if report.status != Report.Status.DONE or report.created_by is None:
        return
    membership = Membership.objects.filter(
        partner_id=report.partner_id, user=report.created_by, removed_at__isnull=True
    ).first()
    if membership is None or not Report.objects.restrict(membership).filter(pk=report.pk).exists():
        return
    page = "finance:commission" if report.kind == Report.Kind.COMMISSION else "finance:statements"
    link = reverse(page)
    notify(
        partner_id=report.partner_id,
        kind=Notification.Kind.REPORT_READY,
        key=f"report:{report.pk}",
        link=link,
        members=[membership],
        params={"status": report.kind, "subject": report.subject},
        email=("finance/email/report_ready", {"report": report, "url": absolute_url(link)}),
    )


@shared_task(
    acks_late=True,
    scope_from="finance.BucketExport",
    autoretry_for=(bucket_export.StorageUnavailable,),
    retry_backoff=60,  # 1, 2, 4 … minutes, at most an hour apart, jittered
    retry_backoff_max=3600,
    max_retries=8,
)
def export_to_bucket(export_id: int) -> int | None:
    """Write a batch of the finished days a partner's bucket export owes, oldest first, and queue the next
    batch while days are left (finance/bucket_export.py); a storage error is recorded on its day and retried
    with back-off, and the next day's run begins with it. One run per export at a time (another worker's is
    left alone); safe to rerun. Returns how many days this batch wrote."""
    with jobs.claimed("bucket-export", export_id) as mine:
        if not mine:
            return None
        batch = bucket_export.export_run(export_id)
    if batch.left:  # queued once the claim is let go: the continuation may start at once
        bucket_export.continue_later(export_id)
    return batch.written


@shared_task(cross_partner=True)  # every partner's export
def export_to_buckets() -> int:
    """The daily beat: one export task per enabled bucket export."""
    ids = list(BucketExport.objects.filter(enabled=True).values_list("pk", flat=True))
    with transaction.atomic():
        for export_id in ids:
            outbox.enqueue(export_to_bucket, export_id)
    return len(ids)
