"""Background work finishes (issue 12): long imports and reports report their progress while their own
connection is busy with a COPY, and still end."""

import datetime
import os
import signal
import subprocess
import sys
import threading
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection
from django.utils import timezone

from config.celery import app as celery_app
from finance import importer, imports, reports, tasks
from finance.models import Consumption, ConsumptionImport, Report
from tests.factories import AccountFactory, ConsumptionFactory, ReportFactory, SubaccountFactory
from tests.waiting import wait_for


def finishes(work, seconds: float = 30):
    """Run ``work`` in a thread; whether it ended within ``seconds`` (a hang must fail the test, not the
    suite), and what it returned or raised."""
    outcome = {}

    def run():
        try:
            outcome["result"] = work()
        except Exception as error:  # reported to the test below
            outcome["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    return not thread.is_alive(), outcome


def billing_lines(count: int) -> str:
    """A billing file of this month (not closed: the import queues no re-accrual that could outlive the
    test)."""
    month = timezone.localdate().strftime("%Y-%m")
    header = ",".join(importer.COLUMNS)
    lines = [
        f"ba-1,{month}-{1 + n % 28:02d},c1,prod,f1,default,compute,Compute,sku-{n},vCPU,1,hour,10.00,0,RUB"
        for n in range(count)
    ]
    return "\n".join([header, *lines]) + "\n"


@pytest.mark.django_db(transaction=True)
def test_an_uploaded_import_reports_progress_during_its_copy_and_finishes(monkeypatch):
    monkeypatch.setattr(importer, "PROGRESS_EVERY", 1)  # a progress report inside the COPY, as real files get
    SubaccountFactory(billing_account_id="ba-1")
    job = ConsumptionImport.objects.create(file=ContentFile(billing_lines(300).encode(), name="billing.csv"))
    ended, outcome = finishes(lambda: tasks.import_consumption_file(job.pk))
    assert ended, "the import hung"
    job.refresh_from_db()
    assert (outcome, job.status, job.rows, job.lines_checked) == ({"result": "done"}, "done", 300, 300)
    assert Consumption.objects.count() == 300


@pytest.mark.django_db(transaction=True)
def test_a_prepared_commission_report_reports_progress_during_its_copy_and_finishes(partner, monkeypatch):
    monkeypatch.setattr(reports, "PROGRESS_SECONDS", 0)  # a progress report inside the COPY, as long ones get
    sub = SubaccountFactory(account=AccountFactory(partner=partner), billing_account_id="ba-1")
    for day in range(1, 4):
        ConsumptionFactory(subaccount=sub, date=datetime.date(2026, 10, day), cost=Decimal("10.00"))
    report = ReportFactory(
        partner=partner,
        kind=Report.Kind.COMMISSION,
        status="pending",
        file="",
        params={"start": "2026-01-01", "finish": "2026-10-31", "accounts": None},
    )
    ended, outcome = finishes(lambda: tasks.generate_commission_report(report.pk))
    assert ended, "the report hung"
    report.refresh_from_db()
    assert (outcome, report.status, report.progress) == ({"result": 3}, "done", 100)


def imported(content: bytes) -> ConsumptionImport:
    """A billing file through the upload's task; the job as it ended."""
    SubaccountFactory(billing_account_id="ba-1")
    job = ConsumptionImport.objects.create(file=ContentFile(content, name="billing.csv"))
    ended, _outcome = finishes(lambda: tasks.import_consumption_file(job.pk))
    assert ended, "the import hung"
    job.refresh_from_db()
    return job


LINE = "ba-1,2026-10-01,c1,prod,f1,default,compute,Compute,sku-1,{sku_name},1,hour,10.00,0,RUB"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("content", "error"),
    [
        (
            LINE.format(sku_name="x" * 10_000).encode(),
            "line 2: sku_name is longer than 300 characters",
        ),
        (LINE.format(sku_name="vCPU\x00").encode(), "line 2: the line holds a NUL character"),
    ],
    ids=["a-value-too-long", "a-nul-byte"],
)
def test_a_bad_line_rejects_the_import_and_names_the_line(content, error):
    job = imported(billing_lines(0).encode() + content + b"\n")
    assert (job.status, job.errors, job.error_count) == ("rejected", [error], 1)
    assert job.finished_at and not Consumption.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_file_that_is_not_text_is_rejected_as_such():
    job = imported(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00")
    assert (job.status, job.errors) == ("rejected", ["line 1: the file is not UTF-8 text from here on"])


@pytest.mark.django_db(transaction=True)
def test_an_unexpected_failure_ends_as_failed_saying_what_went_wrong(monkeypatch):
    def broken(path, progress=None):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(imports, "load", broken)
    SubaccountFactory(billing_account_id="ba-1")
    job = ConsumptionImport.objects.create(file=ContentFile(billing_lines(1).encode(), name="billing.csv"))
    ended, outcome = finishes(lambda: tasks.import_consumption_file(job.pk))
    job.refresh_from_db()
    assert ended and isinstance(outcome["error"], RuntimeError)
    assert (job.status, job.errors) == ("failed", ["The import failed: the disk is full"])
    assert job.finished_at


def worker_process(queues: str) -> subprocess.Popen:
    """A real Celery worker in its own process, on the test database and the tests' broker."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": (
            f"postgres://{db['USER']}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "CELERY_BROKER_URL": celery_app.conf.broker_url,
        "PORTAL_TEST_MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    return subprocess.Popen(  # noqa: S603 (our own command line)
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "-Q",
            queues,
            "-l",
            "warning",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL"), reason="the worker process reaches the test database by URL"
)
@pytest.mark.django_db(transaction=True)
def test_a_killed_workers_import_is_taken_up_again_promptly_and_completes_once():
    SubaccountFactory(billing_account_id="ba-1")
    lines = 150_000
    job = ConsumptionImport.objects.create(
        file=ContentFile(billing_lines(lines).encode(), name="billing.csv")
    )
    first = worker_process("killtest")
    try:
        tasks.import_consumption_file.apply_async([job.pk], queue="killtest")
        checking = ConsumptionImport.objects.filter(pk=job.pk, status=ConsumptionImport.Status.CHECKING)
        assert wait_for(checking.exists, 60), "the worker never started the import"
        first.send_signal(signal.SIGKILL)  # the worker dies mid-load, without a word
        first.wait(10)
        assert checking.exists() and not Consumption.objects.exists()  # nothing half-written
        # the beat's sweep, every minute: once PostgreSQL has ended the dead worker's session, it requeues
        assert wait_for(tasks.requeue_orphaned_jobs, 30), "the abandoned import was never requeued"
        second = worker_process("celery,killtest")
        try:
            done = ConsumptionImport.objects.filter(pk=job.pk, status=ConsumptionImport.Status.DONE)
            assert wait_for(done.exists, 120), "the import was not taken up again"
        finally:
            second.kill()
            second.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    job.refresh_from_db()
    assert job.rows == lines and Consumption.objects.count() == lines  # once
