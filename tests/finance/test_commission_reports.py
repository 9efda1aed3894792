"""Long-period commission reports: prepared by Celery into a file with progress, listed, scoped."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from guardian.shortcuts import assign_perm

from finance import tasks
from finance.models import Report
from portal.permissions import Role
from tests.factories import AccountFactory, ConsumptionFactory, ReportFactory, SubaccountFactory

pytestmark = pytest.mark.django_db

YEAR = {"start": "2026-01-01", "finish": "2026-10-31"}


@pytest.fixture
def consumption(partner):
    sub = SubaccountFactory(account=AccountFactory(partner=partner), billing_account_id="ba-1")
    for day in (datetime.date(2026, 2, 1), datetime.date(2026, 6, 15), datetime.date(2026, 10, 31)):
        ConsumptionFactory(subaccount=sub, date=day, cost=Decimal("120.50"))
    return sub


def test_a_long_period_is_prepared_as_a_file_equal_to_the_streamed_report(
    consumption, member, client_for, celery_eager, django_capture_on_commit_callbacks, settings
):
    client = client_for(member())
    page = client.get(reverse("finance:commission"), YEAR).content.decode()
    assert "are prepared in the background" in page and "export=csv" not in page
    redirected = client.get(reverse("finance:commission"), {**YEAR, "export": "csv"})
    assert redirected.status_code == 302  # not streamed: too long

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("finance:commission_report_request"), YEAR, follow=True)
    assert "is being prepared" in response.content.decode()
    report = Report.objects.get(kind=Report.Kind.COMMISSION)
    assert (report.status, report.progress, report.params["rows"]) == ("done", 100, 3)

    download = client.get(reverse("finance:report", args=[report.pk]))
    prepared = b"".join(download.streaming_content)
    settings.COMMISSION_STREAM_MAX_DAYS = 400
    streamed = b"".join(
        client.get(reverse("finance:commission"), {**YEAR, "export": "csv"}).streaming_content
    )
    assert prepared == streamed and prepared.count(b"\n") == 4 and b"120.50" in prepared
    listed = client.get(reverse("finance:commission"), YEAR).content.decode()
    assert reverse("finance:report", args=[report.pk]) in listed and "2026-01-01 – 2026-10-31" in listed


def test_the_list_refreshes_itself_while_a_report_is_pending(partner, member, client_for):
    admin = member()
    ReportFactory(partner=partner, kind=Report.Kind.COMMISSION, status=Report.Status.RUNNING, progress=40)
    page = client_for(admin).get(reverse("finance:commission")).content.decode()
    assert 'data-poll="2000"' in page and '<progress max="100" value="40"' in page
    Report.objects.update(status=Report.Status.DONE, progress=100)
    assert "data-poll" not in client_for(admin).get(reverse("finance:commission")).content.decode()


def test_a_failed_run_is_marked_failed_and_a_retry_overwrites_it(consumption, partner, monkeypatch):
    report = ReportFactory(
        partner=partner,
        kind=Report.Kind.COMMISSION,
        status="pending",
        file="",
        params={**YEAR, "accounts": None},
    )

    def broken(**kwargs):
        yield b"header\n"
        raise ConnectionError("worker lost its database")

    monkeypatch.setattr("finance.reports.commission_csv", broken)
    with pytest.raises(ConnectionError):
        tasks.generate_commission_report(report.pk)
    report.refresh_from_db()
    assert report.status == Report.Status.FAILED and not report.file
    monkeypatch.undo()
    assert tasks.generate_commission_report(report.pk) == 3
    report.refresh_from_db()
    assert report.status == Report.Status.DONE and report.file.read().count(b"\n") == 4


def test_a_restricted_member_sees_and_downloads_only_their_own_reports_within_their_scope(
    consumption, partner, member, client_for, celery_eager, django_capture_on_commit_callbacks
):
    hidden = SubaccountFactory(account=AccountFactory(partner=partner), billing_account_id="ba-hidden")
    ConsumptionFactory(subaccount=hidden, date=datetime.date(2026, 3, 1))
    admins_report = ReportFactory(
        partner=partner,
        kind=Report.Kind.COMMISSION,
        status=Report.Status.DONE,
        params={**YEAR, "accounts": None},
    )
    viewer = member(Role.VIEWER_PD, restricted=True)
    assign_perm("accounts.access_account", viewer.user, consumption.account)
    client = client_for(viewer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("finance:commission_report_request"), YEAR)
    own = Report.objects.get(created_by=viewer.user)
    assert own.params["accounts"] == [consumption.account_id]
    content = b"".join(client.get(reverse("finance:report", args=[own.pk])).streaming_content)
    assert b"ba-1" in content and b"ba-hidden" not in content
    assert client.get(reverse("finance:report", args=[admins_report.pk])).status_code == 404
    page = client.get(reverse("finance:commission")).content.decode()
    assert reverse("finance:report", args=[admins_report.pk]) not in page

    assign_perm("accounts.access_account", viewer.user, hidden.account)  # the scope changed
    assert client.get(reverse("finance:report", args=[own.pk])).status_code == 404


def test_a_bad_period_is_refused_with_a_message_and_nothing_queued(member, client_for):
    response = client_for(member()).post(
        reverse("finance:commission_report_request"),
        {"start": "2026-10-31", "finish": "2026-01-01"},
        follow=True,
    )
    assert "The period ends before it starts." in response.content.decode()
    assert not Report.objects.exists()


def test_a_short_period_with_too_many_rows_is_prepared_not_streamed(partner, member, client_for, settings):
    """The choice follows the rows the planner expects, not only the days: a month of a large partner could
    not stream inside the web timeout, so it is prepared like a long period."""
    from django.db import connection

    sub = SubaccountFactory(account=AccountFactory(partner=partner))
    for n in range(300):
        ConsumptionFactory(subaccount=sub, date=datetime.date(2026, 3, 1 + n % 28), sku_id=f"sku-{n}")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE finance_consumption")
    march = {"start": "2026-03-01", "finish": "2026-03-31"}
    client = client_for(member())

    settings.COMMISSION_STREAM_MAX_ROWS = 100
    page = client.get(reverse("finance:commission"), march).content.decode()
    # (the statistics' tables keep their own .csv: export=csv&table=…)
    assert "prepared in the background" in page and '&amp;export=csv"' not in page
    refused = client.get(reverse("finance:commission"), {**march, "export": "csv"}, follow=True)
    assert "too large to download at once" in refused.content.decode()

    settings.COMMISSION_STREAM_MAX_ROWS = 10_000
    assert '&amp;export=csv"' in client.get(reverse("finance:commission"), march).content.decode()
    streamed = client.get(reverse("finance:commission"), {**march, "export": "csv"})
    assert b"".join(streamed.streaming_content).count(b"\n") == 301
