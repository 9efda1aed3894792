"""Reports prepared in the background — a period's commission report, a month's PDF statement: a request
writes the ``Report`` row and queues its task in the same transaction; the task renders the file into it
(``tasks.generate_*`` make sure one worker does)."""

from __future__ import annotations

import datetime
import tempfile
import time

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.utils import translation

from portal import outbox, replica
from portal.progress import Progress

from . import tasks
from .commission import commission_csv, commission_rows
from .models import Report
from .selectors import report_accounts
from .statements import statement_pdf

PROGRESS_SECONDS = 0.5  # a report's progress is written at most this often


def commission_request(*, membership, start: datetime.date, finish: datetime.date, actor) -> Report:
    """The commission report of a period, of the customers the member sees, prepared by Celery."""
    report = Report.objects.create(
        partner_id=membership.partner_id,
        kind=Report.Kind.COMMISSION,
        params={
            "start": start.isoformat(),
            "finish": finish.isoformat(),
            "accounts": report_accounts(membership),
        },
        created_by=actor,
    )
    outbox.enqueue(tasks.generate_commission_report, report.pk)
    return report


def statement_request(*, partner, month: datetime.date, actor) -> Report:
    """A closed month's PDF statement, rendered by Celery in the language of the page it was asked from."""
    params = {"month": month.isoformat(), "language": translation.get_language()}
    report = Report.objects.create(
        partner=partner, kind=Report.Kind.STATEMENT, params=params, created_by=actor
    )
    outbox.enqueue(tasks.generate_statement, report.pk)
    return report


def statement_render(report_id: int) -> None:
    """Render a partner's monthly PDF statement into its Report row (rerun: it overwrites)."""
    report = Report.objects.select_related("partner").get(pk=report_id)
    Report.objects.filter(pk=report_id).update(status=Report.Status.RUNNING, progress=10)
    month = datetime.date.fromisoformat(report.params["month"])
    try:
        # its figures, dates and words as the requester read the page (a statement asked for before this was
        # stored: the portal's default)
        with translation.override(report.params.get("language") or settings.LANGUAGE_CODE):
            pdf = statement_pdf(partner=report.partner, month=month)
    except Exception:
        Report.objects.filter(pk=report_id).update(status=Report.Status.FAILED)
        raise
    report.file.save(f"statement-{report.partner_id}-{month:%Y-%m}.pdf", ContentFile(pdf), save=False)
    Report.objects.filter(pk=report_id).update(file=report.file.name, status=Report.Status.DONE, progress=100)


def commission_render(report_id: int) -> int:
    """Write the commission report of the Report's period into its file, moving ``progress`` as rows arrive;
    a rerun starts over and overwrites the file. Returns the rows written."""
    report = Report.objects.get(pk=report_id)
    params = report.params
    query = {
        "partner_id": report.partner_id,
        "start": datetime.date.fromisoformat(params["start"]),
        "finish": datetime.date.fromisoformat(params["finish"]),
        "account_ids": params.get("accounts"),
        "using": replica.read_alias(),  # the rows; the report's own row stays on the primary
    }
    Report.objects.filter(pk=report_id).update(status=Report.Status.RUNNING, progress=0)
    try:
        total = max(commission_rows(**query), 1)
        written, shown, last = 0, 0, time.monotonic()
        with tempfile.TemporaryFile() as out, Progress(Report, report_id, "progress") as progress:
            for block in commission_csv(**query):
                out.write(block)
                written += block.count(b"\n")
                percent = min(99, written * 100 // (total + 1))
                if percent > shown and time.monotonic() - last > PROGRESS_SECONDS:
                    progress(percent)
                    shown, last = percent, time.monotonic()
            out.seek(0)
            report.file.save(f"commission-{query['start']}-{query['finish']}.csv", File(out), save=False)
    except Exception:
        Report.objects.filter(pk=report_id).update(status=Report.Status.FAILED)
        raise
    Report.objects.filter(pk=report_id).update(
        file=report.file.name, status=Report.Status.DONE, progress=100, params={**params, "rows": written - 1}
    )
    return written - 1
